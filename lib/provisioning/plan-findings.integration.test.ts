/**
 * The apply takes what the plan just read (the environment, the admin's permissions, the plan's access tokens) only
 * on the first drive right after approval; a run resumed past the freshness window, or retried, reads it all again.
 * Counted at the sandbox's door: the calls each drive makes.
 */
import { describe, expect, it, vi } from "vitest";
import { ensureAccount } from "../domain/account/ensure-account";
import {
  callLog,
  CONTOSO_ADMIN,
  CONTOSO_USER,
  signInAs,
  TENANTS,
  useMicrosoftSandbox,
  type MicrosoftSandbox,
} from "@/test/support/microsoft-sandbox";
import { engineMatrix, useSandboxScenario } from "@/test/support/engine-scenarios";
import { providersUnderTest, useTestDatabase } from "@/test/support/test-databases";
import { runSummary, testEngine } from "@/test/support/engine-fixture";
import { PLAN_FINDINGS_FRESH_MS, type PlanFindings } from "../domain/run/plan-findings";
import type { Plan } from "../domain/run/plan";
import { approveRun } from "./approve-run";
import { driveRunWith } from "./engine";
import { retryRun } from "./retry-run";
import { startRun } from "./start-run";
import { getRunView } from "./get-run-view";
import { getAdminAccessToken } from "../microsoft/admin-session";
import { loadAdminSession, persistAdminSessionIfChanged, saveAdminSession } from "../domain/session/admin-sign-in";
import { TEST_KEYS } from "@/test/support/engine-fixture";

vi.setConfig({ testTimeout: 90_000 });
const providers = await providersUnderTest();
const fx: MicrosoftSandbox = useMicrosoftSandbox();
const actor = { type: "admin" as const, id: CONTOSO_ADMIN, tenantId: TENANTS.contoso };

/** The admin's reads the environment and preconditions steps make when they look for themselves. */
const RE_READS = [
  "GET /graph/v1.0/me",
  "GET /graph/v1.0/organization",
  "GET /globaldisco/api/discovery/v2.0/Instances",
  "GET /graph/v1.0/me/transitiveMemberOf/microsoft.graph.directoryRole",
];

describe.each(engineMatrix(providers))("the apply and the plan's findings on %s against the %s sandbox", (provider, scenario) => {
  const t = useTestDatabase(provider);
  useSandboxScenario(fx, scenario);

  /** Plans and approves a cloud connect; returns an engine whose Microsoft calls `calls` records from now on. */
  async function approved() {
    const account = await ensureAccount(t.db, { actonAccountId: `acct-${Math.random().toString(36).slice(2)}`, name: "Contoso" });
    const calls = callLog();
    const engine = testEngine(t.db, fx, { call: { recorder: calls } });
    const started = await startRun(engine, {
      accountId: account.id,
      kind: "connect",
      options: { mode: "cloud", requestedBy: CONTOSO_ADMIN, environment: "Contoso Sales" },
      session: await signInAs(fx),
      actor,
    });
    if (!started.ok) throw new Error(`startRun failed: ${started.error.userMessage}`);
    const approval = await approveRun(engine, { runId: started.value.id, actor });
    expect(approval.ok).toBe(true);
    calls.calls.length = 0;
    return { engine, calls, runId: started.value.id, connectionId: started.value.connection.id };
  }

  const count = (calls: ReturnType<typeof callLog>, call: string) => calls.calls.filter((c) => `${c.method} ${c.path}` === call).length;
  /** The calls the drive made before its first write (the app's creation), in order. */
  const beforeFirstWrite = (calls: ReturnType<typeof callLog>) => {
    const first = calls.calls.findIndex((c) => c.method === "POST" && c.path === "/graph/v1.0/applications");
    expect(first).toBeGreaterThanOrEqual(0);
    return calls.calls.slice(0, first).map((c) => `${c.method} ${c.path.endsWith("/token") ? "token" : c.path}`);
  };
  const adminRoleReads = (calls: ReturnType<typeof callLog>) =>
    calls.calls.filter((c) => c.method === "GET" && c.path.endsWith("/systemuserroles_association")).length;

  async function storedFindings(runId: string): Promise<PlanFindings> {
    const run = await t.db.provisioningRun.findUniqueOrThrow({ where: { id: runId } });
    return (run.plan as unknown as Plan).findings!;
  }

  /** What the environment step records on the connection, whichever way it learned it. */
  async function environmentFacts(connectionId: string) {
    const c = await t.db.connection.findUniqueOrThrow({ where: { id: connectionId } });
    return { url: c.environmentUrl, name: c.environmentName, id: c.environmentId, tenant: c.tenantId, domain: c.tenantDomain };
  }

  it("a fresh approved run takes the plan's environment, permissions and tokens: no Discovery, role or WhoAmI re-reads", async () => {
    const { engine, calls, runId, connectionId } = await approved();
    // Pages never see who read what when.
    const view = await getRunView(t.db, runId, { viewer: { kind: "system" } });
    expect(view.ok && view.value.plan && "findings" in view.value.plan).toBe(false);

    const result = await driveRunWith(engine, runId);
    expect(result.status, runSummary(result)).toBe("succeeded");
    for (const read of RE_READS) expect(count(calls, read), read).toBe(0);
    expect(adminRoleReads(calls)).toBe(0);
    // Straight to the first write: the plan's Discovery and Dataverse tokens are reused; only the Graph token is asked
    // for again (MSAL finds no cached token for Graph's `/.default`: Microsoft answers with the scopes by name).
    expect(beforeFirstWrite(calls)).toEqual(["POST token"]);

    const steps = result.run!.steps;
    const findings = (result.run!.plan as Plan).findings!;
    expect(steps.find((s) => s.name === "environment")).toMatchObject({
      status: "succeeded",
      output: { ...findings.environment.output, checkedWhilePlanning: findings.readAt },
    });
    expect(steps.find((s) => s.name === "preconditions")).toMatchObject({
      status: "succeeded",
      output: { directoryRoles: ["Global Administrator"], checkedWhilePlanning: findings.readAt },
    });
    expect(await environmentFacts(connectionId)).toMatchObject({
      url: fx.environmentUrl("contoso-sales"),
      name: "Contoso Sales",
      tenant: TENANTS.contoso,
    });
  });

  it("a run resumed past the freshness window checks the environment and the admin's permissions again", async () => {
    const { engine, calls, runId, connectionId } = await approved();
    // The admin approved and the run waited (or its instance died) longer than the window before the first step ran.
    const findings = await storedFindings(runId);
    const run = await t.db.provisioningRun.findUniqueOrThrow({ where: { id: runId } });
    const stale = { ...findings, readAt: new Date(Date.now() - PLAN_FINDINGS_FRESH_MS - 60_000).toISOString() };
    await t.db.provisioningRun.update({ where: { id: runId }, data: { plan: { ...(run.plan as object), findings: stale } } });

    const result = await driveRunWith(engine, runId);
    expect(result.status, runSummary(result)).toBe("succeeded");
    for (const read of RE_READS) expect(count(calls, read), read).toBe(1);
    expect(adminRoleReads(calls)).toBe(1);
    expect(beforeFirstWrite(calls)).toEqual(expect.arrayContaining([...RE_READS, expect.stringMatching(/\/WhoAmI$/)]));
    const steps = result.run!.steps;
    expect(steps.find((s) => s.name === "environment")!.output).not.toHaveProperty("checkedWhilePlanning");
    expect(steps.find((s) => s.name === "environment")!.output).toMatchObject(findings.environment.output);
    expect(steps.find((s) => s.name === "preconditions")!.output).toEqual({ directoryRoles: ["Global Administrator"] });
    expect(await environmentFacts(connectionId)).toMatchObject({ url: fx.environmentUrl("contoso-sales"), tenant: TENANTS.contoso });
  });

  it("a retried step looks again, even within the window and as the same person", async () => {
    const { engine, calls, runId } = await approved();
    // The environment step failed on its own reads (say, Microsoft answered 503 past the budget) moments after approval.
    await t.db.provisioningStep.update({
      where: { runId_name: { runId, name: "environment" } },
      data: { status: "failed", attempts: 1, startedAt: new Date(), finishedAt: new Date(), errorCode: "upstream_unavailable" },
    });
    await t.db.provisioningRun.update({ where: { id: runId }, data: { status: "failed", finishedAt: new Date(), version: { increment: 1 } } });
    const retried = await retryRun(engine, { runId, actor, session: await signInAs(fx) });
    expect(retried.ok).toBe(true);
    expect(await storedFindings(runId)).toBeUndefined();
    calls.calls.length = 0;

    const result = await driveRunWith(engine, runId);
    expect(result.status, runSummary(result)).toBe("succeeded");
    for (const read of RE_READS) expect(count(calls, read), read).toBe(1);
    expect(adminRoleReads(calls)).toBe(1);
  });

  it("the plan's tokens never overwrite the sign-in of another person who signed in for the connection meanwhile", async () => {
    const { connectionId } = await approved();
    const planner = await signInAs(fx);
    await saveAdminSession(t.db, { connectionId, session: planner, keys: TEST_KEYS });
    await getAdminAccessToken(planner, "discovery", { config: fx.config });
    const colleague = await signInAs(fx, CONTOSO_USER);
    await saveAdminSession(t.db, { connectionId, session: colleague, keys: TEST_KEYS });

    await persistAdminSessionIfChanged(t.db, { connectionId, session: planner, keys: TEST_KEYS, sameAccountOnly: true });
    const stored = await loadAdminSession(t.db, { connectionId, keys: TEST_KEYS, config: fx.config });
    expect(stored?.homeAccountId).toBe(colleague.homeAccountId);
    expect(colleague.homeAccountId).not.toBe(planner.homeAccountId);
  });
});
