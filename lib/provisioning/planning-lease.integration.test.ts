/**
 * An instance that dies while it prepares a plan leaves its run in `planning`. The database admits one unfinished run
 * per connection, so that run must not hold the connection for ever: planning takes a lease, and once it has lapsed
 * (longer than a step may run) any instance's resumer clears the run, and a new plan can start. On SQLite and
 * PostgreSQL.
 */
import { describe, expect, it } from "vitest";
import { CONTOSO_ADMIN, signInAs, TENANTS, useMicrosoftSandbox } from "@/test/support/microsoft-sandbox";
import { testEngine } from "@/test/support/engine-fixture";
import { providersUnderTest, useTestDatabase } from "@/test/support/test-databases";
import { ensureAccount } from "../domain/account/ensure-account";
import { stepsFor } from "../domain/run/machine";
import { createRun, loadRun } from "../domain/run/run-store";
import { resumeDueRuns } from "./resume-due-runs";
import { startRun } from "./start-run";

const providers = await providersUnderTest();
const fx = useMicrosoftSandbox();
const actor = { type: "admin" as const, id: CONTOSO_ADMIN, tenantId: TENANTS.contoso };
const options = { mode: "cloud" as const, environment: "Contoso Sales", requestedBy: CONTOSO_ADMIN };

describe.each(providers)("a run whose planner died, on %s", (provider) => {
  const t = useTestDatabase(provider);

  /** What startRun leaves when its instance dies after creating the run and before the plan is stored. */
  async function orphanedPlanning(accountId: string, leaseMs: number) {
    const connection = await t.db.connection.create({ data: { accountId, authMode: "cloud" } });
    const run = await createRun(t.db, {
      connectionId: connection.id,
      kind: "connect",
      steps: stepsFor("connect", "cloud"),
      options: { ...options, role: "leastPrivilege", consent: "programmatic", secret: "rotate" },
      connectionStatusBefore: "draft",
      tenantId: TENANTS.contoso,
      planner: { owner: "instance-that-died", leaseMs },
    });
    return { connectionId: connection.id, runId: run.id };
  }

  it("holds the connection while its lease lasts, then is cleared so a new plan starts", async () => {
    const engine = testEngine(t.db, fx, { config: { leaseMs: 2_000, stepTimeoutMs: 1_000 } });
    const account = await ensureAccount(t.db, { actonAccountId: `acct-planning-${provider}`, name: "Contoso" });
    const orphan = await orphanedPlanning(account.id, engine.config.leaseMs);

    const again = () =>
      startRun(engine, { accountId: account.id, connectionId: orphan.connectionId, kind: "connect", options, session: null, actor });
    const withSession = async () =>
      startRun(engine, { accountId: account.id, connectionId: orphan.connectionId, kind: "connect", options, session: await signInAs(fx), actor });

    // While the planner may still be alive, its run holds the connection and the resumer leaves it alone.
    await resumeDueRuns(engine);
    expect((await loadRun(t.db, orphan.runId))?.status).toBe("planning");
    const refused = await withSession();
    expect(refused.ok || refused.error.code).toBe("conflict");
    expect((await again()).ok).toBe(false);

    // The lease has lapsed for longer than a step may run: the planner is certainly gone.
    await new Promise((resolve) => setTimeout(resolve, engine.config.leaseMs + engine.config.stepTimeoutMs + 200));
    await resumeDueRuns(engine);
    const cleared = await loadRun(t.db, orphan.runId);
    expect(cleared?.status).toBe("failed");
    expect(cleared?.leaseOwner).toBeNull();
    const connection = await t.db.connection.findUniqueOrThrow({ where: { id: orphan.connectionId } });
    expect(connection.status).toBe("draft");
    expect(connection.lastErrorMessage).toMatch(/plan/i);

    const started = await withSession();
    if (!started.ok) throw new Error(started.error.userMessage);
    expect(started.value.status).toBe("awaitingApproval");
  });

  it("leaves a planner's run alone when the planner is alive and finishes its plan", async () => {
    const engine = testEngine(t.db, fx);
    const account = await ensureAccount(t.db, { actonAccountId: `acct-planning-live-${provider}`, name: "Contoso" });
    const started = await startRun(engine, { accountId: account.id, kind: "connect", options, session: await signInAs(fx), actor });
    if (!started.ok) throw new Error(started.error.userMessage);
    await resumeDueRuns(engine);
    const run = await loadRun(t.db, started.value.id);
    expect(run?.status).toBe("awaitingApproval");
    // The plan is stored: the planner's lease is released with it.
    expect(run?.leaseOwner).toBeNull();
  });
});
