/**
 * Hand-off links behind the plan page, on SQLite and PostgreSQL: a link is created only for a plan blocked by a
 * missing role, scoped to the steps that need it, and bad input changes nothing. Who may take which action is the
 * authorization matrix's (authorization-matrix.integration.test.ts).
 */
import { describe, expect, it } from "vitest";
import { ensureAccount } from "../domain/account/ensure-account";
import { createHandoffForPlan, findHandoffProgress } from "../handoff/handoff-for-plan";
import type { HandoffConfig } from "../handoff/handoff-links";
import { openHandoffSession } from "../handoff/open-handoff-session";
import type { Plan } from "../domain/run/plan";
import { providersUnderTest, useTestDatabase, type TestDatabase } from "@/test/support/test-databases";

const providers = await providersUnderTest();
const CONFIG: HandoffConfig = {
  keys: [{ kid: "k1", secret: "handoff-actions-test-secret-0123456789abcdef" }],
  portalBaseUrl: "http://localhost:3699",
  ttlMs: 24 * 3_600_000,
};
const LIFETIMES = { idleMs: 3_600_000, absoluteMs: 7_200_000 };
const FIRST_ADMIN = { type: "admin" as const, id: "tenant-1:user-oid" };

const directoryRole = {
  kind: "directoryRole" as const,
  role: "Global Administrator, Application Administrator or Cloud Application Administrator (Microsoft Entra ID)",
  grantedBy: "A Global Administrator",
  steps: ["preconditions", "appRegistration", "adminConsent"] as Plan["steps"][number]["step"][],
};
const environmentRole = {
  kind: "environmentRole" as const,
  role: "System Administrator of the Dynamics 365 environment",
  grantedBy: "A Power Platform Administrator",
  steps: ["preconditions", "applicationUser"] as Plan["steps"][number]["step"][],
};
const blockedPlan = (blockers: Plan["blockers"]): Plan => ({
  steps: [],
  blockers,
  environment: null,
  notes: [],
  computedAt: new Date().toISOString(),
});

async function setUp(
  t: TestDatabase,
  plan: Plan = blockedPlan([
    { code: "insufficient_privileges", message: "m1", need: directoryRole },
    { code: "insufficient_privileges", message: "m2", need: environmentRole },
  ]),
) {
  const account = await ensureAccount(t.db, { actonAccountId: `acct-${Math.random().toString(36).slice(2)}`, name: "Contoso" });
  const connection = await t.db.connection.create({ data: { accountId: account.id, authMode: "cloud", status: "draft" } });
  const sibling = await t.db.connection.create({ data: { accountId: account.id, authMode: "cloud", status: "draft" } });
  const run = await t.db.provisioningRun.create({
    data: {
      connectionId: connection.id,
      kind: "connect",
      status: "awaitingApproval",
      plan: plan as object,
      options: { mode: "cloud", requestedBy: "user@contoso" },
    },
  });
  return { account, connection, sibling, run };
}

async function footprint(t: TestDatabase) {
  const [links, runs, audits, sessions] = await Promise.all([
    t.db.handoffLink.count(),
    t.db.provisioningRun.count(),
    t.db.auditEvent.count(),
    t.db.portalSession.count(),
  ]);
  return { links, runs, audits, sessions };
}

describe.each(providers)("journey actions' server-side checks on %s", (provider) => {
  const t = useTestDatabase(provider);

  it("creates a link scoped to the steps that need the missing roles, naming them, and reports its progress", async () => {
    const { account, connection, run } = await setUp(t);
    const created = await createHandoffForPlan(
      t.db,
      { accountId: account.id, connectionId: connection.id, runId: run.id, actor: FIRST_ADMIN },
      CONFIG,
    );
    expect(created).toMatchObject({
      ok: true,
      value: {
        steps: ["preconditions", "appRegistration", "adminConsent", "applicationUser"],
        requiredRole: `${directoryRole.role}; and ${environmentRole.role}`,
      },
    });
    const progress = await findHandoffProgress(t.db, { accountId: account.id, connectionId: connection.id });
    expect(progress).toMatchObject({ state: "open", colleague: null, requiredRole: `${directoryRole.role}; and ${environmentRole.role}` });
    const audit = await t.db.auditEvent.findMany({ where: { connectionId: connection.id, action: "handoff.created" } });
    expect(audit.map((a) => a.actorId)).toEqual([FIRST_ADMIN.id]);
    // Once a colleague opened it, a newer unopened link does not hide them from the first admin's page.
    if (!created.ok) return;
    const opened = await openHandoffSession(t.db, { token: new URL(created.value.url).searchParams.get("t")!, config: CONFIG, lifetimes: LIFETIMES });
    expect(opened.kind).toBe("opened");
    await createHandoffForPlan(t.db, { accountId: account.id, connectionId: connection.id, runId: run.id, actor: FIRST_ADMIN }, CONFIG);
    expect(await findHandoffProgress(t.db, { accountId: account.id, connectionId: connection.id })).toMatchObject({ state: "used" });
  });

  it.each([
    [
      "a plan blocked by something a colleague cannot fix",
      blockedPlan([{ code: "environment_required", message: "Choose the environment" }]),
      "invalid_input",
    ],
    [
      "a plan with a role blocker and another blocker",
      blockedPlan([
        { code: "insufficient_privileges", message: "m", need: directoryRole },
        { code: "not_found", message: "no Dynamics" },
      ]),
      "invalid_input",
    ],
    ["a plan without blockers", blockedPlan([]), "invalid_input"],
  ])("refuses %s and writes nothing", async (_label, plan, code) => {
    const { account, connection, run } = await setUp(t, plan);
    const before = await footprint(t);
    expect(
      await createHandoffForPlan(t.db, { accountId: account.id, connectionId: connection.id, runId: run.id, actor: FIRST_ADMIN }, CONFIG),
    ).toMatchObject({
      ok: false,
      error: { code },
    });
    expect(await footprint(t)).toEqual(before);
  });

  it("refuses another account's run, a replaced plan and an approved run, and writes nothing", async () => {
    const { account, connection, run } = await setUp(t);
    const other = await setUp(t);
    const before = await footprint(t);
    const create = (input: { accountId: string; connectionId: string; runId: string }) =>
      createHandoffForPlan(t.db, { ...input, actor: FIRST_ADMIN }, CONFIG);
    expect(await create({ accountId: other.account.id, connectionId: connection.id, runId: run.id })).toMatchObject({
      ok: false,
      error: { code: "not_found" },
    });
    expect(await create({ accountId: account.id, connectionId: connection.id, runId: other.run.id })).toMatchObject({
      ok: false,
      error: { code: "not_found" },
    });
    expect(await create({ accountId: account.id, connectionId: connection.id, runId: "no-such-run" })).toMatchObject({
      ok: false,
      error: { code: "not_found" },
    });
    expect(await footprint(t)).toEqual(before);

    await t.db.provisioningRun.update({ where: { id: run.id }, data: { status: "cancelled" } });
    const newer = await t.db.provisioningRun.create({
      data: { connectionId: connection.id, kind: "connect", status: "pending", approvedAt: new Date(), plan: blockedPlan([]) as object },
    });
    const mid = await footprint(t);
    expect(await create({ accountId: account.id, connectionId: connection.id, runId: run.id })).toMatchObject({
      ok: false,
      error: { code: "conflict" },
    });
    expect(await create({ accountId: account.id, connectionId: connection.id, runId: newer.id })).toMatchObject({
      ok: false,
      error: { code: "conflict" },
    });
    expect(await footprint(t)).toEqual(mid);
  });
});
