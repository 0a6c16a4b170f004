/**
 * What the support console shows for one connection: its state, the timeline of its runs and steps, each error with
 * its code, message, remediation and Microsoft's request ids, and its audit log. Pure (types and the remediation
 * table), so client components import it; built from selected columns only, never a secret.
 */
import type { AppErrorCode } from "../core/errors";
import type { ConnectionStatus } from "../domain/connection/status";
import type { HealthCause, HealthState } from "../domain/connection/health-machine";
import type { AuthMode } from "./support-search";

type SupportStepView = {
  name: string;
  label: string;
  status: string;
  attempts: number;
  startedAt: string | null;
  finishedAt: string | null;
  waitingFor: string | null;
  error: { code: string; message: string; remediation: string; detail: string | null; requestIds: string[] } | null;
};

export type SupportRunView = {
  id: string;
  kind: string;
  status: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  approvedBy: string | null;
  /** Who changed what, as the customer's repair plan read it from Dataverse's audit history (empty when it read nothing). */
  whoChanged: string[];
  steps: SupportStepView[];
};

export type SupportAuditEntry = {
  id: string;
  occurredAt: string;
  actorType: string;
  actorId: string;
  action: string;
  outcome: string | null;
  runId: string | null;
  /** Codes and ids only (the audit log never holds a secret), shown as `key: value` pairs. */
  detail: Record<string, string>;
};

/** One health probe as support reads it: Microsoft's detail names its status, code and request ids, never a secret. */
type SupportHealthProbeView = {
  at: string;
  ok: boolean;
  /** The connection's health after the probe (null on probes recorded before it was kept). */
  state: HealthState | null;
  cause: HealthCause | null;
  detail: string | null;
  durationMs: number;
};

/** The connection's current health with the customer's fix for its cause; null until first probed. */
type SupportHealthView = {
  state: HealthState;
  cause: HealthCause | null;
  fix: string | null;
  since: string | null;
  checkedAt: string | null;
  failures: number;
};

/**
 * The connection's latest certificate rotation (lib/domain/secret/rotation/): where it stands, and its last failure
 * (code and Microsoft's answer, never a secret) while it retries. Null when the connection was never rotated.
 */
type SupportRotationView = {
  phase: string;
  /** The phase in support's words. */
  phaseLabel: string;
  attempts: number;
  lastErrorCode: string | null;
  lastErrorDetail: string | null;
  nextAttemptAt: string;
  /** When the old certificate is removed (after the switch). */
  removeOldAfter: string | null;
  startedAt: string;
  finishedAt: string | null;
  /** False when addKey's answer was lost: the new certificate works, but its keyId is unknown (see the README). */
  newKeyIdKnown: boolean;
};

export type SupportConnectionDetail = {
  id: string;
  account: { id: string; actonAccountId: string; name: string };
  status: ConnectionStatus;
  authMode: AuthMode;
  environmentUrl: string | null;
  environmentName: string | null;
  tenantId: string | null;
  tenantDomain: string | null;
  clientId: string | null;
  applicationUserId: string | null;
  securityRole: string | null;
  integrationUsername: string | null;
  lastVerifiedAt: string | null;
  secretExpiresAt: string | null;
  failingStep: string | null;
  failingErrorCode: string | null;
  currentRunId: string | null;
  createdAt: string;
  updatedAt: string;
  health: SupportHealthView | null;
  /** The latest probes, newest first. */
  probes: SupportHealthProbeView[];
  rotation: SupportRotationView | null;
  runs: SupportRunView[];
  audit: SupportAuditEntry[];
};

/**
 * What support can tell the customer to do about each failure, by error code. The step's own message (written for
 * the admin) says what happened; this is the next step to suggest, in the same plain words.
 */
const SUPPORT_REMEDIATION: Partial<Record<AppErrorCode, string>> & { internal: string } = {
  invalid_input: "The request was incomplete or malformed. Ask the customer to start again from the link in Act-On.",
  unauthorized: "The customer's Microsoft sign-in has ended. Send a reconnect link so they sign in again.",
  forbidden: "The signed-in account may not do this. Ask for an administrator of the customer's tenant.",
  link_expired: "The link expired (links work for 15 minutes). Send a new reconnect link.",
  link_replayed: "The link was already used. Send a new reconnect link.",
  session_expired: "The customer's portal session ended. Send a reconnect link.",
  link_invalid_signature: "The link was not signed with the portal's current key, or was altered. Send a new reconnect link.",
  link_wrong_audience: "The link was made for another portal. Send a new reconnect link from this console.",
  link_wrong_issuer: "The link does not come from Act-On. Send a new reconnect link.",
  link_return_not_allowed: "The link's return address is not an Act-On origin (ACTON_RETURN_ORIGINS). Send a new reconnect link.",
  link_malformed: "The link is incomplete or damaged (often cut by an e-mail client). Send a new reconnect link.",
  not_found: "Something the setup created is gone at Microsoft (deleted app or user). Send a reconnect link to recreate it.",
  conflict: "Another setup run was in progress. Wait for it to finish, then re-run verification.",
  consent_required:
    "An administrator of the customer's tenant must grant admin consent. Send a reconnect link to a Global Administrator or Privileged Role Administrator.",
  insufficient_privileges:
    "The admin lacks a needed role: Application Administrator (or Global Administrator) in Entra ID, and System Administrator in the Dynamics environment. Send a reconnect link to someone who has both.",
  mfa_required: "The legacy integration user has MFA enforced. Move the connection to OAuth (cloud mode) with a reconnect link.",
  invalid_credentials: "Microsoft refused the user name or password. Ask the customer to reconnect and re-enter them.",
  client_secret_invalid: "Dynamics refused the client secret (deleted or replaced in Entra ID). Send a reconnect link to create a new one.",
  client_secret_expired: "The client secret expired. Send a reconnect link; the portal creates a new secret and removes the old one.",
  public_client_not_allowed: "The legacy app registration does not allow public client flows. Reconnect in cloud mode.",
  environment_not_allowed: "The environment URL is not an allowed Dynamics host. Check the URL the customer gave.",
  throttled: "Microsoft throttled the request. It retries by itself; re-run verification later if it stays failed.",
  upstream_unavailable: "Microsoft was unavailable. Re-run verification; if it persists, quote the request ids to Microsoft support.",
  replication_pending: "Microsoft had not finished replicating a new object. Re-run verification in a few minutes.",
  timeout: "Microsoft did not answer in time. Re-run verification; quote the request ids if it persists.",
  database_unavailable: "The portal's database was briefly unavailable. Re-run verification.",
  internal: "An unexpected error. Quote the connection id and request ids to the portal team.",
};

export function remediationFor(code: string): string {
  // Codes added later without a line here fall back to the generic advice rather than to nothing.
  return (SUPPORT_REMEDIATION as Record<string, string | undefined>)[code] ?? SUPPORT_REMEDIATION.internal;
}
