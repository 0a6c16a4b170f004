/**
 * Who may take each journey action: one table, read by `authorize` (the only place the decision is made) and by the
 * authorization matrix test. Pure, so the rules are unit-tested apart from the database.
 *
 * Each action declares:
 * - `intents`: the kinds of portal session that may take it. A `status` link is read-only; `connect` and `reconnect`
 *   allow the journey; a colleague's `handoff` session only the steps it was sent for (lib/handoff).
 * - `microsoft`: whether the person must hold their OWN live Microsoft sign-in for the connection, from the tenant the
 *   action acts in (the connection's, else its open run's). A sign-in another person left behind never counts.
 *   - `none`: the action changes nothing in the customer's tenant (a view, Act-On-side options, a navigation);
 *   - `own`: it acts in the tenant, or prepares a plan that will;
 *   - `ownUnlessOnPremises`: as `own`, except on an on-premises connection, whose runs sign in to the customer's own
 *     server with the credentials the admin typed, never with Microsoft;
 *   - `ownWhenTenantKnown`: the manual and on-premises paths write credentials over the connection: a connection that
 *     already belongs to a Microsoft tenant is only repointed by someone signed in to that tenant;
 *   - `signedIn`: the person signed in to Microsoft in this session, from the tenant acted in, even if the stored sign-in
 *     is now another's: a hand-off link delegates the plan its creator prepared (and the colleague's sign-in replaces
 *     the creator's by design), it acts nowhere itself.
 * The directory and Dynamics roles an action needs are not read here: the plan the person's own sign-in prepared
 * lists what they lack as blockers, and a blocked plan cannot be approved (approve-run.ts).
 */
import type { SessionIntent } from "../sessions/session-view";

export const JOURNEY_ACTIONS = [
  "view",
  "signIn",
  "signOut",
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
] as const;
export type JourneyAction = (typeof JOURNEY_ACTIONS)[number];

type MicrosoftRequirement = "none" | "own" | "ownUnlessOnPremises" | "ownWhenTenantKnown" | "signedIn";
export type ActionPolicy = { intents: readonly SessionIntent[]; microsoft: MicrosoftRequirement };

const EVERYONE: readonly SessionIntent[] = ["connect", "reconnect", "status", "handoff"];
const JOURNEY: readonly SessionIntent[] = ["connect", "reconnect"];
const JOURNEY_AND_HANDOFF: readonly SessionIntent[] = ["connect", "reconnect", "handoff"];

export const ACTION_POLICIES: Record<JourneyAction, ActionPolicy> = {
  view: { intents: EVERYONE, microsoft: "none" },
  signOut: { intents: EVERYONE, microsoft: "none" },
  signIn: { intents: JOURNEY_AND_HANDOFF, microsoft: "none" },
  chooseEnvironment: { intents: JOURNEY, microsoft: "own" },
  changeEnvironment: { intents: JOURNEY, microsoft: "own" },
  recheckPlan: { intents: JOURNEY_AND_HANDOFF, microsoft: "own" },
  approvePlan: { intents: JOURNEY_AND_HANDOFF, microsoft: "ownUnlessOnPremises" },
  retryRun: { intents: JOURNEY_AND_HANDOFF, microsoft: "ownUnlessOnPremises" },
  saveSyncOptions: { intents: JOURNEY, microsoft: "none" },
  repair: { intents: JOURNEY, microsoft: "own" },
  verify: { intents: JOURNEY, microsoft: "none" },
  startOver: { intents: JOURNEY, microsoft: "none" },
  createHandoff: { intents: JOURNEY, microsoft: "signedIn" },
  disconnect: { intents: JOURNEY, microsoft: "ownUnlessOnPremises" },
  manual: { intents: JOURNEY, microsoft: "ownWhenTenantKnown" },
  onPremises: { intents: JOURNEY, microsoft: "ownWhenTenantKnown" },
};

/** What `authorize` knows when it applies a policy: the person's sign-in and the connection's tenant and mode. */
export type PolicyFacts = {
  intent: SessionIntent;
  /** The person's own Microsoft sign-in for this connection is stored and live (never someone else's). */
  ownSignIn: { tenantId: string } | null;
  /** Who the person signed in to Microsoft as in this portal session (whether or not that sign-in is still stored). */
  signedInAs?: { tenantId: string } | null;
  /** The tenant the action acts in: the connection's, else its open run's; null while nobody has chosen one. */
  tenantId: string | null;
  /** The connection (or the run it would act through) signs in to an on-premises server, not to Microsoft. */
  onPremises: boolean;
};

export type PolicyRefusal = { code: "forbidden" | "unauthorized"; reason: "intent" | "signIn" | "tenant"; message: string };

const READ_ONLY =
  "This link from Act-On only shows the connection's status. To change the connection, open Dynamics 365 in Act-On's settings and choose Connect or Reconnect.";
const HANDOFF_ONLY =
  "Your colleague's hand-off link lets you complete the setup steps they asked you for, nothing else. They can do the rest from their own page.";
const SIGN_IN = "Sign in with Microsoft first: this step acts in your organization as you, with your own account.";

/**
 * Null when the policy allows the action on these facts, else why not. With `purpose: "page"` only the session kind
 * is checked: a page may explain that the person must sign in first; the action it posts to asks again in full.
 */
export function checkActionPolicy(action: JourneyAction, facts: PolicyFacts, purpose: "act" | "page" = "act"): PolicyRefusal | null {
  const policy = ACTION_POLICIES[action];
  if (!policy.intents.includes(facts.intent)) {
    return { code: "forbidden", reason: "intent", message: facts.intent === "handoff" ? HANDOFF_ONLY : READ_ONLY };
  }
  if (purpose === "page" || !needsMicrosoft(policy.microsoft, facts)) return null;
  const signIn = policy.microsoft === "signedIn" ? (facts.signedInAs ?? null) : facts.ownSignIn;
  if (!signIn) return { code: "unauthorized", reason: "signIn", message: SIGN_IN };
  if (facts.tenantId && signIn.tenantId.toLowerCase() !== facts.tenantId.toLowerCase()) {
    return {
      code: "forbidden",
      reason: "tenant",
      message: `You are signed in to another organization than this connection's (tenant ${facts.tenantId}). Sign out, then sign in with an account of that organization.`,
    };
  }
  return null;
}

function needsMicrosoft(requirement: MicrosoftRequirement, facts: PolicyFacts): boolean {
  switch (requirement) {
    case "none":
      return false;
    case "own":
    case "signedIn":
      return true;
    case "ownUnlessOnPremises":
      return !facts.onPremises;
    case "ownWhenTenantKnown":
      return facts.tenantId !== null;
  }
}
