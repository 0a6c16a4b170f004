/**
 * Repair of a broken part ("Reconnect and fix"), on SQLite and PostgreSQL against the sandbox: after the
 * admin deleted the application user in Dynamics 365, a repair run (secret kept) plans only the re-creation, keeps
 * the app, consent and the live client secret, and restores Active; after the client secret was removed at
 * Microsoft, the repair plans a new one.
 */
import { describe, expect, it, vi } from "vitest";
import { ensureAccount } from "../domain/account/ensure-account";
import { getAdminToken } from "../microsoft/admin-session";
import { CONTOSO_ADMIN, signInAs, TENANTS, useMicrosoftSandbox } from "@/test/support/microsoft-sandbox";
import { connectionObjects } from "@/test/support/sandbox-objects";
import { testEngine } from "@/test/support/engine-fixture";
import { providersUnderTest, useTestDatabase } from "@/test/support/test-databases";
import { approveRun } from "./approve-run";
import { driveRunWith } from "./engine";
import type { Plan } from "../domain/run/plan";
import { startRun, type StartRunInput } from "./start-run";

vi.setConfig({ testTimeout: 90_000 });
const providers = await providersUnderTest();
const fx = useMicrosoftSandbox();
const actor = { type: "admin" as const, id: CONTOSO_ADMIN, tenantId: TENANTS.contoso };
const CHANGES = new Set(["create", "update", "remove", "disable", "delete", "approve"]);

/** Every action that writes at Microsoft, as "step:verb". */
const changesOf = (plan: Plan) => plan.steps.flatMap((s) => s.actions.filter((a) => CHANGES.has(a.verb)).map((a) => `${s.step}:${a.verb}`));

describe.each(providers)("repairing a connection on %s", (provider) => {
  const t = useTestDatabase(provider);

  async function connected() {
    const engine = testEngine(t.db, fx);
    const account = await ensureAccount(t.db, { actonAccountId: `acct-${Math.random().toString(36).slice(2)}`, name: "Contoso" });
    const run = await startRun(engine, {
      accountId: account.id,
      kind: "connect",
      options: { mode: "cloud", credential: "secret", environment: "Contoso Sales", requestedBy: CONTOSO_ADMIN },
      session: await signInAs(fx),
      actor,
    });
    if (!run.ok) throw new Error(run.error.userMessage);
    expect((await approveRun(engine, { runId: run.value.id, actor })).ok).toBe(true);
    expect((await driveRunWith(engine, run.value.id)).status).toBe("succeeded");
    return { engine, accountId: account.id, connectionId: run.value.connection.id };
  }

  async function planRepair(
    engine: ReturnType<typeof testEngine>,
    accountId: string,
    connectionId: string,
    over: Partial<StartRunInput["options"]> = {},
  ) {
    const run = await startRun(engine, {
      accountId,
      connectionId,
      kind: "connect",
      options: {
        mode: "cloud",
        credential: "secret",
        environment: fx.environmentUrl("contoso-sales"),
        requestedBy: CONTOSO_ADMIN,
        secret: "keep",
        ...over,
      },
      session: await signInAs(fx),
      actor,
    });
    if (!run.ok) throw new Error(run.error.userMessage);
    return run.value;
  }

  /** What an admin does in Power Platform admin center: disable, then delete (and purge) the application user. */
  async function deleteApplicationUser(systemUserId: string) {
    const env = fx.environmentUrl("contoso-sales");
    const token = await getAdminToken(await signInAs(fx), { environmentUrl: env }, { config: fx.config });
    const call = (method: string, body?: unknown) =>
      fetch(`${env}/api/data/v9.2/systemusers(${systemUserId})`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "if-match": "*" },
        body: body ? JSON.stringify(body) : undefined,
      });
    expect((await call("PATCH", { isdisabled: true })).status).toBe(204);
    expect((await call("DELETE")).status).toBe(204);
    expect((await call("DELETE")).status).toBe(204);
  }

  it("plans only the application user's re-creation after it was deleted, keeps the live secret, and restores Active", async () => {
    const { engine, accountId, connectionId } = await connected();
    const before = connectionObjects(await fx.control.getState(), connectionId);
    expect(before.users).toHaveLength(1);
    await deleteApplicationUser(before.users[0].systemuserid);
    expect(connectionObjects(await fx.control.getState(), connectionId).users).toHaveLength(0);

    const repair = await planRepair(engine, accountId, connectionId);
    const plan = repair.plan!;
    expect(plan.blockers).toEqual([]);
    expect(changesOf(plan)).toEqual(["applicationUser:create", "applicationUser:create"]);
    const verbs = (step: string) => plan.steps.find((s) => s.step === step)!.actions.map((a) => a.verb);
    expect(verbs("appRegistration")).toEqual(["reuse", "reuse"]);
    expect(verbs("adminConsent")).toEqual(["reuse"]);
    expect(verbs("clientSecret")).toEqual(["reuse"]);

    expect((await approveRun(engine, { runId: repair.id, actor })).ok).toBe(true);
    expect((await driveRunWith(engine, repair.id)).status).toBe("succeeded");
    const after = connectionObjects(await fx.control.getState(), connectionId);
    expect(after.users).toHaveLength(1);
    expect(after.roleLinks).toHaveLength(1);
    expect(after.apps).toHaveLength(1);
    // The secret was kept: the same single key at Microsoft, the same single live row here.
    expect(after.secrets.map((s) => s.keyId)).toEqual(before.secrets.map((s) => s.keyId));
    expect(await t.db.secret.count({ where: { connectionId, kind: "clientSecret", status: "active" } })).toBe(1);
    const connection = await t.db.connection.findUniqueOrThrow({ where: { id: connectionId } });
    expect(connection).toMatchObject({ status: "active", applicationUserId: after.users[0].systemuserid });
  });

  it("plans only a new client secret (and forgets the stored one) when the live one was removed at Microsoft", async () => {
    const { engine, accountId, connectionId } = await connected();
    const before = connectionObjects(await fx.control.getState(), connectionId);
    const token = await getAdminToken(await signInAs(fx), "graph", { config: fx.config });
    const removed = await fetch(`${fx.graphUrl}/v1.0/applications/${before.apps[0].id}/removePassword`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ keyId: before.secrets[0].keyId }),
    });
    expect(removed.status).toBe(204);

    const repair = await planRepair(engine, accountId, connectionId);
    expect(changesOf(repair.plan!)).toEqual(["clientSecret:create", "clientSecret:remove"]);
    const secretStep = repair.plan!.steps.find((s) => s.step === "clientSecret")!;
    expect(secretStep.actions[1].what).toMatch(/Microsoft no longer has/);
    expect((await approveRun(engine, { runId: repair.id, actor })).ok).toBe(true);
    expect((await driveRunWith(engine, repair.id)).status).toBe("succeeded");
    const after = connectionObjects(await fx.control.getState(), connectionId);
    expect(after.secrets).toHaveLength(1);
    expect(after.secrets[0].keyId).not.toBe(before.secrets[0].keyId);
  });

  it("a first connect (secret rotate, the default) still creates a new secret when nothing is broken", async () => {
    const { engine, accountId, connectionId } = await connected();
    const again = await planRepair(engine, accountId, connectionId, { secret: "rotate" });
    expect(changesOf(again.plan!)).toEqual(["clientSecret:create", "clientSecret:remove"]);
  });
});
