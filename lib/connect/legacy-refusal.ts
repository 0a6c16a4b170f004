/**
 * Why the engine's plan refuses legacy mode, in the admin's words, with the ways out that fit. The engine's blockers
 * say what is unmet (`code`, and `reason` where one code covers several causes); this turns them into a page. Pure.
 *
 * The ways out never include turning MFA off: the recommended mode needs no password, and an organization that must
 * keep a password account uses one dedicated account that its own Conditional Access policy excludes from MFA.
 */
import type { PlanBlocker } from "../domain/run/plan";

export type WayOut = "recommended" | "dedicatedAccount" | "conditionalAccess" | "fixAndRetry";

export type LegacyRefusal = {
  title: string;
  problems: { key: string; text: string }[];
  waysOut: WayOut[];
  /** True when the refusal is about MFA (the integration user's or the tenant's). */
  mfa: boolean;
};

export const WAY_OUT_TEXT: Record<WayOut, string> = {
  recommended:
    "Use the recommended way: Act-On gets its own app and application user and signs in with a client secret, so no password is stored and MFA stays on for everyone.",
  dedicatedAccount:
    "Or enter a dedicated integration account: a user created only for Act-On (not a person's account, not an administrator's) that your organization's own Conditional Access policy excludes from MFA, for example only for sign-ins to Dynamics 365. Keep MFA required for every administrator.",
  conditionalAccess:
    "Security defaults cannot exclude any account. Only if your organization protects its users with its own Conditional Access policies instead (they need Microsoft Entra ID P1, and keep MFA required for all administrators) can a dedicated integration account be excluded from MFA there; then enter that account.",
  fixAndRetry: "Once it is fixed, enter the details again: nothing has been written at Microsoft.",
};

/** The refusal for a legacy plan's blockers, or null when there are none. */
export function explainLegacyRefusal(blockers: PlanBlocker[], integrationUsername: string | null): LegacyRefusal | null {
  if (!blockers.length) return null;
  const who = integrationUsername ?? "The integration user";
  const problems: LegacyRefusal["problems"] = [];
  const waysOut = new Set<WayOut>();
  let enforced = false;
  let defaults = false;
  for (const [i, b] of blockers.entries()) {
    if (b.code === "mfa_required" && b.reason === "security_defaults") {
      defaults = true;
      problems.push({
        key: `security_defaults:${i}`,
        text: "Security defaults are on in your Microsoft tenant, so Microsoft asks for multi-factor authentication (MFA) at password sign-ins, for every account. Legacy mode signs in with the password alone, so it cannot work in this tenant.",
      });
    } else if (b.code === "mfa_required") {
      enforced = true;
      problems.push({
        key: `mfa_enforced:${i}`,
        text: `${who} has to use multi-factor authentication (MFA) to sign in. Legacy mode signs in with the user name and password alone, so Microsoft would refuse every sign-in Act-On makes as this user.`,
      });
    } else {
      problems.push({ key: `${b.code}:${i}`, text: b.message });
      waysOut.add("fixAndRetry");
    }
  }
  const mfa = enforced || defaults;
  const ordered: WayOut[] = [];
  if (mfa) ordered.push("recommended");
  if (defaults) ordered.push("conditionalAccess");
  else if (enforced) ordered.push("dedicatedAccount");
  if (waysOut.has("fixAndRetry")) ordered.push("fixAndRetry");
  return {
    title: defaults ? "Legacy mode cannot work in this tenant" : enforced ? "Legacy mode cannot sign in as this integration user" : "Fix these first",
    problems,
    waysOut: ordered,
    mfa,
  };
}
