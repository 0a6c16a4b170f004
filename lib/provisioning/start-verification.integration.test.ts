/**
 * Re-verifying a connection with its stored credential (the support console's "Re-run verification" and Act-On's
 * POST /api/v1/connections/{id}/verification), on SQLite and PostgreSQL against the sandbox.
 */
import { describe, expect, it, vi } from "vitest";
import { ensureAccount } from "../domain/account/ensure-account";
import { CONTOSO_ADMIN, TENANTS, signInAs, useMicrosoftSandbox } from "@/test/support/microsoft-sandbox";
import { testEngine } from "@/test/support/engine-fixture";
import { connectionObjects } from "@/test/support/sandbox-objects";
import { providersUnderTest, useTestDatabase } from "@/test/support/test-databases";
import { connectContosoThroughEngine } from "@/test/support/hand-made-setup";
import { driveRunWith } from "./engine";
import { startRun } from "./start-run";
import { startVerification } from "./start-verification";

vi.setConfig({ testTimeout: 90_000 });
const providers = await providersUnderTest();
const fx = useMicrosoftSandbox();
const admin = { type: "admin" as const, id: CONTOSO_ADMIN, tenantId: TENANTS.contoso };
const support = { type: "support" as const, id: `${TENANTS.actoncorp}:20000000-0000-4000-8000-000000000012` };

describe.each(providers)("re-verifying a connection on %s", (provider) => {
  const t = useTestDatabase(provider);

  async function activeConnection() {
    const engine = testEngine(t.db, fx);
    const connectionId = await connectContosoThroughEngine(t.db, engine, fx);
    return { engine, connectionId };
  }

  /** Support re-runs verification; it must fail the connection at its verify step. Returns the connection afterwards. */
  async function recheckFails(engine: ReturnType<typeof testEngine>, connectionId: string) {
    const requested = await startVerification(engine, { connectionId, actor: support });
    if (!requested.ok) throw new Error(requested.error.userMessage);
    const result = await driveRunWith(engine, requested.value.runId);
    expect(result.status).toBe("failed");
    const connection = await t.db.connection.findUniqueOrThrow({ where: { id: connectionId } });
    expect(connection).toMatchObject({ status: "failed", failingStep: "verify" });
    return connection;
  }

  it("verifies with the stored credential, without anyone's Microsoft sign-in, and records when", async () => {
    const { engine, connectionId } = await activeConnection();
    const before = await t.db.connection.findUniqueOrThrow({ where: { id: connectionId } });
    await new Promise((r) => setTimeout(r, 5));
    const since = new Date();

    const requested = await startVerification(engine, { connectionId, actor: support });
    if (!requested.ok) throw new Error(requested.error.userMessage);
    expect(requested.value.alreadyRequested).toBe(false);
    const result = await driveRunWith(engine, requested.value.runId);

    expect(result.status).toBe("succeeded");
    expect(result.run!.steps.map((s) => s.name)).toEqual(["verify"]);
    const after = await t.db.connection.findUniqueOrThrow({ where: { id: connectionId } });
    expect(after.status).toBe("active");
    expect(after.lastVerifiedAt!.getTime()).toBeGreaterThan(before.lastVerifiedAt!.getTime());
    // It signs in as Act-On and asks WhoAmI; the only other request it may send is for the token.
    const requests = await fx.control.getRequests(since);
    expect(requests.filter((r) => /\/WhoAmI$/.test(r.path)).map((r) => r.status)).toEqual([200]);
    expect(requests.filter((r) => r.method !== "GET").every((r) => /\/oauth2\/v2\.0\/token$/.test(r.path))).toBe(true);
    const audit = await t.db.auditEvent.findFirstOrThrow({ where: { action: "run.started", runId: requested.value.runId } });
    expect(audit).toMatchObject({ actorType: "support", actorId: support.id });
  });

  it("fails the connection with the cause when the credential no longer works at Microsoft", async () => {
    const { engine, connectionId } = await activeConnection();
    // Someone disabled the application user in Dynamics.
    const state = await fx.control.getState();
    const { users } = connectionObjects(state, connectionId);
    expect(users).toHaveLength(1);
    users[0].isdisabled = true;
    await fx.control.reset({ state });

    await recheckFails(engine, connectionId);
  });

  it("a deleted application user fails the re-check at once, saying so and how to repair it (not 'still enabling, will retry')", async () => {
    const { engine, connectionId } = await activeConnection();
    // Someone deleted the application user in the Power Platform admin center.
    const state = await fx.control.getState();
    const { users } = connectionObjects(state, connectionId);
    expect(users).toHaveLength(1);
    for (const env of state.environments) env.systemUsers = env.systemUsers.filter((u) => u.systemuserid !== users[0].systemuserid);
    await fx.control.reset({ state });
    const since = new Date();

    const connection = await recheckFails(engine, connectionId);
    expect(connection.lastErrorMessage).toMatch(/application user/i);
    expect(connection.lastErrorMessage).toMatch(/repair/i);
    expect(connection.lastErrorMessage).not.toMatch(/retry automatically|not finished/i);
    // Nothing was just created, so there is no replication lag to wait out: one WhoAmI, not a step budget of them.
    const whoAmIs = (await fx.control.getRequests(since)).filter((r) => /\/WhoAmI$/.test(r.path));
    expect(whoAmIs).toHaveLength(1);
  });

  it("joins a verification already under way, refuses while another run holds the connection, and refuses a draft", async () => {
    const { engine, connectionId } = await activeConnection();
    const first = await startVerification(engine, { connectionId, actor: support });
    const second = await startVerification(engine, { connectionId, actor: admin });
    expect(first.ok && second.ok).toBe(true);
    if (!first.ok || !second.ok) return;
    expect(second.value).toEqual({ runId: first.value.runId, alreadyRequested: true });
    // Both requests are in the audit log: the one that started the check and the one that joined it.
    const asked = await t.db.auditEvent.findMany({ where: { runId: first.value.runId } });
    expect(asked.map((e) => [e.action, e.actorType])).toEqual(
      expect.arrayContaining([
        ["run.started", "support"],
        ["run.verification_joined", "admin"],
      ]),
    );
    expect(await t.db.provisioningRun.count({ where: { connectionId, kind: "verify" } })).toBe(1);
    await driveRunWith(engine, first.value.runId);

    // A repair plan awaiting the admin's approval holds the connection.
    const account = await t.db.connection.findUniqueOrThrow({ where: { id: connectionId }, select: { accountId: true } });
    const repair = await startRun(engine, {
      accountId: account.accountId,
      connectionId,
      kind: "connect",
      options: { mode: "cloud", credential: "secret", environment: "Contoso Sales", requestedBy: CONTOSO_ADMIN },
      session: await signInAs(fx),
      actor: admin,
    });
    expect(repair.ok).toBe(true);
    const refused = await startVerification(engine, { connectionId, actor: support });
    expect(refused).toMatchObject({ ok: false, error: { code: "conflict" } });

    // A setup that failed before the app was registered has no credential at all: refused, not a run that throws.
    const early = await t.db.connection.create({
      data: { accountId: account.accountId, authMode: "cloud", status: "failed", environmentUrl: "https://contoso.crm.dynamics.com" },
    });
    const notYet = await startVerification(engine, { connectionId: early.id, actor: support });
    expect(notYet).toMatchObject({ ok: false, error: { code: "conflict" } });
    expect(!notYet.ok && notYet.error.userMessage).toMatch(/before it had an app registration/);

    const draftAccount = await ensureAccount(t.db, { actonAccountId: `acct-${Math.random().toString(36).slice(2)}`, name: "Draft" });
    const draft = await t.db.connection.create({ data: { accountId: draftAccount.id, authMode: "cloud" } });
    expect(await startVerification(engine, { connectionId: draft.id, actor: support })).toMatchObject({ ok: false, error: { code: "conflict" } });
    expect(await startVerification(engine, { connectionId: "no-such-connection", actor: support })).toMatchObject({
      ok: false,
      error: { code: "not_found" },
    });
  });
});
