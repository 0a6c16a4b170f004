import "server-only";
import type { Tx } from "../../core/db";
import type { Db } from "../../core/db";
import { appError, type AppError } from "../../core/errors";
import type { DataverseContext } from "../../microsoft/dataverse";
import type { DiscoveryContext } from "../../microsoft/discovery";
import { isMicrosoftError } from "../../microsoft/errors";
import type { GraphContext } from "../../microsoft/graph";
import type { CallSettings } from "../../microsoft/http";
import type { AdminSession } from "../../microsoft/admin-session";
import type { CertificateKeyPair } from "../../microsoft/certificate-credential";
import type { EnsuredRole, RoleTarget } from "../prepared-role";
import type { AppTokenTarget } from "../prepared-app-token";
import type { EngineConfig } from "../config";
import type { StepAction, StepName } from "../../domain/run/machine";
import type { StepResult } from "../runner";
import type { RunOptions } from "../../domain/run/run-options";
import type { RunRecord } from "../../domain/run/run-store";
import { credentialModeOf, type CredentialMode } from "../../domain/secret/credential-mode";

export type ConnectionFacts = {
  id: string;
  accountId: string;
  actonAccountId: string;
  authMode: "cloud" | "legacy" | "onprem";
  environmentUrl: string | null;
  tenantId: string | null;
  clientId: string | null;
  applicationObjectId: string | null;
  servicePrincipalId: string | null;
  applicationUserId: string | null;
  integrationUsername: string | null;
  adfsClientId: string | null;
  webApiVersion: string | null;
  /** What the app signs in with now (null until a credential is proven; legacy and on-premises have none). */
  credentialMode: CredentialMode | null;
};

/** What a step executor gets: the run, the connection's facts, and Microsoft clients acting as the signed-in admin. */
export type StepContext = {
  db: Db;
  config: EngineConfig;
  run: RunRecord;
  step: StepName;
  connection: ConnectionFacts;
  options: RunOptions;
  session: AdminSession | null;
  call: CallSettings;
  now: () => Date;
  graph: () => GraphContext;
  discovery: () => DiscoveryContext;
  /** The Dataverse Web API of an environment, as the admin. */
  dataverse: (environmentUrl: string) => DataverseContext;
  /** Output committed by an earlier step of this run (or this step's own partial output). */
  outputOf: (step: StepName) => Record<string, unknown> | null;
  /** Commits a note to this step's output before a Microsoft write, so an interrupted attempt is recognised later. */
  recordIntent: (intent: Record<string, unknown>) => Promise<void>;
  /**
   * Runs `write` in a transaction that first proves this runner still holds the run's lease: every write a step makes
   * to Secret or Connection goes through it. @throws LeaseLostError (nothing was written)
   */
  inLease: <T>(write: (tx: Tx) => Promise<T>) => Promise<T>;
  /** Proves the lease is still held, right before a Microsoft write that cannot be undone. @throws LeaseLostError */
  assertLease: () => Promise<void>;
  /**
   * A fresh key pair for a new certificate: one the drive began making when it started (so its CPU time overlaps the
   * earlier steps' calls), handed out once, or a new one.
   */
  certificateKeyPair: () => Promise<CertificateKeyPair>;
  /**
   * The security role the drive began for `target` beside the earlier steps (prepared-role.ts), handed out once; null
   * when none was begun for it.
   */
  preparedRole: (target: RoleTarget) => Promise<EnsuredRole> | null;
  /**
   * The app-only token this drive began asking for when its credential step made `target`'s credential (once), or
   * null: none was, it was for another credential or target, or it failed. Then the step asks Entra itself.
   */
  preparedAppToken?: (target: AppTokenTarget) => Promise<string | null>;
};

export const done = (output?: Record<string, unknown>, extra: Omit<StepResult & { kind: "done" }, "kind" | "output"> = {}): StepResult => ({
  kind: "done",
  output,
  ...extra,
});

/** A pause: Microsoft is still settling (or throttling); try again after `delayMs`. */
export function retryLater(
  ctx: StepContext,
  delayMs: number,
  waitingFor: string,
  error = appError("replication_pending", `Waiting for ${waitingFor}.`, { retryable: true }),
): StepResult {
  return { kind: "retry", notBefore: new Date(ctx.now().getTime() + delayMs), error, waitingFor };
}

/**
 * Waiting for a person: `action` says what they must do (the checklist shows it); the step looks again after the poll
 * interval. Spends none of the step's retry budget, however long the person takes.
 */
export function needsAdmin(ctx: StepContext, action: StepAction, error: AppError, waitingFor: string): StepResult {
  return { kind: "needsAdmin", action, error, waitingFor, recheckAt: new Date(ctx.now().getTime() + ctx.config.pollIntervalMs) };
}

/**
 * Turns a Microsoft failure into a step outcome: retryable ones (throttling, 503, replication lag, timeouts) wait
 * for Retry-After or the poll interval; everything else fails the step with its plain-language remediation.
 * Anything that is not a MicrosoftError is a bug and is rethrown.
 */
export function outcomeFromError(ctx: StepContext, error: unknown, waitingFor: string): StepResult {
  if (!isMicrosoftError(error)) throw error;
  const requestIds = error.requestIds;
  const appErr = { ...error.appError, requestIds: error.appError.requestIds?.length ? error.appError.requestIds : requestIds };
  if (appErr.retryable) {
    const delay = error.retryAfterMs ?? ctx.config.pollIntervalMs;
    return { kind: "retry", notBefore: new Date(ctx.now().getTime() + delay), error: appErr, waitingFor, requestIds };
  }
  return { kind: "fail", error: appErr, requestIds };
}

/**
 * True while this step's attempts are recent enough that Microsoft may still be propagating what earlier steps
 * created: then "not found" and "invalid secret" mean "not yet". After the window they mean what they say.
 */
export function withinReplicationWindow(ctx: StepContext): boolean {
  const startedAt = ctx.run.steps.find((s) => s.name === ctx.step)?.startedAt;
  return !startedAt || ctx.now().getTime() - startedAt.getTime() < ctx.config.replicationWindowMs;
}

/** The tag that finds this connection's app registration again, whatever happened to the portal's database row. */
export const connectionTag = (connectionId: string) => `acton-connection:${connectionId}`;
/**
 * A one-time tag the engine records (as an intent) before it asks Microsoft to create the app, so an interrupted
 * create is recognised afterwards. Unlike the connection tag it cannot be known before the create: a copy made
 * later by someone else is younger than the engine's app, and the oldest wins.
 */
export const createTag = (nonce: string) => `acton-create:${nonce}`;
export const PRODUCT_TAG = "acton-dynamics-connector";
export const APP_DISPLAY_NAME = "Act-On Integration";

export function requireFact<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined || value === "") throw new Error(`provisioning: ${what} is missing (an earlier step should have set it)`);
  return value;
}

/**
 * The credential a cloud run gives the app: what the run was asked for; else what the connection has (a repair keeps
 * a secret-mode connection a secret one); else a certificate, the default for a per-customer app. A verify-only run
 * creates nothing: it checks the connection's own credential.
 */
export function runCredentialMode(ctx: Pick<StepContext, "options" | "connection" | "run">): CredentialMode {
  // A verify-only run checks what the connection has now (one made before certificates existed has a secret).
  if (ctx.run.kind === "verify") return credentialModeOf(ctx.connection);
  return ctx.options.credential ?? ctx.connection.credentialMode ?? "certificate";
}
