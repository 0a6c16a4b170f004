/**
 * What a colleague's hand-off session may do, as one table the server actions, pages and routes consult. A hand-off
 * session is bound to one connection and to the steps the first admin could not do (a missing role): it may sign in,
 * check the plan as itself, approve it and retry its run; it may not choose another environment, change sync options,
 * start a repair or a verification, create further hand-off links, or disconnect. Pure (no server-only marker), so the
 * rules are unit-tested and a client leaf may read them.
 */
import { appError, type AppError } from "../core/errors";

export const JOURNEY_ACTIONS = [
  "chooseEnvironment",
  "changeEnvironment",
  "recheckPlan",
  "approvePlan",
  "retryRun",
  "saveSyncOptions",
  "repair",
  "verify",
  "startOver",
  "createHandoff",
  "disconnect",
  "manual",
  "onPremises",
  "view",
] as const;
export type JourneyAction = (typeof JOURNEY_ACTIONS)[number];

/** The only actions a hand-off session may take (besides viewing its own connection). */
export const HANDOFF_ACTIONS: readonly JourneyAction[] = ["view", "recheckPlan", "approvePlan", "retryRun"];

export type ScopedSession = { intent: string; connectionId: string | null };

/**
 * Null when the session may take `action` on `connectionId`; otherwise the refusal. A hand-off session outside its
 * connection gets `not_found` (the same answer as another account's connection: nothing is revealed).
 */
export function checkSessionScope(session: ScopedSession, target: { connectionId: string; action: JourneyAction }): AppError | null {
  if (session.intent !== "handoff") return null;
  if (!session.connectionId || session.connectionId !== target.connectionId) {
    return appError("not_found", "That connection does not exist for your account.");
  }
  if (!HANDOFF_ACTIONS.includes(target.action)) {
    return appError(
      "forbidden",
      "Your colleague's hand-off link lets you complete the setup steps they asked you for, nothing else. They can do the rest from their own page.",
      { detail: `handoff session may not ${target.action}` },
    );
  }
  return null;
}

/** True when a stored Microsoft sign-in belongs to the person signed in to this portal session (same tenant and account). */
export function isSameMicrosoftAccount(
  stored: { tenantId: string | null; username: string | null },
  signedIn: { tenantId: string; username: string } | null,
): boolean {
  if (!signedIn || !stored.tenantId || !stored.username) return false;
  return stored.tenantId.toLowerCase() === signedIn.tenantId.toLowerCase() && stored.username.toLowerCase() === signedIn.username.toLowerCase();
}
