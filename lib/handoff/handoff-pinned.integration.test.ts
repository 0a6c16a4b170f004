/**
 * A colleague's hand-off is pinned to the plan it was made for, on SQLite and PostgreSQL, through the journey's own use
 * cases (authorize, recheckPlan, approvePlan) against the Microsoft sandbox: the colleague re-checks that plan as
 * themselves (the link follows their new run) and may approve it with its role only; another role, another run or
 * another kind is refused in words; the session may act only while the link lives and the pinned run is open, and may
 * still view after. A new link withdraws the older unopened ones.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ensureAccount } from "../domain/account/ensure-account";
import type { Plan } from "../domain/run/plan";
import { saveAdminSession } from "../domain/session/admin-sign-in";
import { createRunPool, type RunPool } from "../provisioning/run-pool";
import type { PortalSessionView } from "../sessions/session-view";
import { findSessionByToken } from "../sessions/portal-sessions";
import { approvePlan } from "../connect/approve";
import { authorize } from "../connect/authorize";
import { getConnectionForViewer } from "../connect/engine";
import { recheckPlan } from "../connect/recheck-plan";
import { retryRun } from "../connect/retry";
import { providersUnderTest, useTestDatabase, type TestDatabase } from "@/test/support/test-databases";
import { TEST_KEYS, testEngine } from "@/test/support/engine-fixture";
import { CONTOSO_ADMIN, ENVIRONMENTS, TENANTS, signInAs, useMicrosoftSandbox } from "@/test/support/microsoft-sandbox";
import { createHandoffForPlan } from "./handoff-for-plan";
import { openHandoffLink, type HandoffConfig } from "./handoff-links";
import { openHandoffSession } from "./open-handoff-session";

vi.setConfig({ testTimeout: 60_000 });
const providers = await providersUnderTest();
const fx = useMicrosoftSandbox();

const CONFIG: HandoffConfig = {
  keys: [{ kid: "k1", secret: "pinned-handoff-test-secret-0123456789abcdef" }],
  portalBaseUrl: "http://localhost:3698",
  ttlMs: 24 * 3_600_000,
};
const LIFETIMES = { idleMs: 8 * 3_600_000, absoluteMs: 7 * 24 * 3_600_000 };
const FIRST_ADMIN = { type: "admin" as const, id: "contoso:first-admin" };
const ROLE_NEED = {
  kind: "directoryRole" as const,
  role: "Global Administrator",
  grantedBy: "A Global Administrator",
  steps: ["preconditions", "appRegistration", "adminConsent"] as Plan["steps"][number]["step"][],
};

const tokenOf = (url: string) => new URL(url).searchParams.get("t")!;

describe.each(providers)("a hand-off pinned to its plan on %s", (provider) => {
  const t = useTestDatabase(provider);
  let pool: RunPool;
  const global = globalThis as unknown as { portalProvisioning?: unknown };
  beforeAll(() => {
    // The journey's use cases take the process's engine: here, one on this file's database and sandbox.
    const base = testEngine(t.db, fx);
    pool = createRunPool(base, { size: 2 });
    global.portalProvisioning = { engine: { ...base, wake: (runId: string) => pool.wake(runId) }, pool };
  });
  afterAll(() => {
    pool.close();
    delete global.portalProvisioning;
  });

  const environment = () => fx.environmentUrl(ENVIRONMENTS.contosoSales.urlName);

  /** The first admin's plan, blocked by a role they lack, and a colleague who opened the hand-off link and signed in. */
  async function handedOff(t: TestDatabase) {
    const account = await ensureAccount(t.db, { actonAccountId: `acct-${Math.random().toString(36).slice(2)}`, name: "Contoso" });
    const row = await t.db.connection.create({ data: { accountId: account.id, authMode: "cloud", status: "draft" } });
    const plan: Plan = {
      steps: [],
      blockers: [{ code: "insufficient_privileges", message: "lacks Global Administrator", need: ROLE_NEED }],
      environment: { url: environment() } as Plan["environment"],
      notes: [],
      computedAt: new Date().toISOString(),
    };
    const run = await t.db.provisioningRun.create({
      data: {
        connectionId: row.id,
        kind: "connect",
        status: "awaitingApproval",
        plan: plan as object,
        options: { mode: "cloud", role: "leastPrivilege", environment: environment(), requestedBy: "user@contoso" },
      },
    });
    const link = await createHandoffForPlan(t.db, { accountId: account.id, connectionId: row.id, runId: run.id, actor: FIRST_ADMIN }, CONFIG);
    if (!link.ok) throw new Error(link.error.userMessage);
    const opened = await openHandoffSession(t.db, { token: tokenOf(link.value.url), config: CONFIG, lifetimes: LIFETIMES });
    if (opened.kind !== "opened") throw new Error(opened.kind);
    // The colleague signs in with their own Microsoft account (stored for the connection, as the sign-in does).
    const signIn = await signInAs(fx, CONTOSO_ADMIN);
    await saveAdminSession(t.db, { connectionId: row.id, session: signIn, keys: TEST_KEYS });
    const session: PortalSessionView = {
      ...opened.session,
      microsoft: { tenantId: TENANTS.contoso, objectId: "colleague", username: CONTOSO_ADMIN, name: null },
    };
    const connection = await getConnectionForViewer(t.db, row.id, { kind: "account", accountId: account.id });
    if (!connection.ok) throw new Error("no connection");
    return {
      account,
      run,
      linkId: link.value.linkId,
      who: { session, connection: connection.value, signIn },
      sessionToken: opened.sessionToken,
    };
  }

  const runCount = (connectionId: string) => t.db.provisioningRun.count({ where: { connectionId } });

  it("records the run, kind, role and environment the link was made for", async () => {
    const w = await handedOff(t);
    expect(await t.db.handoffLink.findUniqueOrThrow({ where: { id: w.linkId } })).toMatchObject({
      runId: w.run.id,
      planKind: "connect",
      planRole: "leastPrivilege",
      planEnvironment: environment(),
    });
  });

  it("refuses switching the role to System Administrator, in words, and starts no plan", async () => {
    const w = await handedOff(t);
    const before = await runCount(w.who.connection.id);
    const switched = await approvePlan(w.who, { runId: w.run.id, approve: "connect", role: "systemAdministrator" });
    expect(switched).toMatchObject({ ok: false, error: { code: "forbidden" } });
    if (switched.ok) return;
    expect(switched.error.userMessage).toBe(
      `Your colleague asked you to approve the plan to connect Act-On to ${environment()} with the least-privilege security role; ask them for a new link to change it.`,
    );
    expect(await runCount(w.who.connection.id)).toBe(before);
    expect(await t.db.provisioningRun.findUniqueOrThrow({ where: { id: w.run.id } })).toMatchObject({ status: "awaitingApproval" });
  });

  it("re-checks the pinned plan as the colleague (same kind, role, environment) and the link follows the new run", async () => {
    const w = await handedOff(t);
    expect(await recheckPlan(w.who, w.run.id)).toBe(`/connect/${w.who.connection.id}/plan`);
    const latest = await t.db.provisioningRun.findFirstOrThrow({ where: { connectionId: w.who.connection.id }, orderBy: { createdAt: "desc" } });
    expect(latest.id).not.toBe(w.run.id);
    expect(latest.options).toMatchObject({ role: "leastPrivilege", environment: environment(), requestedBy: CONTOSO_ADMIN });
    expect(await t.db.handoffLink.findUniqueOrThrow({ where: { id: w.linkId } })).toMatchObject({ runId: latest.id });
    expect(await t.db.auditEvent.count({ where: { action: "handoff.repinned", runId: latest.id } })).toBe(1);
    // The first admin's plan (cancelled by the re-check) is no longer one the colleague may approve.
    expect(await approvePlan(w.who, { runId: w.run.id, approve: "connect", role: "leastPrivilege" })).toMatchObject({
      ok: false,
      error: { code: "forbidden" },
    });
  });

  it("refuses re-checking or approving another plan of the connection (another kind, role or environment)", async () => {
    const w = await handedOff(t);
    const other = await t.db.provisioningRun.create({
      data: {
        connectionId: w.who.connection.id,
        kind: "migrate",
        status: "cancelled",
        options: { mode: "cloud", role: "systemAdministrator", environment: fx.environmentUrl(ENVIRONMENTS.contosoEu.urlName) },
      },
    });
    const before = await runCount(w.who.connection.id);
    expect(await recheckPlan(w.who, other.id)).toBe(`/connect/${w.who.connection.id}/plan?recheck=forbidden`);
    expect(await approvePlan(w.who, { runId: other.id, approve: "connect", role: "systemAdministrator" })).toMatchObject({
      ok: false,
      error: { code: "forbidden" },
    });
    expect(await retryRun(w.who, other.id)).toMatchObject({ ok: false, error: { code: "forbidden" } });
    expect(await runCount(w.who.connection.id)).toBe(before);
    expect(await t.db.provisioningRun.findUniqueOrThrow({ where: { id: w.run.id } })).toMatchObject({ status: "awaitingApproval" });
  });

  it.each([
    ["succeeded", "succeeded", false, false],
    ["cancelled", "cancelled", false, false],
    ["failed with nothing to retry", "failed", false, false],
    ["failed at a step", "failed", true, true],
  ] as const)(
    "once the pinned run has %s, the session may still view but act only if a retry is left",
    async (_how, status, failedStep, mayRetry) => {
      const w = await handedOff(t);
      await t.db.provisioningRun.update({ where: { id: w.run.id }, data: { status, finishedAt: new Date() } });
      if (failedStep)
        await t.db.provisioningStep.create({
          data: { runId: w.run.id, connectionId: w.who.connection.id, name: "adminConsent", position: 3, status: "failed" },
        });
      expect(await authorize(w.who.session, w.who.connection.id, "view")).toMatchObject({ ok: true });
      // A failed run a retry can take up again is still the colleague's to retry (or to check again, with its own plan).
      for (const action of ["recheckPlan", "approvePlan", "retryRun"] as const) {
        expect(await authorize(w.who.session, w.who.connection.id, action), action).toMatchObject({ ok: mayRetry });
      }
    },
  );

  it("may not act once its link expired or was withdrawn, though the session itself lives on (and may view)", async () => {
    for (const end of [{ expiresAt: new Date(Date.now() - 1_000) }, { revokedAt: new Date() }]) {
      const w = await handedOff(t);
      await t.db.handoffLink.update({ where: { id: w.linkId }, data: end });
      expect((await findSessionByToken(t.db, w.sessionToken, { lifetimes: LIFETIMES })).kind).toBe("active");
      expect(await authorize(w.who.session, w.who.connection.id, "view")).toMatchObject({ ok: true });
      for (const action of ["recheckPlan", "approvePlan", "retryRun"] as const) {
        expect(await authorize(w.who.session, w.who.connection.id, action), action).toMatchObject({ ok: false, error: { code: "forbidden" } });
      }
      expect(await approvePlan(w.who, { runId: w.run.id, approve: "connect", role: "leastPrivilege" })).toMatchObject({
        ok: false,
        error: { code: "forbidden" },
      });
    }
  });

  it("withdraws the older unopened links when a new one is made, and audits it", async () => {
    const w = await handedOff(t);
    // The colleague's link stays theirs; a second, unopened one is replaced by a third.
    const second = await createHandoffForPlan(
      t.db,
      { accountId: w.account.id, connectionId: w.who.connection.id, runId: w.run.id, actor: FIRST_ADMIN },
      CONFIG,
    );
    const third = await createHandoffForPlan(
      t.db,
      { accountId: w.account.id, connectionId: w.who.connection.id, runId: w.run.id, actor: FIRST_ADMIN },
      CONFIG,
    );
    if (!second.ok || !third.ok) throw new Error("no link");
    expect(await openHandoffLink(t.db, tokenOf(second.value.url), { ...CONFIG, claimedBy: "s" })).toMatchObject({
      ok: false,
      code: "handoff_revoked",
    });
    expect(await t.db.handoffLink.findUniqueOrThrow({ where: { id: w.linkId } })).toMatchObject({ revokedAt: null });
    const withdrawn = await t.db.auditEvent.findMany({ where: { connectionId: w.who.connection.id, action: "handoff.revoked" } });
    expect(withdrawn.map((e) => e.detail)).toEqual([{ count: 1, reason: "replaced by a new link" }]);
    expect(await openHandoffLink(t.db, tokenOf(third.value.url), { ...CONFIG, claimedBy: "s" })).toMatchObject({ ok: true });
  });
});
