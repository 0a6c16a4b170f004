import "server-only";
import type { Db } from "../db";
import type { CallSettings } from "../microsoft/http";
import { getAdminToken, type AdminSession } from "../microsoft/identity";
import { log } from "../log";
import { forgetAdminSession, loadAdminSession, persistAdminSessionIfChanged } from "./admin-session-store";
import type { EngineConfig } from "./config";
import type { StepName } from "./machine";
import { driveRun, type DriveResult, type RunnerEvent, type StepExecutor, type StepResult } from "./runner";
import { runOptionsSchema, type RunOptions } from "./run-options";
import { recordStepIntent, type RunRecord } from "./store";
import { runAdminConsentStep } from "./steps/admin-consent";
import { runAppRegistrationStep } from "./steps/app-registration";
import { runApplicationUserStep } from "./steps/application-user";
import { runClientSecretStep } from "./steps/client-secret";
import { runDeleteAppRegistrationStep, runRemoveApplicationUserStep, runRevokeSecretsStep } from "./steps/disconnect";
import { runEnvironmentStep } from "./steps/environment";
import { runPreconditionsStep } from "./steps/preconditions";
import type { ConnectionFacts, StepContext } from "./steps/step-context";
import { runVerifyStep } from "./steps/verify";

/** The engine's collaborators. One per process (or per test); `owner` names this instance in leases. */
export type Engine = {
  db: Db;
  config: EngineConfig;
  owner: string;
  call?: CallSettings;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  onEvent?: (event: RunnerEvent) => void | Promise<void>;
};

const EXECUTORS: Record<StepName, (ctx: StepContext) => Promise<StepResult> | StepResult> = {
  environment: runEnvironmentStep,
  preconditions: runPreconditionsStep,
  appRegistration: runAppRegistrationStep,
  adminConsent: runAdminConsentStep,
  clientSecret: runClientSecretStep,
  applicationUser: runApplicationUserStep,
  verify: runVerifyStep,
  revokeSecrets: runRevokeSecretsStep,
  removeApplicationUser: runRemoveApplicationUserStep,
  deleteAppRegistration: runDeleteAppRegistrationStep,
};

export async function loadConnectionFacts(db: Db, connectionId: string): Promise<ConnectionFacts> {
  const c = await db.connection.findUniqueOrThrow({ where: { id: connectionId }, include: { account: { select: { actonAccountId: true } } } });
  return {
    id: c.id,
    accountId: c.accountId,
    actonAccountId: c.account.actonAccountId,
    authMode: c.authMode,
    environmentUrl: c.environmentUrl,
    tenantId: c.tenantId,
    clientId: c.clientId,
    applicationObjectId: c.applicationObjectId,
    servicePrincipalId: c.servicePrincipalId,
    applicationUserId: c.applicationUserId,
    integrationUsername: c.integrationUsername,
  };
}

/** Builds what a step needs: Microsoft clients acting as the signed-in admin, from the run's stored session. */
export function buildStepContext(engine: Engine, input: { run: RunRecord; step: StepName; connection: ConnectionFacts; session: AdminSession | null }): StepContext {
  const now = engine.now ?? (() => new Date());
  const call: CallSettings = { timeoutMs: engine.config.callTimeoutMs, ...engine.call };
  const tokenOptions = { config: engine.config.identity, recorder: call.recorder, timeoutMs: call.timeoutMs, sleep: call.sleep };
  const requireSession = () => {
    if (!input.session) throw new Error("provisioning: this step needs the admin's Microsoft sign-in, and the run has none");
    return input.session;
  };
  const options: RunOptions = runOptionsSchema.parse(input.run.options);
  // One token per resource per step: a step lasts seconds, a token an hour, and each token request is a round trip.
  const tokens = new Map<string, Promise<string>>();
  const adminToken = (resource: "graph" | "discovery" | { environmentUrl: string }) => {
    const key = typeof resource === "string" ? resource : resource.environmentUrl;
    let token = tokens.get(key);
    if (!token) {
      token = getAdminToken(requireSession(), resource, tokenOptions);
      token.catch(() => tokens.delete(key));
      tokens.set(key, token);
    }
    return token;
  };
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
    recordIntent: async (intent) => {
      await recordStepIntent(engine.db, { runId: input.run.id, step: input.step, owner: engine.owner, intent });
      const own = input.run.steps.find((s) => s.name === input.step);
      if (own) own.output = { ...(own.output ?? {}), ...intent };
    },
  };
}

/** Executes one step of a run with fresh connection facts and the admin's session, saving refreshed tokens after. */
export function stepExecutor(engine: Engine): StepExecutor {
  return async ({ run, step }) => {
    const connection = await loadConnectionFacts(engine.db, run.connectionId);
    const session = await loadAdminSession(engine.db, { connectionId: run.connectionId, keys: engine.config.keys, config: engine.config.identity });
    const ctx = buildStepContext(engine, { run, step, connection, session });
    try {
      return await EXECUTORS[step](ctx);
    } finally {
      if (session) {
        await persistAdminSessionIfChanged(engine.db, { connectionId: run.connectionId, session, keys: engine.config.keys }).catch((error) =>
          log.warn("provisioning: could not save the refreshed admin session", { runId: run.id, error }),
        );
      }
    }
  };
}

/**
 * Drives a run with this engine (see runner.ts). Once the run succeeds or is cancelled the admin's stored sign-in is
 * no longer needed and is forgotten; a failed run keeps it so the admin can retry.
 */
export async function driveRunWith(engine: Engine, runId: string): Promise<DriveResult> {
  const result = await driveRun(runId, {
    db: engine.db,
    owner: engine.owner,
    execute: stepExecutor(engine),
    budget: engine.config.budget,
    leaseMs: engine.config.leaseMs,
    maxInlineWaitMs: engine.config.maxInlineWaitMs,
    now: engine.now,
    sleep: engine.sleep,
    onEvent: engine.onEvent,
  });
  if ((result.status === "succeeded" || result.status === "cancelled") && result.run) await forgetAdminSession(engine.db, result.run.connectionId);
  return result;
}
