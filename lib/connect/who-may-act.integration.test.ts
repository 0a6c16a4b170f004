/**
 * The attacks behind "who may act", replayed through the use cases the journey's actions call (after `authorize`,
 * which the authorization matrix covers), against the sandbox: a destructive plan is approved only by the button
 * that says what it does, and only by the person who prepared it; a hand-made setup never repoints a connection of
 * another organization, nor replaces a working on-premises one in passing. Each refusal changes nothing.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ensureAccount } from "../domain/account/ensure-account";
import { saveAdminSession } from "../domain/session/admin-sign-in";
import type { Engine } from "../provisioning/engine";
import { createRunPool } from "../provisioning/run-pool";
import { TEST_KEYS, testEngine } from "@/test/support/engine-fixture";
import { CONTOSO_ADMIN, CONTOSO_USER, TENANTS, signInAs, useMicrosoftSandbox } from "@/test/support/microsoft-sandbox";
import { sandboxPortalEnv } from "@/test/support/sandbox-portal-env";
import { contosoSessionOn } from "@/test/support/portal-session-view";
import { useTestDatabase } from "@/test/support/test-databases";
import { makeHandMadeSetup } from "@/test/support/hand-made-setup";
import type { Authorized } from "./authorize";
import { getConnectionForViewer } from "./engine";

vi.setConfig({ testTimeout: 90_000 });
const fx = useMicrosoftSandbox();
const t = useTestDatabase("sqlite");
const ADMIN_ACTOR = `${TENANTS.contoso}:oid-admin`;

describe("who may act, replayed through the use cases", () => {
  let engine: Engine;
  let useCases: {
    approvePlan: typeof import("./approve").approvePlan;
    proveAndSaveManualConnection: typeof import("./manual").proveAndSaveManualConnection;
  };

  beforeAll(async () => {
    engine = testEngine(t.db, fx);
    // The use cases read the process's engine and database, as in the portal: point both at this file's.
    const pool = createRunPool(engine, { size: 1 });
    pool.close();
    Object.assign(globalThis, { portalProvisioning: { engine, pool }, portalDb: t.db });
    const key = TEST_KEYS[0]!;
    for (const [k, v] of Object.entries({
      ...sandboxPortalEnv(fx),
      DATABASE_URL: t.url,
      PORTAL_ENCRYPTION_KEYS: `${key.id}:${key.key.toString("base64")}`,
    }))
      vi.stubEnv(k, v);
    vi.resetModules();
    useCases = {
      approvePlan: (await import("./approve")).approvePlan,
      proveAndSaveManualConnection: (await import("./manual")).proveAndSaveManualConnection,
    };
  });

  afterAll(() => {
    vi.unstubAllEnvs();
    for (const k of ["portalProvisioning", "portalDb"]) delete (globalThis as Record<string, unknown>)[k];
  });

  async function personOn(data: Record<string, unknown>, username = CONTOSO_ADMIN): Promise<Authorized> {
    const account = await ensureAccount(t.db, { actonAccountId: `acct-${randomBytes(4).toString("hex")}`, name: "Contoso" });
    const row = await t.db.connection.create({ data: { accountId: account.id, authMode: "cloud", status: "draft", ...data } });
    const signIn = await signInAs(fx, username);
    await saveAdminSession(t.db, { connectionId: row.id, session: signIn, keys: TEST_KEYS });
    const session = contosoSessionOn(account, row.id, { username, objectId: "oid-admin" });
    const found = await getConnectionForViewer(t.db, row.id, { kind: "account", accountId: account.id });
    if (!found.ok) throw new Error("no connection");
    return { session, connection: found.value, signIn };
  }

  async function runOf(who: Authorized, kind: "connect" | "disconnect", requestedBy: string) {
    return t.db.provisioningRun.create({
      data: {
        connectionId: who.connection.id,
        kind,
        status: "awaitingApproval",
        tenantId: TENANTS.contoso,
        plan: { steps: [], blockers: [], environment: null, notes: [], computedAt: new Date().toISOString() },
        options:
          kind === "disconnect"
            ? { mode: "cloud", disconnect: { removeApplicationUser: true, deleteAppRegistration: true }, requestedBy }
            : { mode: "cloud", role: "leastPrivilege", requestedBy },
      },
    });
  }

  it("a disconnect waiting for approval is not approved by a button that says connect; the disconnect button approves it", async () => {
    const who = await personOn({ status: "active", tenantId: TENANTS.contoso });
    const run = await runOf(who, "disconnect", ADMIN_ACTOR);
    const refused = await useCases.approvePlan(who, { runId: run.id, approve: "connect", role: "leastPrivilege" });
    expect(refused).toMatchObject({ ok: false, error: { code: "conflict" } });
    expect(await t.db.provisioningRun.findUniqueOrThrow({ where: { id: run.id } })).toMatchObject({ status: "awaitingApproval", approvedAt: null });
    expect(await t.db.connection.findUniqueOrThrow({ where: { id: who.connection.id } })).toMatchObject({ status: "active" });

    const approved = await useCases.approvePlan(who, { runId: run.id, approve: "disconnect" });
    expect(approved).toMatchObject({ ok: true, value: { next: `/connect/${who.connection.id}/progress` } });
    expect(await t.db.provisioningRun.findUniqueOrThrow({ where: { id: run.id } })).toMatchObject({ status: "pending" });
  });

  it("a plan is approved only by the person who prepared it: another signed-in admin is asked to check it again as themselves", async () => {
    const who = await personOn({ status: "draft" });
    const run = await runOf(who, "connect", CONTOSO_USER);
    const refused = await useCases.approvePlan(who, { runId: run.id, approve: "connect", role: "leastPrivilege" });
    expect(refused).toMatchObject({ ok: false, error: { code: "unauthorized", userMessage: expect.stringMatching(/Check it again as you/) } });
    expect(await t.db.provisioningRun.findUniqueOrThrow({ where: { id: run.id } })).toMatchObject({ status: "awaitingApproval" });
  });

  describe("a hand-made setup", () => {
    const provenSetup = async () => (await makeHandMadeSetup(t.db, engine, fx)).input;

    const snapshot = (id: string) =>
      Promise.all([
        t.db.connection.findUniqueOrThrow({ where: { id }, select: { status: true, tenantId: true, clientId: true, authMode: true } }),
        t.db.secret.count({ where: { connectionId: id, status: "active" } }),
        t.db.webhookDelivery.count({ where: { connectionId: id } }),
      ]);

    it("never repoints a connection of another organization: the pasted credentials must prove the connection's tenant", async () => {
      const who = await personOn({ status: "active", tenantId: TENANTS.fabrikam, clientId: "35000000-0000-4000-8000-0000000000f1" });
      const before = await snapshot(who.connection.id);
      const refused = await useCases.proveAndSaveManualConnection(who, await provenSetup());
      expect(refused).toMatchObject({ ok: false, problem: { code: "forbidden", fix: expect.stringMatching(/another Microsoft organization/) } });
      expect(await snapshot(who.connection.id)).toEqual(before);
    });

    it("never replaces a working on-premises connection in passing: disconnect it first", async () => {
      const who = await personOn({ status: "active", authMode: "onprem", integrationUsername: "CONTOSO\\crmadmin" });
      const before = await snapshot(who.connection.id);
      const refused = await useCases.proveAndSaveManualConnection(who, await provenSetup());
      expect(refused).toMatchObject({ ok: false, problem: { code: "conflict", fix: expect.stringMatching(/Disconnect it first/) } });
      expect(await snapshot(who.connection.id)).toEqual(before);
    });

    it("saves a proven setup on a connection that has no tenant yet", async () => {
      const who = await personOn({ status: "draft" });
      expect(await useCases.proveAndSaveManualConnection(who, await provenSetup())).toEqual({ ok: true, tablesMissing: [] });
      expect(await t.db.connection.findUniqueOrThrow({ where: { id: who.connection.id } })).toMatchObject({
        status: "active",
        tenantId: TENANTS.contoso,
      });
    });
  });
});
