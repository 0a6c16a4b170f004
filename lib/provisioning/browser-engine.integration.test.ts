/**
 * What the engine gives the browser journey, on SQLite and PostgreSQL against the sandbox: approvals and
 * retries start at once in a bounded pool where a waiting run frees its slot; a step waiting for a person is a typed
 * action that spends no retry budget; views take the viewer; the support read model follows every change; the
 * connection's status before a run is a typed column; token requests stop with the run's lease.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { ensureAccount } from "../domain/account/ensure-account";
import { getConnectionView } from "../connections/get-connection-view";
import { DYNAMICS_USER_IMPERSONATION } from "../microsoft/constants";
import { ensurePermissionGrant, findDataverseServicePrincipal } from "../microsoft/graph";
import { getAdminToken } from "../microsoft/admin-session";
import { getAppToken } from "../microsoft/app-tokens";
import { callLog, CONTOSO_ADMIN, FAST_RETRY, signInAs, TENANTS, useMicrosoftSandbox } from "@/test/support/microsoft-sandbox";
import { providersUnderTest, useTestDatabase } from "@/test/support/test-databases";
import { approveRun } from "./approve-run";
import { driveRunWith } from "./engine";
import { getRunView } from "./get-run-view";
import { retryRun } from "./retry-run";
import { createRunPool } from "./run-pool";
import { startRun, type StartRunInput } from "./start-run";
import { loadRun } from "../domain/run/run-store";
import { testEngine } from "@/test/support/engine-fixture";

// Whole runs against the sandbox on a shared two-core machine: allow more than the default 30 s.
vi.setConfig({ testTimeout: 90_000 });
const providers = await providersUnderTest();
const fx = useMicrosoftSandbox();
const actor = { type: "admin" as const, id: CONTOSO_ADMIN, tenantId: TENANTS.contoso };

describe.each(providers)("the engine for a browser on %s", (provider) => {
  const t = useTestDatabase(provider);
  const account = () => ensureAccount(t.db, { actonAccountId: `acct-${Math.random().toString(36).slice(2)}`, name: "Contoso" });
  const cloud = (over: Partial<StartRunInput["options"]> = {}): StartRunInput["options"] => ({
    mode: "cloud",
    credential: "secret",
    environment: "Contoso Sales",
    requestedBy: CONTOSO_ADMIN,
    ...over,
  });

  async function start(engine: ReturnType<typeof testEngine>, accountId: string, over: Partial<StartRunInput> = {}) {
    const started = await startRun(engine, { accountId, kind: "connect", options: cloud(), session: await signInAs(fx), actor, ...over });
    if (!started.ok) throw new Error(started.error.userMessage);
    return started.value;
  }

  it("starts an approved run at once in the pool, and a run that must wait frees its slot for another", async () => {
    // One slot; Microsoft throttles the first app creation for 2 s, and the call settings do not wait it out inline.
    const base = testEngine(t.db, fx, { call: { retry: { ...FAST_RETRY, maxAttempts: 1 } } });
    const finished: Record<string, number> = {};
    const pool = createRunPool(base, { size: 1, onDriven: (runId, r) => r.status === "succeeded" && (finished[runId] = Date.now()) });
    const engine = { ...base, wake: pool.wake };
    await fx.control.addFault({
      service: "graph",
      method: "POST",
      path: "^/graph/v1\\.0/applications$",
      kind: "throttle",
      retryAfterSeconds: 2,
      remaining: 1,
    });
    const a = await start(engine, (await account()).id);
    const b = await start(engine, (await account()).id);
    expect((await approveRun(engine, { runId: a.id, actor })).ok).toBe(true);
    expect((await approveRun(engine, { runId: b.id, actor })).ok).toBe(true);
    // Nobody calls driveRunWith: the approvals woke both runs.
    await pool.idle();
    pool.close();
    expect((await loadRun(t.db, a.id))!.status).toBe("succeeded");
    expect((await loadRun(t.db, b.id))!.status).toBe("succeeded");
    // B ran while A waited out the throttling: with A sleeping in its slot, B could only have finished after A.
    expect(finished[b.id]).toBeLessThan(finished[a.id]);
  });

  it("a step waiting for the admin's consent shows a typed action, spends no retry budget, and goes on once consent is given", async () => {
    const engine = testEngine(t.db, fx, { config: { budget: { stepBudgetMs: 20_000, maxAttempts: 2 }, maxInlineWaitMs: 0 } });
    const { id: accountId } = await account();
    const run = await start(engine, accountId, {
      options: cloud({ consent: "redirect", consentRedirectUri: "https://portal.example.com/consent/done" }),
    });
    expect((await approveRun(engine, { runId: run.id, actor })).ok).toBe(true);
    // Five looks at the consent (more than the two attempts the budget allows a replication wait): still waiting.
    for (let i = 0; i < 5; i++) {
      const r = await driveRunWith(engine, run.id);
      expect(r.status).toBe("waiting");
      await new Promise((resolve) => setTimeout(resolve, 60));
    }
    const view = await getRunView(t.db, run.id, { viewer: { kind: "account", accountId } });
    if (!view.ok) throw new Error(view.error.userMessage);
    const consent = view.value.steps.find((s) => s.name === "adminConsent")!;
    // Each look at the consent starts a fresh streak: the budget of two attempts is never spent.
    expect(consent).toMatchObject({ status: "waiting", attempts: 0, error: { code: "consent_required" } });
    expect(consent.action?.kind).toBe("adminConsent");
    const url = new URL(consent.action!.kind === "adminConsent" ? consent.action!.url : "");
    expect(url.pathname).toBe(`/${TENANTS.contoso}/v2.0/adminconsent`);
    expect(url.searchParams.get("redirect_uri")).toBe("https://portal.example.com/consent/done");
    expect(consent.waitingFor).not.toContain("http");
    const connection = await t.db.connection.findUniqueOrThrow({ where: { id: run.connection.id } });
    expect(connection).toMatchObject({
      status: "actionRequired",
      failingStep: "adminConsent",
      failingErrorCode: "consent_required",
      currentRunId: run.id,
    });

    // The admin approves on Microsoft's page (here: the same grant, made as the admin).
    const session = await signInAs(fx);
    const graph = { baseUrl: fx.graphUrl, getToken: () => getAdminToken(session, "graph", { config: fx.config }) };
    const dynamics = (await findDataverseServicePrincipal(graph))!;
    await ensurePermissionGrant(graph, {
      clientSpId: connection.servicePrincipalId!,
      resourceSpId: dynamics.objectId,
      scope: DYNAMICS_USER_IMPERSONATION,
    });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect((await driveRunWith({ ...engine, config: { ...engine.config, maxInlineWaitMs: 10_000 } }, run.id)).status).toBe("succeeded");
    const after = await getRunView(t.db, run.id, { viewer: { kind: "system" } });
    expect(after.ok && after.value.steps.find((s) => s.name === "adminConsent")!.action).toBeNull();
    expect(await t.db.connection.findUniqueOrThrow({ where: { id: run.connection.id } })).toMatchObject({
      status: "active",
      failingStep: null,
      failingErrorCode: null,
      currentRunId: null,
    });
  });

  it("an account reads only its own runs and connections; the connection view has the latest run and sync options", async () => {
    const engine = testEngine(t.db, fx);
    const mine = await account();
    const theirs = await account();
    const run = await start(engine, mine.id);
    await t.db.connection.update({ where: { id: run.connection.id }, data: { syncOptions: { leads: true, schedule: "every4h" } } });

    const own = await getConnectionView(t.db, run.connection.id, { viewer: { kind: "account", accountId: mine.id } });
    expect(own.ok && own.value).toMatchObject({
      connection: { id: run.connection.id, accountId: mine.id, status: "draft" },
      latestRun: { id: run.id, status: "awaitingApproval" },
      syncOptions: { leads: true, schedule: "every4h" },
    });
    const foreignConnection = await getConnectionView(t.db, run.connection.id, { viewer: { kind: "account", accountId: theirs.id } });
    const foreignRun = await getRunView(t.db, run.id, { viewer: { kind: "account", accountId: theirs.id } });
    const unknown = await getRunView(t.db, "no-such-run", { viewer: { kind: "account", accountId: theirs.id } });
    // Another account's ids are answered exactly like ids that do not exist.
    expect(foreignConnection.ok === false && foreignConnection.error.code).toBe("not_found");
    expect(foreignRun.ok === false && foreignRun.error).toEqual(unknown.ok === false && unknown.error);
    expect((await getRunView(t.db, run.id, { viewer: { kind: "support" } })).ok).toBe(true);
  });

  it("keeps the support read model: the failing step and code, the run in charge, when the status changed", async () => {
    const engine = testEngine(t.db, fx, { config: { budget: { stepBudgetMs: 20_000, maxAttempts: 1 } } });
    const { id: accountId } = await account();
    const run = await start(engine, accountId);
    await approveRun(engine, { runId: run.id, actor });
    const approved = await t.db.connection.findUniqueOrThrow({ where: { id: run.connection.id } });
    expect(approved).toMatchObject({ status: "provisioning", currentRunId: run.id, failingStep: null });
    expect(approved.statusChangedAt).toBeInstanceOf(Date);

    await fx.control.addFault({
      service: "graph",
      method: "POST",
      path: "^/graph/v1\\.0/applications/[^/]+/addPassword$",
      kind: "unavailable",
      remaining: 20,
    });
    expect((await driveRunWith(engine, run.id)).status).toBe("failed");
    const failed = await t.db.connection.findUniqueOrThrow({ where: { id: run.connection.id } });
    expect(failed).toMatchObject({ status: "failed", currentRunId: run.id, failingStep: "clientSecret", failingErrorCode: "upstream_unavailable" });
    expect(failed.statusChangedAt!.getTime()).toBeGreaterThanOrEqual(approved.statusChangedAt!.getTime());

    await fx.control.clearFaults();
    expect((await retryRun(engine, { runId: run.id, actor, session: await signInAs(fx) })).ok).toBe(true);
    expect(await t.db.connection.findUniqueOrThrow({ where: { id: run.connection.id } })).toMatchObject({
      status: "provisioning",
      failingStep: null,
    });
    expect((await driveRunWith(engine, run.id)).status).toBe("succeeded");
    expect(await t.db.connection.findUniqueOrThrow({ where: { id: run.connection.id } })).toMatchObject({
      status: "active",
      currentRunId: null,
      failingStep: null,
      failingErrorCode: null,
    });
  });

  it("records the connection's status before a run as a column; a run that never went through approval does not fail an Active connection", async () => {
    const engine = testEngine(t.db, fx, { config: { budget: { stepBudgetMs: 20_000, maxAttempts: 1 } } });
    const { id: accountId } = await account();
    const first = await start(engine, accountId);
    await approveRun(engine, { runId: first.id, actor });
    expect((await driveRunWith(engine, first.id)).status).toBe("succeeded");

    const again = await start(engine, accountId, { connectionId: first.connection.id });
    const row = await t.db.provisioningRun.findUniqueOrThrow({ where: { id: again.id } });
    expect(row.connectionStatusBefore).toBe("active");
    expect(row.options).not.toHaveProperty("connectionStatusBefore");
    // Made due without an approval (as a run written by an older instance, or by hand, could be).
    await t.db.provisioningRun.update({ where: { id: again.id }, data: { status: "pending" } });
    await fx.control.addFault({
      service: "graph",
      method: "POST",
      path: "^/graph/v1\\.0/applications/[^/]+/addPassword$",
      kind: "unavailable",
      remaining: 20,
    });
    expect((await driveRunWith(engine, again.id)).status).toBe("failed");
    expect((await t.db.connection.findUniqueOrThrow({ where: { id: first.connection.id } })).status).toBe("active");
  });

  it("a token request stops retrying when the run's lease signal aborts", async () => {
    // The token endpoint keeps answering 503; the lease is lost 300 ms in.
    await fx.control.addFault({ service: "identity", method: "POST", path: "^/[^/]+/oauth2/v2\\.0/token$", kind: "unavailable", remaining: 1000 });
    const calls = callLog();
    const lease = new AbortController();
    setTimeout(() => lease.abort(new Error("provisioning: lease lost")), 300);
    const started = Date.now();
    await expect(
      getAppToken({
        config: fx.config,
        tenantId: TENANTS.contoso,
        // A client of its own: MSAL remembers a throttled client for a while.
        clientId: randomUUID(),
        clientSecret: "not-a-real-secret",
        resource: "graph",
        recorder: calls,
        retry: { maxAttempts: 50, baseDelayMs: 200, maxDelayMs: 200, totalBudgetMs: 20_000 },
        signal: lease.signal,
      }),
    ).rejects.toThrow(/lease lost/);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(calls.calls.filter((c) => c.service === "identity").length).toBeLessThan(6);
  });
});
