/**
 * A connection's health, apart from its provisioning status: the states, the cause codes with the customer's fix in
 * words, and how one probe's outcome moves the state. Pure, so the rules are unit-tested without a database.
 *
 * A provider blip never flips a connection: the first failure of an ordinary cause only degrades it, and it becomes
 * failing when failures persist for FAILING_AFTER probes in a row, or at once for a cause that no retry can cure
 * (someone deleted the application user or the secret, revoked consent, deleted the environment, or the secret ran out).
 */
export const HEALTH_STATES = ["healthy", "degraded", "failing"] as const;
export type HealthState = (typeof HEALTH_STATES)[number];

export const HEALTH_CAUSES = [
  "credential_expired",
  "credential_removed",
  "consent_revoked",
  "application_user_missing",
  "application_user_disabled",
  "integration_user_missing",
  "privilege_missing",
  "environment_not_found",
  "tenant_unreachable",
  "microsoft_unavailable",
] as const;
export type HealthCause = (typeof HEALTH_CAUSES)[number];

export const HEALTH_STATE_LABELS: Record<HealthState, string> = { healthy: "Healthy", degraded: "Degraded", failing: "Failing" };

/** Each cause in a few words, for lists and filters (healthCauseFix says what to do). */
export const HEALTH_CAUSE_LABELS: Record<HealthCause, string> = {
  credential_expired: "Client secret expired",
  credential_removed: "Client secret removed",
  consent_revoked: "App or consent removed",
  application_user_missing: "Application user missing",
  application_user_disabled: "Application user disabled",
  integration_user_missing: "Integration user not in environment",
  privilege_missing: "Privilege missing",
  environment_not_found: "Environment not found",
  tenant_unreachable: "Tenant unreachable",
  microsoft_unavailable: "Microsoft unavailable",
};

/** A stored cause as the vocabulary knows it; an unknown one (written by a newer release) reads as none. */
export function asHealthCause(c: string | null): HealthCause | null {
  return c && (HEALTH_CAUSES as readonly string[]).includes(c) ? (c as HealthCause) : null;
}

/** Causes that are a customer's deliberate change (or the calendar): waiting cannot cure them, so they fail at once. */
const DEFINITIVE_CAUSES: ReadonlySet<HealthCause> = new Set([
  "application_user_missing",
  "integration_user_missing",
  "credential_removed",
  "consent_revoked",
  "environment_not_found",
  "credential_expired",
]);
// privilege_missing is ordinary: an admin editing a role in the admin center saves it privilege by privilege, and a
// probe in between sees a half-edited role; a privilege still missing FAILING_AFTER probes later was taken away.

/** Consecutive failed probes after which an ordinary cause makes the connection failing. */
export const FAILING_AFTER = 3;

/** What is wrong and what the customer does about it, in words an admin can act on. */
const HEALTH_CAUSE_FIXES: Record<HealthCause, string> = {
  credential_expired:
    "The Act-On Integration app's client secret has expired. Reconnect from Act-On (Settings > Dynamics > Reconnect) to create a new one.",
  credential_removed:
    "Microsoft no longer accepts the Act-On Integration app's client secret (someone removed it from the app registration). Reconnect from Act-On to create a new one.",
  consent_revoked:
    "The Act-On Integration app or its enterprise application (service principal) is gone or disabled in the customer's Microsoft tenant. Reconnect from Act-On so an administrator can approve it again.",
  application_user_missing:
    "The Act-On Integration application user is no longer in the Dynamics 365 environment, or holds no security role. Plan the repair from the connection's status page to create it again.",
  application_user_disabled:
    "The Act-On Integration application user is disabled in the Dynamics 365 environment. Enable it in the Power Platform admin center (Environment > Settings > Users + permissions > Application users).",
  // Password connections (legacy, on-premises) sign in as a person's user, which no run creates: Dataverse's
  // 0x80072560 for it means that user is not a user of the environment, not a missing application user.
  integration_user_missing:
    "The integration user Act-On signs in as is not a user of the Dynamics 365 environment (it was removed, or holds no security role or licence). Add it back to the environment with its security role, then re-check the connection from its status page.",
  privilege_missing:
    "The Act-On Integration application user lacks privileges Act-On's connector needs (someone changed its security role or took a role away), so the Act-On features named in the detail stop working. Plan the repair from the connection's status page to give them back.",
  environment_not_found:
    "The Dynamics 365 environment does not answer at its address: it may have been deleted, moved or renamed. Reconnect from Act-On and pick the environment again.",
  tenant_unreachable: "Microsoft could not be reached for this connection. The portal probes again soon; nothing to do unless it persists.",
  microsoft_unavailable:
    "Microsoft answered that it is busy or unavailable (throttling or an outage). The portal probes again soon; nothing to do unless it persists.",
};

/**
 * On-premises connections sign in to the customer's own Dynamics 365 server with a domain user's name and password:
 * the same causes, in the words of that setup.
 */
const ON_PREMISES_FIXES: Partial<Record<HealthCause, string>> = {
  credential_removed:
    "The Dynamics 365 server no longer accepts the domain user's password (it was changed or has expired, or the account is locked or disabled in Active Directory). Reconnect from Act-On and enter the current password.",
  application_user_missing:
    "The domain user is no longer a user of the Dynamics 365 organization, or holds no security role. Add it back (Settings > Security > Users), then re-check the connection from its status page.",
  integration_user_missing:
    "The domain user Act-On signs in as is not a user of the Dynamics 365 organization (it was removed, or holds no security role). Add it back (Settings > Security > Users) with its security role, then re-check the connection from its status page.",
  application_user_disabled: "The domain user's Dynamics 365 user is disabled. Enable it in Dynamics 365 (Settings > Security > Users).",
  environment_not_found:
    "The Dynamics 365 server answers, but not for this organization: it may have been renamed, moved or removed. Reconnect from Act-On with the organization's current address.",
  tenant_unreachable:
    "The portal could not reach the Dynamics 365 server at its address (name resolution, firewall or the server is down). The portal probes again soon; check that the server is reachable from the internet over HTTPS if it persists.",
  microsoft_unavailable:
    "The Dynamics 365 server answered that it is busy or unavailable. The portal probes again soon; nothing to do unless it persists.",
};

/** The customer's fix for a cause, in the words of the connection's sign-in mode. */
export function healthCauseFix(cause: HealthCause, authMode: string): string {
  return (authMode === "onprem" ? ON_PREMISES_FIXES[cause] : undefined) ?? HEALTH_CAUSE_FIXES[cause];
}

/** The health stored on a connection; null state = never probed. */
export type Health = { state: HealthState | null; cause: HealthCause | null; since: Date | null; failures: number };

export type ProbeOutcome = { ok: true } | { ok: false; cause: HealthCause };

export type HealthTransition = {
  next: { state: HealthState; cause: HealthCause | null; since: Date; failures: number };
  /** The state or the cause changed (and the change is worth telling Act-On): a `connection.health_changed` event. */
  changed: boolean;
};

export function isDefinitiveCause(cause: HealthCause): boolean {
  return DEFINITIVE_CAUSES.has(cause);
}

/**
 * The health after one probe. `changed` is false for an unchanged re-probe, and for a first probe that finds the
 * connection healthy: it was Active, so that tells Act-On nothing it did not know.
 */
export function nextHealth(current: Health, outcome: ProbeOutcome, at: Date): HealthTransition {
  if (outcome.ok) {
    const same = current.state === "healthy";
    return {
      next: { state: "healthy", cause: null, since: same && current.since ? current.since : at, failures: 0 },
      changed: current.state !== null && !same,
    };
  }
  const failures = (current.state === "healthy" || current.state === null ? 0 : current.failures) + 1;
  // A failing connection stays failing until a probe passes: a blip while it fails must not soften it to degraded.
  const failing = current.state === "failing" || isDefinitiveCause(outcome.cause) || failures >= FAILING_AFTER;
  const state: HealthState = failing ? "failing" : "degraded";
  const same = current.state === state && current.cause === outcome.cause;
  return { next: { state, cause: outcome.cause, since: same && current.since ? current.since : at, failures }, changed: !same };
}
