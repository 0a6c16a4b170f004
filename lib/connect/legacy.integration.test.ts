/**
 * The legacy path and the move to OAuth as the browser's actions drive them, against the sandbox on SQLite and
 * PostgreSQL: a refused legacy plan is cancelled with its password forgotten and the admin's sign-in kept; a new plan
 * replaces the one awaiting approval; the move to OAuth plans a migrate run.
 */
import { beforeAll, describe, expect, it, vi } from "vitest";
import { ensureAccount } from "../domain/account/ensure-account";
import { hasLiveAdminSession, saveAdminSession } from "../domain/session/admin-sign-in";
import type { Engine } from "../provisioning/engine";
import { storeSecret } from "../domain/secret/store-secret";
import type { PortalSessionView } from "../sessions/session-view";
import { providersUnderTest, useTestDatabase } from "@/test/support/test-databases";
import { TEST_KEYS, testEngine } from "@/test/support/engine-fixture";
import { CONTOSO_ADMIN, CONTOSO_MFA_ADMIN, SANDBOX_PASSWORD, TENANTS, signInAs, useMicrosoftSandbox } from "@/test/support/microsoft-sandbox";
import { findLegacyRefusal, findRunShape, startLegacyPlan, startMigrationPlan } from "./legacy";

vi.setConfig({ testTimeout: 90_000 });
const providers = await providersUnderTest();
const fx = useMicrosoftSandbox();
const actor = { type: "admin" as const, id: `${TENANTS.contoso}:admin`, tenantId: TENANTS.contoso };

describe.each(providers)("legacy path and move to OAuth on %s", (provider) => {
  const t = useTestDatabase(provider);
  let engine: Engine;
  beforeAll(() => {
    engine = testEngine(t.db, fx);
  });

  async function signedInConnection(data: Record<string, unknown> = {}) {
    const account = await ensureAccount(t.db, { actonAccountId: `acct-${Math.random().toString(36).slice(2)}`, name: "Contoso" });
    const connection = await t.db.connection.create({ data: { accountId: account.id, authMode: "cloud", status: "draft", ...data } });
    await saveAdminSession(t.db, { connectionId: connection.id, session: await signInAs(fx), keys: TEST_KEYS });
    const portalSession = {
      id: "s",
      accountId: account.id,
      actonAccountId: account.actonAccountId,
      accountName: "Contoso",
      connectionId: connection.id,
      intent: "connect",
      returnTo: null,
      actonUserEmail: null,
      environmentHint: null,
      microsoft: { tenantId: TENANTS.contoso, objectId: "admin", username: CONTOSO_ADMIN, name: null },
      handoff: null,
    } satisfies PortalSessionView;
    return { connectionId: connection.id, portalSession };
  }

  const choice = (integrationUsername: string) => ({
    environment: "Contoso Sales",
    integrationUsername,
    password: SANDBOX_PASSWORD,
    role: "leastPrivilege" as const,
  });

  it("an MFA user's plan is refused: cancelled, nothing written, the password forgotten, the sign-in kept", async () => {
    const { connectionId, portalSession } = await signedInConnection();
    const apps = (await fx.control.getState()).applications.length;
    const refused = await startLegacyPlan(engine, { portalSession, connectionId, actor, choice: choice(CONTOSO_MFA_ADMIN) });
    expect(refused).toMatchObject({ ok: true, value: { refused: true } });
    const run = await t.db.provisioningRun.findFirstOrThrow({ where: { connectionId } });
    expect(run.status).toBe("cancelled");
    const stored = await t.db.secret.findMany({ where: { connectionId, kind: "password" } });
    expect(stored.map((s) => [s.status, s.ciphertext])).toEqual([["revoked", ""]]);
    expect(await hasLiveAdminSession(t.db, connectionId)).toBe(true);
    expect((await fx.control.getState()).applications.length).toBe(apps);
    const facts = await findLegacyRefusal(t.db, connectionId);
    expect(facts).toMatchObject({ integrationUsername: CONTOSO_MFA_ADMIN, environment: fx.environmentUrl("contoso-sales") });
    expect(facts?.blockers.map((b) => [b.code, b.reason])).toEqual([["mfa_required", "mfa_enforced"]]);

    // Another user, same sign-in: a plan to approve, in legacy mode; the refusal is no longer the latest run.
    const planned = await startLegacyPlan(engine, { portalSession, connectionId, actor, choice: choice(CONTOSO_ADMIN) });
    expect(planned).toMatchObject({ ok: true, value: { refused: false } });
    if (!planned.ok) return;
    expect(await findRunShape(t.db, planned.value.runId)).toEqual({ kind: "connect", mode: "legacy", role: "leastPrivilege" });
    expect((await t.db.provisioningRun.findUniqueOrThrow({ where: { id: planned.value.runId } })).status).toBe("awaitingApproval");
    expect(await findLegacyRefusal(t.db, connectionId)).toBeNull();

    // Planning again replaces the plan awaiting approval, and forgets the password that plan was given.
    const again = await startLegacyPlan(engine, { portalSession, connectionId, actor, choice: choice(CONTOSO_ADMIN) });
    expect(again.ok).toBe(true);
    expect((await t.db.provisioningRun.findUniqueOrThrow({ where: { id: planned.value.runId } })).status).toBe("cancelled");
    const passwords = await t.db.secret.findMany({ where: { connectionId, kind: "password" }, orderBy: { createdAt: "asc" } });
    expect(passwords.map((s) => s.status)).toEqual(["revoked", "revoked", "pending"]);
  });

  it("without a Microsoft sign-in nothing is planned", async () => {
    const { connectionId, portalSession } = await signedInConnection();
    const result = await startLegacyPlan(engine, {
      portalSession: { ...portalSession, microsoft: null },
      connectionId,
      actor,
      choice: choice(CONTOSO_ADMIN),
    });
    expect(result).toMatchObject({ ok: false, error: { code: "unauthorized" } });
    expect(await t.db.provisioningRun.count({ where: { connectionId } })).toBe(0);
    expect(await t.db.secret.count({ where: { connectionId, kind: "password" } })).toBe(0);
  });

  it("the move to OAuth plans the engine's migrate run for a legacy connection, and nothing for an OAuth one", async () => {
    const environmentUrl = fx.environmentUrl("contoso-sales");
    const legacy = await signedInConnection({ authMode: "legacy", status: "active", environmentUrl, integrationUsername: CONTOSO_ADMIN });
    await storeSecret(t.db, { connectionId: legacy.connectionId, kind: "password", plaintext: SANDBOX_PASSWORD, keys: TEST_KEYS, status: "active" });
    const moved = await startMigrationPlan(engine, {
      portalSession: legacy.portalSession,
      connection: { id: legacy.connectionId, environmentUrl, securityRole: null },
      actor,
    });
    if (!moved.ok) throw new Error(moved.error.userMessage);
    expect(await findRunShape(t.db, moved.value.runId)).toEqual({ kind: "migrate", mode: "cloud", role: "leastPrivilege" });
    const run = await t.db.provisioningRun.findUniqueOrThrow({ where: { id: moved.value.runId }, include: { steps: true } });
    expect(run.status).toBe("awaitingApproval");
    expect(run.steps.map((s) => s.name).sort()).toEqual(
      ["environment", "appRegistration", "adminConsent", "clientSecret", "applicationUser", "verify"].sort(),
    );
    // The password stays until a new sign-in is verified.
    expect((await t.db.secret.findFirstOrThrow({ where: { connectionId: legacy.connectionId, kind: "password" } })).status).toBe("active");

    const cloud = await signedInConnection({ authMode: "cloud", status: "active", environmentUrl });
    const refused = await startMigrationPlan(engine, {
      portalSession: cloud.portalSession,
      connection: { id: cloud.connectionId, environmentUrl, securityRole: null },
      actor,
    });
    expect(refused).toMatchObject({ ok: false, error: { code: "invalid_input" } });
  });
});
