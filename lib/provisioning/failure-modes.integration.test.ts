/**
 * One test per failure mode the engine must handle, driven through the sandbox's faults and scenarios: throttling,
 * 503, directory replication lag, an invalid secret, missing consent, a non-admin, an MFA user in legacy mode, an
 * admin who is not System Administrator of the environment, and an environment URL outside the allow-list.
 */
import { describe, expect, it, vi } from "vitest";
import type { Db } from "../core/db";
import { ensureAccount } from "../domain/account/ensure-account";
import { removeClientSecret } from "../microsoft/graph";
import { getAdminToken } from "../microsoft/admin-session";
import {
  callLog,
  CONTOSO_ADMIN,
  CONTOSO_MFA_ADMIN,
  CONTOSO_USER,
  SANDBOX_PASSWORD,
  FAST_RETRY,
  signInAs,
  TENANTS,
  useMicrosoftSandbox,
} from "@/test/support/microsoft-sandbox";
import { engineMatrix, useSandboxScenario, scenarioState } from "@/test/support/engine-scenarios";
import { providersUnderTest, useTestDatabase } from "@/test/support/test-databases";
import { approveRun } from "./approve-run";
import { driveRunWith, type Engine } from "./engine";
import type { EngineConfig } from "./config";
import { startRun, type StartRunInput } from "./start-run";
import { runSummary, testEngine } from "@/test/support/engine-fixture";
import { defaultSleep, type Sleep } from "../microsoft/http";
import { connectionObjects } from "@/test/support/sandbox-objects";

// Whole runs against the sandbox on a shared two-core machine: allow more than the default 30 s.
vi.setConfig({ testTimeout: 90_000 });
const providers = await providersUnderTest();
const fx = useMicrosoftSandbox();
const actor = { type: "admin" as const, id: CONTOSO_ADMIN, tenantId: TENANTS.contoso };

type StartInput = Partial<Omit<StartRunInput, "options">> & { options?: Partial<StartRunInput["options"]>; username?: string };

/** Plans a Contoso connection to Contoso Sales for a new account, as admin@contoso (a client secret unless asked). */
async function startContosoRun(db: Db, engine: Engine, input: StartInput = {}) {
  const account = await ensureAccount(db, { actonAccountId: `acct-${Math.random().toString(36).slice(2)}`, name: "Contoso" });
  return startRun(engine, {
    accountId: account.id,
    kind: "connect",
    session: input.session === undefined ? await signInAs(fx, input.username ?? CONTOSO_ADMIN) : input.session,
    actor,
    ...input,
    options: { mode: "cloud", credential: "secret", environment: "Contoso Sales", requestedBy: CONTOSO_ADMIN, ...input.options },
  });
}

describe.each(engineMatrix(providers))("provisioning failure modes on %s against the %s sandbox", (provider, scenario) => {
  const t = useTestDatabase(provider);
  useSandboxScenario(fx, scenario);

  const start = (engine: Engine, input: StartInput = {}) => startContosoRun(t.db, engine, input);

  async function runApproved(engine: Engine, input: Parameters<typeof start>[1] = {}) {
    const started = await start(engine, input);
    if (!started.ok) throw new Error(`${started.error.code}: ${started.error.userMessage}`);
    const approved = await approveRun(engine, { runId: started.value.id, actor });
    if (!approved.ok) throw new Error(approved.error.userMessage);
    return { started: started.value, result: await driveRunWith(engine, started.value.id) };
  }

  const engineWith = (config: Partial<EngineConfig> = {}, recorder = callLog()) => ({
    engine: testEngine(t.db, fx, { config, call: { retry: { maxAttempts: 4, baseDelayMs: 20, maxDelayMs: 200, totalBudgetMs: 10_000 }, recorder } }),
    recorder,
  });

  it("honours 429 Retry-After on a write and finishes with exactly one app", async () => {
    await fx.control.addFault({
      service: "graph",
      method: "POST",
      path: "^/graph/v1\\.0/applications$",
      kind: "throttle",
      retryAfterSeconds: 1,
      remaining: 2,
    });
    const { engine, recorder } = engineWith();
    const { started, result } = await runApproved(engine);
    expect(result.status).toBe("succeeded");
    const creates = recorder.calls.filter((c) => c.method === "POST" && c.path === "/graph/v1.0/applications");
    expect(creates.map((c) => c.status)).toEqual([429, 429, 201]);
    expect(connectionObjects(await fx.control.getState(), started.connection.id).apps).toHaveLength(1);
  });

  it("retries reads through 503s (Graph and Dataverse) and succeeds", async () => {
    await fx.control.addFault({ service: "graph", method: "GET", path: "/graph/v1.0/servicePrincipals", kind: "unavailable", remaining: 2 });
    await fx.control.addFault({
      service: "dataverse",
      method: "GET",
      path: "^/dynamics/contoso-sales/api/data/v9\\.2/businessunits",
      kind: "unavailable",
      remaining: 1,
    });
    const { engine, recorder } = engineWith();
    const { result } = await runApproved(engine);
    expect(result.status, runSummary(result)).toBe("succeeded");
    expect(recorder.calls.filter((c) => c.status === 503).length).toBe(3);
  });

  it("waits out directory replication lag after creating the app, without duplicating anything", async () => {
    await fx.control.setSettings({ replicationLagMs: 1_500, lagScale: 1 });
    const { engine } = engineWith({ pollIntervalMs: 200 });
    const { started, result } = await runApproved(engine);
    expect(result.status).toBe("succeeded");
    const objects = connectionObjects(await fx.control.getState(), started.connection.id);
    expect([objects.apps.length, objects.sps.length, objects.grants.length, objects.users.length]).toEqual([1, 1, 1, 1]);
    const waited = result.run!.steps.filter((s) => s.attempts > 1).map((s) => s.name);
    expect(waited.length).toBeGreaterThan(0);
  });

  it("fails verify with client_secret_invalid once the app shows the new secret gone, without waiting out the replication window", async () => {
    // The steps before verify keep their replication window (the realistic sandbox lags 2-3 s); verify fails once it
    // re-read the app and saw the key gone, without waiting out the window.
    const { engine } = engineWith({ pollIntervalMs: 100, budget: { stepBudgetMs: 8_000, maxAttempts: 160 } });
    const session = await signInAs(fx);
    engine.onEvent = async (event) => {
      if (event.type !== "stepFinished" || event.step !== "clientSecret") return;
      // Someone deletes the new secret in the Azure portal before Act-On could use it.
      const row = await t.db.secret.findFirstOrThrow({
        where: { kind: "clientSecret", status: "pending" },
        orderBy: { createdAt: "desc" },
        include: { connection: true },
      });
      await removeClientSecret(
        { baseUrl: fx.graphUrl, getToken: () => getAdminToken(session, "graph", { config: fx.config }) },
        { objectId: row.connection.applicationObjectId!, keyId: row.microsoftKeyId! },
      );
    };
    const { started, result } = await runApproved(engine);
    expect(result.status).toBe("failed");
    const verify = result.run!.steps.find((s) => s.name === "verify")!;
    expect(verify).toMatchObject({ status: "failed", errorCode: "client_secret_invalid" });
    expect(verify.errorDetail).toContain("is not on the application");
    expect(verify.errorDetail).toContain("AADSTS7000215");
    expect(verify.requestIds.length).toBeGreaterThan(0);
    const connection = await t.db.connection.findUniqueOrThrow({ where: { id: started.connection.id } });
    expect(connection).toMatchObject({ status: "failed", lastErrorCode: "client_secret_invalid" });
  });

  it("stops with consent_required when the tenant never consented to Act-On for Dynamics", async () => {
    const state = scenarioState(fx);
    state.oauth2PermissionGrants = state.oauth2PermissionGrants.filter((g) => g.scope !== "user_impersonation");
    await fx.control.reset({ state });
    const { engine } = engineWith();
    const started = await start(engine);
    expect(started.ok).toBe(false);
    if (!started.ok) expect(started.error.code).toBe("consent_required");
    expect((await fx.control.getState()).applications.filter((a) => a.displayName === "Act-On Integration")).toHaveLength(0);
  });

  it("blocks a user without admin roles before anything is written, and refuses approval", async () => {
    const { engine } = engineWith();
    const started = await start(engine, { username: CONTOSO_USER });
    expect(started.ok).toBe(true);
    if (!started.ok) return;
    expect(started.value.plan!.blockers.map((b) => b.code)).toEqual(["insufficient_privileges", "insufficient_privileges"]);
    expect(started.value.plan!.blockers[0].message).toMatch(/Application Administrator/);
    // Each missing role as data (for the hand-off): which role, and the steps that need it.
    expect(started.value.plan!.blockers.map((b) => [b.need?.kind, b.need?.steps])).toEqual([
      ["directoryRole", ["preconditions", "appRegistration", "adminConsent"]],
      ["environmentRole", ["preconditions", "applicationUser"]],
    ]);
    const approved = await approveRun(engine, { runId: started.value.id, actor });
    expect(approved.ok === false && approved.error.code).toBe("insufficient_privileges");
    expect((await fx.control.getState()).applications.filter((a) => a.displayName === "Act-On Integration")).toHaveLength(0);
  });

  it("tells an admin whose Global Administrator role is only PIM-eligible to activate it, and writes nothing", async () => {
    const { engine } = engineWith();
    const started = await start(engine, { username: "pim.admin@contoso.onmicrosoft.com" });
    expect(started.ok && started.value.plan!.blockers.map((b) => [b.code, b.reason])).toEqual([
      ["insufficient_privileges", "directory_role_inactive"],
    ]);
    if (started.ok) {
      expect(started.value.plan!.blockers[0].message).toMatch(
        /activate your Global Administrator role in Privileged Identity Management \(.*My roles\), then continue/i,
      );
    }
    expect((await fx.control.getState()).applications.filter((a) => a.displayName === "Act-On Integration")).toHaveLength(0);
  });

  it("blocks legacy mode when the integration user must do MFA", async () => {
    const { engine } = engineWith();
    const started = await start(engine, { options: { mode: "legacy", integrationUsername: CONTOSO_MFA_ADMIN }, password: SANDBOX_PASSWORD });
    expect(started.ok && started.value.plan!.blockers.map((b) => b.code)).toEqual(["mfa_required"]);
    if (started.ok) expect(started.value.plan!.blockers[0].message).toMatch(/multi-factor/);
  });

  it("legacy: an integration user who is not a user of the environment fails verify at once with the fix, not as lag", async () => {
    // user@contoso has a systemuser in Contoso Sales only; Dataverse answers 403 0x80072560 in Contoso EU.
    const { engine } = engineWith({ pollIntervalMs: 100, budget: { stepBudgetMs: 60_000, maxAttempts: 600 } });
    const before = Date.now();
    const { started, result } = await runApproved(engine, {
      options: { mode: "legacy", environment: "Contoso EU", integrationUsername: CONTOSO_USER },
      password: SANDBOX_PASSWORD,
    });
    expect(result.status, runSummary(result)).toBe("failed");
    expect(Date.now() - before).toBeLessThan(30_000);
    const verify = result.run!.steps.find((s) => s.name === "verify")!;
    expect(verify).toMatchObject({ status: "failed", errorCode: "forbidden" });
    expect(verify.errorDetail).toContain("0x80072560");
    const connection = await t.db.connection.findUniqueOrThrow({ where: { id: started.connection.id } });
    expect(connection.lastErrorMessage).toMatch(/user@contoso\.onmicrosoft\.com .*is not a user of the Dynamics 365 environment/);
    expect(connection.lastErrorMessage).toMatch(/Users \+ permissions > Users/);
  });

  it("blocks an admin who is not a System Administrator of the environment", async () => {
    const state = scenarioState(fx);
    state.users.find((u) => u.userPrincipalName === CONTOSO_USER)!.directoryRoleTemplateIds.push("62e90394-69f5-4237-9190-012177145e10");
    await fx.control.reset({ state });
    const { engine } = engineWith();
    const started = await start(engine, { username: CONTOSO_USER });
    expect(started.ok && started.value.plan!.blockers).toHaveLength(1);
    if (started.ok) expect(started.value.plan!.blockers[0].message).toMatch(/not a System Administrator/);
  });

  it("refuses an environment URL outside the allow-list and sends it no token", async () => {
    const { engine, recorder } = engineWith();
    for (const url of [
      "https://contoso.crm.dynamics.com.evil.example",
      `https://evil.example${new URL(fx.origin).port ? ":" + new URL(fx.origin).port : ""}/dynamics/contoso-sales`,
      "http://localhost/dynamics/contoso-sales",
    ]) {
      const started = await start(engine, { options: { environment: url } });
      expect(started.ok && started.value.plan!.blockers.map((b) => b.code), url).toEqual(["environment_not_allowed"]);
    }
    expect(recorder.calls.every((c) => c.service !== "dataverse")).toBe(true);
  });
});

// The plan is read while the admin waits, with no later attempt: its reads wait out throttling themselves, within a
// budget. Once, against one database: what is under test is the plan's retrying, not the provider.
describe("the plan under Microsoft's throttling", () => {
  const t = useTestDatabase(providers[0]);
  useSandboxScenario(fx, "default");

  /** An engine whose reads try twice on their own and record each wait (really slept: Retry-After is honoured). */
  function throttledEngine(config: Partial<EngineConfig> = {}) {
    const waits: number[] = [];
    const recorder = callLog();
    const sleep: Sleep = (ms, signal) => {
      waits.push(ms);
      return defaultSleep(ms, signal);
    };
    return { engine: testEngine(t.db, fx, { config, call: { retry: { ...FAST_RETRY, maxAttempts: 2 }, recorder, sleep } }), waits, recorder };
  }

  // The portal's default credential: what a plan asks for when the admin picks none.
  const plan = (engine: Engine) => startContosoRun(t.db, engine, { options: { credential: undefined } });

  it("is prepared through Dataverse's service protection storm, waiting what Retry-After asks, past a read's own attempts", async () => {
    // One Dataverse request at a time for this admin: the plan's concurrent reads are refused (429, Retry-After 1 s).
    await fx.control.setSettings({ serviceProtection: { concurrent: 1 }, baseLatencyMs: 50 });
    const { engine, waits, recorder } = throttledEngine();
    const started = await plan(engine);
    expect(started.ok, started.ok ? "" : started.error.userMessage).toBe(true);
    const dataverse = recorder.calls.filter((c) => c.service === "dataverse");
    expect(dataverse.some((c) => c.status === 429)).toBe(true);
    expect(Math.max(...dataverse.map((c) => c.attempt))).toBeGreaterThan(2);
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(1_000);
  });

  it("stops when the storm outlasts its budget, and says so without promising a retry that will not happen", async () => {
    await fx.control.addFault({
      service: "dataverse",
      method: "GET",
      path: "^/dynamics/contoso-sales/api/data/v9\\.2/businessunits",
      kind: "throttle",
      retryAfterSeconds: 1,
    });
    const { engine, waits } = throttledEngine({ budget: { stepBudgetMs: 1_800, maxAttempts: 400 } });
    const started = await plan(engine);
    expect(started.ok).toBe(false);
    if (started.ok) return;
    expect(started.error).toMatchObject({ code: "throttled", retryable: true });
    expect(started.error.userMessage).not.toMatch(/we will retry|we'll retry/i);
    expect(started.error.userMessage).toMatch(
      /^Microsoft asked us to slow down\. The portal kept trying for \d+ seconds? while preparing the plan and has stopped\./,
    );
    // Retry-After honoured once within the 1.8 s budget; the next wait would have ended past it.
    expect(waits.length).toBeGreaterThanOrEqual(1);
    expect(waits.every((w) => w >= 1_000)).toBe(true);
    const connection = await t.db.connection.findFirstOrThrow({ where: { lastErrorCode: "throttled" } });
    expect(connection.lastErrorMessage).toBe(started.error.userMessage);
  });
});
