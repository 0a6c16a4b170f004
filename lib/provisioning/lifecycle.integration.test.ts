/**
 * The run lifecycle around the steps: one unfinished run per connection, retry with a fresh budget, cancel, re-runs
 * of a working connection, and reconnecting after a disconnect — on SQLite and PostgreSQL against the sandbox.
 */
import { describe, expect, it, vi } from "vitest";
import { ensureAccount } from "../domain/account/ensure-account";
import { CONTOSO_ADMIN, TENANTS, signInAs, useMicrosoftSandbox } from "@/test/support/microsoft-sandbox";
import { providersUnderTest, useTestDatabase } from "@/test/support/test-databases";
import { approveRun } from "./approve-run";
import { driveRunWith } from "./engine";
import { cancelRun, retryRun } from "./retry-run";
import { startDisconnect } from "./start-disconnect";
import { startRun, type StartRunInput } from "./start-run";
import { testEngine } from "@/test/support/engine-fixture";
import { connectionObjects } from "@/test/support/sandbox-objects";

// Whole runs against the sandbox on a shared two-core machine: allow more than the default 30 s.
vi.setConfig({ testTimeout: 90_000 });
const providers = await providersUnderTest();
const fx = useMicrosoftSandbox();
const actor = { type: "admin" as const, id: CONTOSO_ADMIN, tenantId: TENANTS.contoso };

describe.each(providers)("run lifecycle on %s", (provider) => {
  const t = useTestDatabase(provider);
  const account = () => ensureAccount(t.db, { actonAccountId: `acct-${Math.random().toString(36).slice(2)}`, name: "Contoso" });
  const cloud = (over: Partial<StartRunInput["options"]> = {}) => ({
    mode: "cloud" as const,
    credential: "secret" as const,
    environment: "Contoso Sales",
    requestedBy: CONTOSO_ADMIN,
    ...over,
  });

  async function connect(accountId: string, connectionId?: string) {
    const engine = testEngine(t.db, fx);
    const started = await startRun(engine, { accountId, connectionId, kind: "connect", options: cloud(), session: await signInAs(fx), actor });
    if (!started.ok) throw new Error(started.error.userMessage);
    await approveRun(engine, { runId: started.value.id, actor });
    return { run: started.value, result: await driveRunWith(engine, started.value.id) };
  }

  it("admits one unfinished run per connection, even when two start at once", async () => {
    const engine = testEngine(t.db, fx);
    const { id: accountId } = await account();
    const { run } = await connect(accountId);
    const session = await signInAs(fx);
    const both = await Promise.all(
      [0, 1].map(() => startRun(engine, { accountId, connectionId: run.connection.id, kind: "connect", options: cloud(), session, actor })),
    );
    expect(both.filter((r) => r.ok)).toHaveLength(1);
    const refused = both.find((r) => !r.ok);
    expect(refused && !refused.ok && refused.error.code).toBe("conflict");
    const active = await t.db.provisioningRun.count({
      where: { connectionId: run.connection.id, status: { notIn: ["succeeded", "failed", "cancelled"] } },
    });
    expect(active).toBe(1);
  });

  it("retries a failed step with a fresh attempt budget and finishes once the cause is fixed", async () => {
    const engine = testEngine(t.db, fx, { config: { budget: { stepBudgetMs: 20_000, maxAttempts: 2 } } });
    const { id: accountId } = await account();
    // Microsoft keeps throttling the app creation longer than two attempts allow.
    await fx.control.addFault({
      service: "graph",
      method: "POST",
      path: "^/graph/v1\\.0/applications$",
      kind: "throttle",
      retryAfterSeconds: 0,
      remaining: 12,
    });
    const started = await startRun(engine, { accountId, kind: "connect", options: cloud(), session: await signInAs(fx), actor });
    if (!started.ok) throw new Error(started.error.userMessage);
    await approveRun(engine, { runId: started.value.id, actor });
    const failed = await driveRunWith(engine, started.value.id);
    expect(failed.status).toBe("failed");
    expect(failed.run!.steps.find((s) => s.name === "appRegistration")).toMatchObject({ status: "failed", attempts: 2, errorCode: "throttled" });
    expect((await t.db.connection.findUniqueOrThrow({ where: { id: started.value.connection.id } })).status).toBe("failed");

    await fx.control.clearFaults();
    // The failed run's stored sign-in was deleted: the retry acts with the admin's own, fresh one.
    const retried = await retryRun(engine, { runId: started.value.id, actor, session: await signInAs(fx) });
    expect(retried.ok && retried.value.steps.find((s) => s.name === "appRegistration")).toMatchObject({ status: "pending", attempts: 0 });
    expect((await driveRunWith(engine, started.value.id)).status).toBe("succeeded");
    expect(connectionObjects(await fx.control.getState(), started.value.connection.id).apps).toHaveLength(1);
    const again = await retryRun(engine, { runId: started.value.id, actor });
    expect(again.ok === false && again.error.code).toBe("conflict");
  });

  it("cancelling an approved run puts the connection back and forgets the admin's sign-in", async () => {
    const engine = testEngine(t.db, fx);
    const { id: accountId } = await account();
    const started = await startRun(engine, { accountId, kind: "connect", options: cloud(), session: await signInAs(fx), actor });
    if (!started.ok) throw new Error(started.error.userMessage);
    await approveRun(engine, { runId: started.value.id, actor });
    expect((await t.db.connection.findUniqueOrThrow({ where: { id: started.value.connection.id } })).status).toBe("provisioning");
    const cancelled = await cancelRun(engine, { runId: started.value.id, actor });
    expect(cancelled.ok && cancelled.value.status).toBe("cancelled");
    expect((await t.db.connection.findUniqueOrThrow({ where: { id: started.value.connection.id } })).status).toBe("draft");
    expect(await t.db.secret.count({ where: { connectionId: started.value.connection.id, kind: "adminTokenCache", status: "active" } })).toBe(0);
    expect((await driveRunWith(engine, started.value.id)).status).toBe("cancelled");
    // Approve and cancel are audited with the acting admin and their tenant.
    const audited = await t.db.auditEvent.findMany({
      where: { runId: started.value.id, action: { in: ["run.approved", "run.cancelled"] } },
      orderBy: { occurredAt: "asc" },
    });
    expect(audited.map((e) => [e.action, e.actorType, e.actorId, (e.detail as { tenantId?: string } | null)?.tenantId])).toEqual([
      ["run.approved", "admin", CONTOSO_ADMIN, TENANTS.contoso],
      ["run.cancelled", "admin", CONTOSO_ADMIN, TENANTS.contoso],
    ]);
  });

  it("a failing re-run of a working connection leaves it Active on its old secret", async () => {
    const engine = testEngine(t.db, fx, { config: { budget: { stepBudgetMs: 20_000, maxAttempts: 1 } } });
    const { id: accountId } = await account();
    const { run } = await connect(accountId);
    const before = await t.db.secret.findFirstOrThrow({ where: { connectionId: run.connection.id, kind: "clientSecret", status: "active" } });
    await fx.control.addFault({
      service: "graph",
      method: "POST",
      path: "^/graph/v1\\.0/applications/[^/]+/addPassword$",
      kind: "unavailable",
      remaining: 20,
    });
    const again = await startRun(engine, {
      accountId,
      connectionId: run.connection.id,
      kind: "connect",
      options: cloud(),
      session: await signInAs(fx),
      actor,
    });
    if (!again.ok) throw new Error(again.error.userMessage);
    await approveRun(engine, { runId: again.value.id, actor });
    expect((await driveRunWith(engine, again.value.id)).status).toBe("failed");
    const connection = await t.db.connection.findUniqueOrThrow({ where: { id: run.connection.id } });
    expect(connection).toMatchObject({ status: "active", lastErrorCode: "upstream_unavailable" });
    expect((await t.db.secret.findUniqueOrThrow({ where: { id: before.id } })).status).toBe("active");
  });

  it("reconnects after a disconnect that disabled the application user, enabling it again", async () => {
    const engine = testEngine(t.db, fx);
    const { id: accountId } = await account();
    const { run } = await connect(accountId);
    const disconnect = await startDisconnect(engine, {
      connectionId: run.connection.id,
      scope: { removeApplicationUser: true, deleteAppRegistration: false },
      session: await signInAs(fx),
      actor,
    });
    if (!disconnect.ok) throw new Error(disconnect.error.userMessage);
    await approveRun(engine, { runId: disconnect.value.id, actor });
    expect((await driveRunWith(engine, disconnect.value.id)).status).toBe("succeeded");
    expect(connectionObjects(await fx.control.getState(), run.connection.id).users[0].isdisabled).toBe(true);

    const { result } = await connect(accountId, run.connection.id);
    expect(result.status).toBe("succeeded");
    const objects = connectionObjects(await fx.control.getState(), run.connection.id);
    expect([objects.apps.length, objects.users.length, objects.users[0].isdisabled, objects.secrets.length]).toEqual([1, 1, false, 1]);
  });

  it("refuses to connect an existing legacy connection in another mode, pointing to migration", async () => {
    const engine = testEngine(t.db, fx);
    const { id: accountId } = await account();
    const legacy = await t.db.connection.create({ data: { accountId, authMode: "legacy", status: "active" } });
    const started = await startRun(engine, {
      accountId,
      connectionId: legacy.id,
      kind: "connect",
      options: cloud(),
      session: await signInAs(fx),
      actor,
    });
    expect(started.ok === false && started.error.code).toBe("invalid_input");
    if (!started.ok) expect(started.error.userMessage).toMatch(/migrate/);
  });
});
