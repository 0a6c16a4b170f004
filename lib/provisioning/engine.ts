import "server-only";
import { randomUUID } from "node:crypto";
import type { Db } from "../core/db";
import type { CallSettings } from "../microsoft/http";
import { getAdminAccessToken, type AdminSession } from "../microsoft/admin-session";
import type { TokenResource } from "../microsoft/identity-config";
import { log } from "../core/log";
import { loadAdminSession, persistAdminSessionIfChanged } from "../domain/session/admin-sign-in";
import type { EngineConfig } from "./config";
import type { StepName } from "../domain/run/machine";
import { driveRun, type DriveResult, type RunnerEvent, type StepExecutor, type StepResult } from "./runner";
import { runOptionsSchema, type RunOptions } from "../domain/run/run-options";
import { inLeasedTransaction, recordStepIntent, type RunRecord } from "../domain/run/run-store";
import { runAdminConsentStep } from "./steps/admin-consent";
import { runAppRegistrationStep } from "./steps/app-registration";
import { runApplicationUserStep } from "./steps/application-user";
import { runClientSecretStep } from "./steps/client-secret";
import { runDeleteAppRegistrationStep, runRemoveApplicationUserStep, runRevokeSecretsStep } from "./steps/disconnect";
import { runEnvironmentStep } from "./steps/environment";
import { runPreconditionsStep } from "./steps/preconditions";
import { runCredentialMode, type ConnectionFacts, type StepContext } from "./steps/step-context";
import { runCertificateStep } from "./steps/certificate";
import { runConnectorConsentStep, runRemoveConnectorServicePrincipalStep } from "./steps/connector";
import { runVerifyStep } from "./steps/verify";
import { generateCertificateKeyPair } from "../microsoft/certificate-credential";
import { needsCertificateKey, PreparedKeyPair } from "./prepared-key-pair";
import { prepareLeastPrivilegeRole, PreparedRole } from "./prepared-role";
import { PreparedAppToken, prepareVerifyToken } from "./prepared-app-token";

/**
 * The engine's collaborators. One per process (or per test); `owner` names this instance, and each drive of a run
 * holds its lease under `owner` plus a drive id, so two drives in one process are as separate as two instances.
 */
export type Engine = {
  db: Db;
  config: EngineConfig;
  owner: string;
  call?: CallSettings;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  onEvent?: (event: RunnerEvent) => void | Promise<void>;
  /** Starts driving a run now (the portal's run pool); approve and retry call it. Absent: the caller drives. */
  wake?: (runId: string) => void;
};

const EXECUTORS: Record<StepName, (ctx: StepContext) => Promise<StepResult> | StepResult> = {
  environment: runEnvironmentStep,
  preconditions: runPreconditionsStep,
  appRegistration: runAppRegistrationStep,
  adminConsent: (ctx) => (runCredentialMode(ctx) === "connector" ? runConnectorConsentStep(ctx) : runAdminConsentStep(ctx)),
  // One step, named for its history: the app's credential, a certificate or a client secret (runCredentialMode).
  clientSecret: (ctx) => (runCredentialMode(ctx) === "certificate" ? runCertificateStep(ctx) : runClientSecretStep(ctx)),
  applicationUser: runApplicationUserStep,
  verify: runVerifyStep,
  revokeSecrets: runRevokeSecretsStep,
  removeApplicationUser: runRemoveApplicationUserStep,
  // The connector's app is Act-On's: a disconnect removes only its enterprise application from the customer's tenant.
  deleteAppRegistration: (ctx) =>
    ctx.options.credential === "connector" ? runRemoveConnectorServicePrincipalStep(ctx) : runDeleteAppRegistrationStep(ctx),
};

/** Identifiers a re-run of an active connection stages in its run until verify succeeds (see store.commitStepOutcome). */
type StagedFact = "environmentUrl" | "tenantId" | "clientId" | "applicationObjectId" | "servicePrincipalId" | "applicationUserId";

/**
 * The connection's facts as a step of `run` sees them: the connection's own, overlaid with what the run has staged
 * (a re-run of an active connection keeps new ids in the run until verify succeeds).
 */
export async function loadConnectionFacts(
  db: Db,
  connectionId: string,
  run?: Pick<RunRecord, "stagedFacts"> | null,
  known?: { actonAccountId: string },
): Promise<ConnectionFacts> {
  // An account's Act-On id never changes: a drive that read it once passes it in and saves the account's query.
  const c = known
    ? { ...(await db.connection.findUniqueOrThrow({ where: { id: connectionId } })), account: known }
    : await db.connection.findUniqueOrThrow({ where: { id: connectionId }, include: { account: { select: { actonAccountId: true } } } });
  const staged = run?.stagedFacts ?? {};
  const pick = (key: StagedFact, value: string | null) => (typeof staged[key] === "string" ? (staged[key] as string) : value);
  return {
    id: c.id,
    accountId: c.accountId,
    actonAccountId: c.account.actonAccountId,
    authMode: c.authMode,
    environmentUrl: pick("environmentUrl", c.environmentUrl),
    tenantId: pick("tenantId", c.tenantId),
    clientId: pick("clientId", c.clientId),
    applicationObjectId: pick("applicationObjectId", c.applicationObjectId),
    servicePrincipalId: pick("servicePrincipalId", c.servicePrincipalId),
    applicationUserId: pick("applicationUserId", c.applicationUserId),
    integrationUsername: c.integrationUsername,
    adfsClientId: c.adfsClientId,
    webApiVersion: c.webApiVersion,
    credentialMode: c.credentialMode,
  };
}

/** Builds what a step needs: Microsoft clients acting as the signed-in admin, from the run's stored session. */
/**
 * The admin's access tokens, reused until five minutes before they expire: each token request is a round trip, and
 * one drive of a run asks for the same three resources in every step.
 */
export class AdminTokenCache {
  private readonly entries = new Map<string, { session: AdminSession; token: Promise<string>; expiresAt?: number | null }>();

  get(session: AdminSession, resource: TokenResource, fetch: () => Promise<{ token: string; expiresOn: Date | null }>, now: Date): Promise<string> {
    const key = typeof resource === "string" ? resource : resource.environmentUrl;
    const entry = this.entries.get(key);
    // A request still in flight is shared (steps ask for several resources concurrently); a settled one until expiry.
    const reusable =
      entry &&
      entry.session === session &&
      (entry.expiresAt === undefined || (entry.expiresAt !== null && entry.expiresAt - 5 * 60_000 > now.getTime()));
    if (reusable) return entry.token;
    const created: { session: AdminSession; token: Promise<string>; expiresAt?: number | null } = { session, token: Promise.resolve("") };
    created.token = fetch().then(
      (t) => {
        created.expiresAt = t.expiresOn ? t.expiresOn.getTime() : null;
        return t.token;
      },
      (error: unknown) => {
        if (this.entries.get(key) === created) this.entries.delete(key);
        throw error;
      },
    );
    this.entries.set(key, created);
    return created.token;
  }
}

export function buildStepContext(
  engine: Engine,
  input: {
    run: RunRecord;
    step: StepName;
    connection: ConnectionFacts;
    session: AdminSession | null;
    tokens?: AdminTokenCache;
    keys?: PreparedKeyPair;
    roles?: PreparedRole;
    appTokens?: PreparedAppToken;
  },
): StepContext {
  const now = engine.now ?? (() => new Date());
  const call: CallSettings = { timeoutMs: engine.config.callTimeoutMs, ...engine.call };
  // Token requests stop with the run's lease like every other Microsoft call.
  const tokenOptions = { config: engine.config.identity, recorder: call.recorder, timeoutMs: call.timeoutMs, sleep: call.sleep, signal: call.signal };
  const requireSession = () => {
    if (!input.session) throw new Error("provisioning: this step needs the admin's Microsoft sign-in, and the run has none");
    return input.session;
  };
  const options: RunOptions = runOptionsSchema.parse(input.run.options);
  const tokens = input.tokens ?? new AdminTokenCache();
  const adminToken = (resource: TokenResource) =>
    tokens.get(requireSession(), resource, () => getAdminAccessToken(requireSession(), resource, tokenOptions), now());
  return {
    db: engine.db,
    config: engine.config,
    run: input.run,
    step: input.step,
    connection: input.connection,
    options,
    session: input.session,
    call,
    now,
    graph: () => ({ ...call, baseUrl: engine.config.identity.graphUrl, getToken: () => adminToken("graph") }),
    discovery: () => ({ ...call, baseUrl: engine.config.identity.discoveryUrl, getToken: () => adminToken("discovery") }),
    dataverse: (environmentUrl) => ({ ...call, environmentUrl, getToken: () => adminToken({ environmentUrl }) }),
    outputOf: (step) => input.run.steps.find((s) => s.name === step)?.output ?? null,
    inLease: (write) => inLeasedTransaction(engine.db, { runId: input.run.id, owner: engine.owner }, write),
    assertLease: async () => {
      await inLeasedTransaction(engine.db, { runId: input.run.id, owner: engine.owner }, async () => undefined);
    },
    certificateKeyPair: () => input.keys?.take() ?? generateCertificateKeyPair(),
    preparedRole: (target) => input.roles?.take(target) ?? null,
    preparedAppToken: (target) => input.appTokens?.take(target) ?? Promise.resolve(null),
    recordIntent: async (intent) => {
      await recordStepIntent(engine.db, { runId: input.run.id, step: input.step, owner: engine.owner, intent });
      const own = input.run.steps.find((s) => s.name === input.step);
      if (own) own.output = { ...(own.output ?? {}), ...intent };
    },
  };
}

/** Executes one step of a run with fresh connection facts and the admin's session, saving refreshed tokens after. */
function stepExecutor(engine: Engine): StepExecutor {
  // The session restored for the first step serves the following ones of this drive: its MSAL cache keeps the
  // access tokens and authority metadata, which saves a token request and a metadata fetch per step. Every change is
  // still written back after each step, so another instance resumes with it.
  // Steps of one drive may run at once (readySteps): they share the restored session, and save it one at a time.
  const sessions = new Map<string, Promise<AdminSession | null>>();
  let saving: Promise<unknown> = Promise.resolve();
  const tokens = new AdminTokenCache();
  let account: { actonAccountId: string } | undefined;
  const keys = new PreparedKeyPair();
  const roles = new PreparedRole();
  const appTokens = new PreparedAppToken();
  return async ({ run, step, signal }) => {
    if (!sessions.has(run.connectionId)) {
      const loading = loadAdminSession(engine.db, { connectionId: run.connectionId, keys: engine.config.keys, config: engine.config.identity });
      // A failed load is not kept: the next step of the drive tries again.
      loading.catch(() => sessions.delete(run.connectionId));
      sessions.set(run.connectionId, loading);
    }
    // The session (a decryption and MSAL's cache) is restored while the connection's facts are read.
    const connection = await loadConnectionFacts(engine.db, run.connectionId, run, account);
    account ??= { actonAccountId: connection.actonAccountId };
    const session = await sessions.get(run.connectionId)!;
    const ctx = buildStepContext({ ...engine, call: { ...engine.call, signal } }, { run, step, connection, session, tokens, keys, roles, appTokens });
    if (needsCertificateKey(ctx)) keys.prepare();
    prepareLeastPrivilegeRole(ctx, roles);
    try {
      const result = await EXECUTORS[step](ctx);
      prepareVerifyToken(ctx, result, appTokens);
      return result;
    } finally {
      if (session) {
        const lease = { runId: run.id, owner: engine.owner };
        const save = saving.then(() =>
          persistAdminSessionIfChanged(engine.db, { connectionId: run.connectionId, session, keys: engine.config.keys, lease }).catch((error) =>
            log.warn("provisioning: could not save the refreshed admin session", { runId: run.id, error }),
          ),
        );
        saving = save;
        await save;
      }
    }
  };
}

/**
 * Drives a run with this engine (see runner.ts). The commit that finishes the run forgets the admin's stored sign-in
 * (store.commitStepOutcome): a retry needs the acting person's own, fresh sign-in. A drive that finds the run already
 * finished, or loses it, forgets nothing: the sign-in stored now may be the connection's next run's. `stop` ends the
 * drive at the next step boundary and releases the run (runner.ts), for a shutdown.
 */
export async function driveRunWith(engine: Engine, runId: string, options: { stop?: AbortSignal } = {}): Promise<DriveResult> {
  const drive: Engine = { ...engine, owner: `${engine.owner}:${randomUUID().slice(0, 8)}` };
  const result = await driveRun(runId, {
    db: engine.db,
    owner: drive.owner,
    execute: stepExecutor(drive),
    budget: engine.config.budget,
    leaseMs: engine.config.leaseMs,
    maxInlineWaitMs: engine.config.maxInlineWaitMs,
    stepTimeoutMs: engine.config.stepTimeoutMs,
    pauseMs: engine.config.pauseMs,
    now: engine.now,
    sleep: engine.sleep,
    onEvent: engine.onEvent,
    stop: options.stop,
  });
  return result;
}
