/**
 * What a run guarantees, on SQLite and PostgreSQL against both sandboxes: it acts only in its own tenant, stages a
 * re-run's changes until verify succeeds, reports truthful statuses, keeps the admin's sign-in only briefly, and judges
 * leases and interrupted creates on the database's clock.
 */
import { describe, expect, it, vi } from "vitest";
import { ensureAccount } from "../domain/account/ensure-account";
import { signInWithPassword } from "../microsoft/admin-session";
import { callLog, CONTOSO_ADMIN, ENVIRONMENTS, SANDBOX_PASSWORD, signInAs, TENANTS, useMicrosoftSandbox } from "@/test/support/microsoft-sandbox";
import { engineMatrix, useSandboxScenario } from "@/test/support/engine-scenarios";
import { runSummary, testEngine } from "@/test/support/engine-fixture";
import { providersUnderTest, useTestDatabase } from "@/test/support/test-databases";
import { expireAdminSessions, loadAdminSession, saveAdminSession } from "../domain/session/admin-sign-in";
import { approveRun } from "./approve-run";
import { driveRunWith } from "./engine";
import type { RunnerEvent } from "./runner";
import { getRunView } from "./get-run-view";
import { cancelRun, retryRun } from "./retry-run";
import { startDisconnect } from "./start-disconnect";
import { startRun, type StartRunInput } from "./start-run";
import { dbNow } from "../domain/run/run-store";
import { runUntilCrash } from "@/test/support/crash-runner";
import { connectionObjects } from "@/test/support/sandbox-objects";

vi.setConfig({ testTimeout: 120_000 });
const providers = await providersUnderTest();
const fx = useMicrosoftSandbox();
const actor = { type: "admin" as const, id: CONTOSO_ADMIN, tenantId: TENANTS.contoso };
const FABRIKAM_TENANT = "10000000-0000-4000-8000-000000000003";
/**
 * A step Microsoft keeps refusing (a fault) fails within seconds, while the realistic sandbox's replication and
 * admission lag (2-3 s at Microsoft's pace, 400-600 ms on the engine suites' scaled clock) is still waited out.
 */
const REFUSED_STEP_BUDGET = { stepBudgetMs: 4_000, maxAttempts: 160 };
const foreign = { type: "admin" as const, id: "admin@fabrikam.onmicrosoft.com", tenantId: FABRIKAM_TENANT };

describe.each(engineMatrix(providers))("what a run guarantees, on %s against the %s sandbox", (provider, scenario) => {
  const t = useTestDatabase(provider);
  useSandboxScenario(fx, scenario);
  const account = () => ensureAccount(t.db, { actonAccountId: `acct-${Math.random().toString(36).slice(2)}`, name: "Contoso" });
  const cloud = (over: Partial<StartRunInput["options"]> = {}): StartRunInput["options"] => ({
    mode: "cloud",
    credential: "secret",
    environment: "Contoso Sales",
    requestedBy: CONTOSO_ADMIN,
    ...over,
  });

  async function connected(engine = testEngine(t.db, fx)) {
    const { id: accountId } = await account();
    const started = await startRun(engine, { accountId, kind: "connect", options: cloud(), session: await signInAs(fx), actor });
    if (!started.ok) throw new Error(started.error.userMessage);
    await approveRun(engine, { runId: started.value.id, actor });
    const result = await driveRunWith(engine, started.value.id);
    expect(result.status, runSummary(result)).toBe("succeeded");
    return { accountId, connectionId: started.value.connection.id };
  }

  it("refuses a start, an approval, a retry, a cancel and a disconnect from another tenant, before any call to Microsoft", async () => {
    const { accountId, connectionId } = await connected();
    const calls = callLog();
    const engine = testEngine(t.db, fx, { call: { recorder: calls } });
    const fabrikam = await signInWithPassword({ config: fx.config, tenant: FABRIKAM_TENANT, username: foreign.id, password: SANDBOX_PASSWORD });
    calls.calls.length = 0;

    const disconnect = await startDisconnect(engine, {
      connectionId,
      scope: { removeApplicationUser: true, deleteAppRegistration: true },
      session: fabrikam,
      actor: foreign,
    });
    const rerun = await startRun(engine, { accountId, connectionId, kind: "connect", options: cloud(), session: fabrikam, actor: foreign });
    for (const refused of [disconnect, rerun]) {
      expect(refused.ok === false && refused.error.code).toBe("forbidden");
      if (!refused.ok) {
        expect(refused.error.userMessage).toContain(TENANTS.contoso);
        expect(refused.error.userMessage).toContain(FABRIKAM_TENANT);
      }
    }
    expect(calls.calls).toEqual([]);

    // A run started by Contoso's admin: approve, retry and cancel refuse Fabrikam's admin and an admin without sign-in.
    const own = await startRun(engine, { accountId, connectionId, kind: "connect", options: cloud(), session: await signInAs(fx), actor });
    if (!own.ok) throw new Error(own.error.userMessage);
    calls.calls.length = 0;
    for (const verb of [approveRun, retryRun, cancelRun]) {
      const r = await verb(engine, { runId: own.value.id, actor: foreign });
      expect(r.ok === false && r.error.code).toBe("forbidden");
      const unsigned = await verb(engine, { runId: own.value.id, actor: { type: "admin", id: "someone@contoso.com" } });
      expect(unsigned.ok === false && unsigned.error.code).toBe("unauthorized");
    }
    expect(calls.calls).toEqual([]);
    expect(await t.db.secret.count({ where: { connectionId, kind: "clientSecret", status: "active" } })).toBe(1);
    expect((await t.db.provisioningRun.findUniqueOrThrow({ where: { id: own.value.id } })).status).toBe("awaitingApproval");
  });

  it("stages a re-run's new environment and ids in the run until verify succeeds; a failed re-run leaves the connection exactly as it was", async () => {
    const engine = testEngine(t.db, fx, { config: { budget: REFUSED_STEP_BUDGET } });
    const { accountId, connectionId } = await connected(engine);
    const before = await t.db.connection.findUniqueOrThrow({ where: { id: connectionId } });
    const rerun = await startRun(engine, {
      accountId,
      connectionId,
      kind: "connect",
      options: cloud({ environment: "Contoso EU" }),
      session: await signInAs(fx),
      actor,
    });
    if (!rerun.ok) throw new Error(rerun.error.userMessage);
    await approveRun(engine, { runId: rerun.value.id, actor });
    const seen: string[] = [];
    const watching = {
      ...engine,
      onEvent: async (e: { type: string; step?: string }) => {
        if (e.type !== "stepFinished" || e.step !== "applicationUser") return;
        seen.push((await t.db.connection.findUniqueOrThrow({ where: { id: connectionId } })).environmentUrl!);
        // From here on Dataverse in Contoso EU refuses the verification (the admin's own checks before it passed).
        await fx.control.addFault({
          service: "dataverse",
          method: "GET",
          path: `^/dynamics/${ENVIRONMENTS.contosoEu.urlName}/api/data/v9\\.2/WhoAmI`,
          kind: "unavailable",
          remaining: 1000,
        });
      },
    };
    expect((await driveRunWith(watching, rerun.value.id)).status).toBe("failed");
    expect(seen).toEqual([before.environmentUrl]);
    const after = await t.db.connection.findUniqueOrThrow({ where: { id: connectionId } });
    for (const key of [
      "status",
      "environmentUrl",
      "environmentName",
      "tenantId",
      "clientId",
      "applicationObjectId",
      "servicePrincipalId",
      "applicationUserId",
    ] as const) {
      expect(after[key], key).toEqual(before[key]);
    }
    expect(after.environmentUrl).toBe(fx.environmentUrl(ENVIRONMENTS.contosoSales.urlName));

    // Once verify succeeds, the staged facts land on the connection.
    await fx.control.clearFaults();
    expect((await retryRun(engine, { runId: rerun.value.id, actor, session: await signInAs(fx) })).ok).toBe(true);
    expect((await driveRunWith(engine, rerun.value.id)).status).toBe("succeeded");
    const moved = await t.db.connection.findUniqueOrThrow({ where: { id: connectionId } });
    expect(moved).toMatchObject({ status: "active", environmentUrl: fx.environmentUrl(ENVIRONMENTS.contosoEu.urlName) });
    expect(moved.applicationUserId).not.toBe(before.applicationUserId);
  });

  it("shows disconnecting until a disconnect finishes, says what a failed one left, and a new disconnect cleans it up", async () => {
    const engine = testEngine(t.db, fx, { config: { budget: REFUSED_STEP_BUDGET } });
    const { connectionId } = await connected(engine);
    const started = await startDisconnect(engine, {
      connectionId,
      scope: { removeApplicationUser: true, deleteAppRegistration: false },
      session: await signInAs(fx),
      actor,
    });
    if (!started.ok) throw new Error(started.error.userMessage);
    await approveRun(engine, { runId: started.value.id, actor });
    expect((await t.db.connection.findUniqueOrThrow({ where: { id: connectionId } })).status).toBe("disconnecting");
    await fx.control.addFault({ service: "dataverse", method: "PATCH", path: "^.*/systemusers", kind: "unavailable", remaining: 1000 });
    expect((await driveRunWith(engine, started.value.id)).status).toBe("failed");
    const failed = await t.db.connection.findUniqueOrThrow({ where: { id: connectionId } });
    expect(failed.status).toBe("failed");
    expect(failed.lastErrorMessage).toContain("the application user is still enabled in Dynamics 365");
    const view = await getRunView(t.db, started.value.id, { viewer: { kind: "system" } });
    expect(view.ok && view.value.leftovers).toEqual(["the application user is still enabled in Dynamics 365"]);

    await fx.control.clearFaults();
    const again = await startDisconnect(engine, {
      connectionId,
      scope: { removeApplicationUser: true, deleteAppRegistration: false },
      session: await signInAs(fx),
      actor,
    });
    if (!again.ok) throw new Error(again.error.userMessage);
    await approveRun(engine, { runId: again.value.id, actor });
    expect((await driveRunWith(engine, again.value.id)).status).toBe("succeeded");
    expect((await t.db.connection.findUniqueOrThrow({ where: { id: connectionId } })).status).toBe("disconnected");
  });

  it("a cancel after something was written at Microsoft never puts the connection back to draft", async () => {
    const engine = testEngine(t.db, fx, { config: { budget: { stepBudgetMs: 20_000, maxAttempts: 1 } } });
    const { id: accountId } = await account();
    const started = await startRun(engine, { accountId, kind: "connect", options: cloud(), session: await signInAs(fx), actor });
    if (!started.ok) throw new Error(started.error.userMessage);
    await approveRun(engine, { runId: started.value.id, actor });
    await fx.control.addFault({ service: "graph", method: "POST", path: "^.*/addPassword", kind: "unavailable", remaining: 1000 });
    expect((await driveRunWith(engine, started.value.id)).status).toBe("failed");
    expect((await cancelRun(engine, { runId: started.value.id, actor })).ok).toBe(true);
    const connection = await t.db.connection.findUniqueOrThrow({ where: { id: started.value.connection.id } });
    expect(connection.status).toBe("failed");
    expect(connection.lastErrorMessage).toMatch(/Disconnect to remove what it created/);
  });

  it("an admin's stored sign-in expires, and is deleted when its run waits unapproved past that time", async () => {
    const { id: accountId } = await account();
    const engine = testEngine(t.db, fx, { config: { adminSessionTtlMs: 60_000 } });
    const started = await startRun(engine, { accountId, kind: "connect", options: cloud(), session: await signInAs(fx), actor });
    if (!started.ok) throw new Error(started.error.userMessage);
    const connectionId = started.value.connection.id;
    const load = (now?: Date) => loadAdminSession(t.db, { connectionId, keys: engine.config.keys, config: fx.config, now });
    expect(await load()).not.toBeNull();
    expect(await load(new Date(Date.now() + 61_000))).toBeNull();
    expect(await t.db.secret.count({ where: { connectionId, kind: "adminTokenCache", status: "active" } })).toBe(0);

    // A fresh sign-in, then the run waits unapproved longer than the time-to-live: the sweep deletes it.
    await saveAdminSession(t.db, { connectionId, session: await signInAs(fx), keys: engine.config.keys, ttlMs: 24 * 3_600_000 });
    await t.db.provisioningRun.update({ where: { id: started.value.id }, data: { createdAt: new Date(Date.now() - 2 * 60_000) } });
    expect(await expireAdminSessions(t.db, { now: new Date(), ttlMs: 60_000 })).toBeGreaterThanOrEqual(1);
    expect(await load()).toBeNull();
    const approved = await approveRun(engine, { runId: started.value.id, actor });
    expect(approved.ok === false && approved.error.code).toBe("unauthorized");
  });

  it("judges leases on the database's clock: an instance whose clock runs ahead cannot take a live run", async () => {
    const engine = testEngine(t.db, fx);
    const { id: accountId } = await account();
    const started = await startRun(engine, { accountId, kind: "connect", options: cloud(), session: await signInAs(fx), actor });
    if (!started.ok) throw new Error(started.error.userMessage);
    await approveRun(engine, { runId: started.value.id, actor });
    const now = await dbNow(t.db, { fresh: true });
    await t.db.provisioningRun.update({
      where: { id: started.value.id },
      data: { status: "running", leaseOwner: "instance-a", leaseUntil: new Date(now.getTime() + 60_000) },
    });
    const ahead = testEngine(t.db, fx, { owner: "instance-b", now: () => new Date(Date.now() + 10 * 60_000) });
    expect((await driveRunWith(ahead, started.value.id)).status).toBe("notClaimed");
    expect((await t.db.provisioningRun.findUniqueOrThrow({ where: { id: started.value.id } })).leaseOwner).toBe("instance-a");
  });

  it("judges an interrupted app create on the database's clock: an instance whose clock runs ahead waits for the app instead of creating a second", async () => {
    // The app stays invisible for 3.5 s after its create; the engine waits up to 5 s for an interrupted create.
    const config = { leaseMs: 1_000, replicationWindowMs: 5_000 };
    const engine = testEngine(t.db, fx, { config });
    const { id: accountId } = await account();
    const started = await startRun(engine, { accountId, kind: "connect", options: cloud(), session: await signInAs(fx), actor });
    if (!started.ok) throw new Error(started.error.userMessage);
    await approveRun(engine, { runId: started.value.id, actor });
    // At Microsoft's pace in both worlds (lagScale 1): the timing below is the point of this test.
    await fx.control.setSettings({ replicationLagMs: 3_500, lagScale: 1 });
    // Instance A dies right after Microsoft created the app, before it noted the app's id.
    const crashed = await runUntilCrash({
      databaseUrl: t.url,
      runId: started.value.id,
      owner: "instance-a",
      config: engine.config,
      afterCall: "POST /graph/v1.0/applications",
    });
    expect(crashed.code, crashed.output).toBe(137);
    await new Promise((r) => setTimeout(r, 1_100)); // A's lease expires
    // Instance B's clock runs 7 s ahead: by its own clock A's create is older than the window, by the database's not.
    // Once B has found A's app, the rest of the run need not wait out Microsoft's pace: lag off after the app step.
    const onEvent = async (event: RunnerEvent) => {
      if (event.type === "stepFinished" && event.step === "appRegistration" && event.status === "succeeded")
        await fx.control.setSettings({ replicationLagMs: 0, applicationUserAdmissionLagMs: 0 });
    };
    const ahead = testEngine(t.db, fx, { owner: "instance-b", config, now: () => new Date(Date.now() + 7_000), onEvent });
    expect((await driveRunWith(ahead, started.value.id)).status).toBe("succeeded");
    expect(connectionObjects(await fx.control.getState(), started.value.connection.id).apps).toHaveLength(1);
  });
});
