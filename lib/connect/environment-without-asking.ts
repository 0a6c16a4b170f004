import { normaliseEnvironmentUrl } from "../deep-link/launch-link";

/** How the environment of a plan prepared without asking was found (the plan page says which). */
export type ChosenFor = "acton" | "only";

/**
 * The environment to plan without asking the admin, or null to show the picker. Act-On's link named one: that one
 * when Microsoft lists it for the admin, else nothing (the picker offers Act-On's URL, never a different environment
 * in its place). No name: the only one Microsoft lists. Never a guess between several. Pure.
 */
export function environmentWithoutAsking(listed: readonly { url: string }[], hint: string | null): { url: string; chosenFor: ChosenFor } | null {
  if (hint) {
    const named = listed.find((e) => normaliseEnvironmentUrl(e.url) === hint);
    return named ? { url: named.url, chosenFor: "acton" } : null;
  }
  return listed.length === 1 ? { url: listed[0].url, chosenFor: "only" } : null;
}
