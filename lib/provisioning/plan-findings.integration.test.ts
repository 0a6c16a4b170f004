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
import { connectionObjects } from "@/test/support/sandbox-objects";

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

  /**
   * Plans and approves a cloud connect (a re-run of `again`'s connection when given); returns an engine whose
   * Microsoft calls `calls` records from now on.
   */
  async function approved(again?: { accountId: string; connectionId: string }) {
    const account = again
      ? { id: again.accountId }
      : await ensureAccount(t.db, { actonAccountId: `acct-${Math.random().toString(36).slice(2)}`, name: "Contoso" });
    const calls = callLog();
    const engine = testEngine(t.db, fx, { call: { recorder: calls } });
    const started = await startRun(engine, {
      accountId: account.id,
      ...(again ? { connectionId: again.connectionId } : {}),
      kind: "connect",
      options: { mode: "cloud", requestedBy: CONTOSO_ADMIN, environment: "Contoso Sales" },
      session: await signInAs(fx),
      actor,
    });
    if (!started.ok) throw new Error(`startRun failed: ${started.error.userMessage}`);
    const approval = await approveRun(engine, { runId: started.value.id, actor });
    expect(approval.ok).toBe(true);
    calls.calls.length = 0;
    return { engine, calls, runId: started.value.id, connectionId: started.value.connection.id, accountId: account.id };
  }

  /** The lookups of what a run made moments ago: Dynamics CRM's principal and the new one's grants, the new app's keys. */
  const lookups = (calls: ReturnType<typeof callLog>) => ({
    servicePrincipals: count(calls, "GET /graph/v1.0/servicePrincipals"),
    grants: count(calls, "GET /graph/v1.0/oauth2PermissionGrants"),
    appKeys: calls.calls.filter((c) => c.method === "GET" && c.path.startsWith("/graph/v1.0/applications/")).length,
  });

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
    // Straight to the first write: the plan's Graph, Discovery and Dataverse tokens are all reused.
    expect(beforeFirstWrite(calls)).toEqual([]);

    const steps = result.run!.steps;
    const findings = (result.run!.plan as Plan).findings!;
    // What the run made moments ago is not looked up: Dynamics CRM's principal is the plan's, the new principal holds
    // no grant and the new app no certificate (the upload is the step's one call). The realistic world's lag makes
    // steps try again, and each later attempt looks, as it must.
    const attempts = (name: string) => steps.find((s) => s.name === name)!.attempts;
    expect(lookups(calls).grants).toBe(attempts("adminConsent") - 1);
    if (scenario === "default") expect(lookups(calls)).toEqual({ servicePrincipals: 0, grants: 0, appKeys: 0 });
    expect(steps.find((s) => s.name === "adminConsent")!.output).toMatchObject({ resourceSpId: findings.dynamicsPrincipalId, via: "graph" });
    expect(findings.dynamicsPrincipalId).toEqual(expect.any(String));
    const objects = connectionObjects(await fx.control.getState(), connectionId);
    expect([objects.grants.length, objects.certificates.length]).toEqual([1, 1]);
    expect(objects.grants[0].resourceId).toBe(findings.dynamicsPrincipalId);
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
    // Consent looks for Dynamics CRM's principal and the grants again (on each attempt in the realistic world's lag).
    const consent = result.run!.steps.find((s) => s.name === "adminConsent")!;
    expect(lookups(calls).grants).toBe(consent.attempts);
    if (scenario === "default") expect(lookups(calls)).toEqual({ servicePrincipals: 1, grants: 1, appKeys: 0 });
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
    expect(lookups(calls).grants).toBe(result.run!.steps.find((s) => s.name === "adminConsent")!.attempts);
  });

  it("a consent or certificate step's second attempt looks for what its first may have made", async () => {
    const { engine, calls, runId, connectionId } = await approved();
    // Each write's first try is refused (Microsoft's 503 leaves its outcome to be learnt), so each step tries again.
    await fx.control.addFault({
      service: "graph",
      method: "POST",
      path: "^/graph/v1\\.0/oauth2PermissionGrants$",
      kind: "unavailable",
      remaining: 1,
    });
    await fx.control.addFault({ service: "graph", method: "PATCH", path: "^/graph/v1\\.0/applications/[^/]+$", kind: "unavailable", remaining: 1 });
    const result = await driveRunWith(engine, runId);
    expect(result.status, runSummary(result)).toBe("succeeded");
    const steps = result.run!.steps;
    const consent = steps.find((s) => s.name === "adminConsent")!;
    const credential = steps.find((s) => s.name === "clientSecret")!;
    expect(consent.attempts).toBeGreaterThanOrEqual(2);
    expect(credential.attempts).toBeGreaterThanOrEqual(2);
    // The retried consent reads Dynamics CRM's principal and the grants; the retried upload reads the app's keys.
    expect(lookups(calls).grants).toBe(consent.attempts - 1);
    expect(lookups(calls).appKeys).toBe(credential.attempts - 1);
    if (scenario === "default") expect(lookups(calls)).toEqual({ servicePrincipals: 1, grants: 1, appKeys: 1 });
    const objects = connectionObjects(await fx.control.getState(), connectionId);
    expect([objects.grants.length, objects.certificates.length]).toEqual([1, 1]);
  });

  it("a re-run of an Active connection looks up the grants and certificates of the app it keeps", async () => {
    const first = await approved();
    expect((await driveRunWith(first.engine, first.runId)).status).toBe("succeeded");
    const { engine, calls, runId, connectionId } = await approved({ accountId: first.accountId, connectionId: first.connectionId });
    const result = await driveRunWith(engine, runId);
    expect(result.status, runSummary(result)).toBe("succeeded");
    expect(result.run!.steps.find((s) => s.name === "appRegistration")!.output).toMatchObject({ createdByRun: false });
    // The kept app's principal and Dynamics CRM's; the grants; the app's keys before the upload, and again when verify
    // removes the certificate the new one supersedes.
    expect(lookups(calls)).toEqual({ servicePrincipals: 2, grants: 1, appKeys: 2 });
    const objects = connectionObjects(await fx.control.getState(), connectionId);
    expect([objects.apps.length, objects.grants.length, objects.certificates.length]).toEqual([1, 1, 1]);
  });

  it("the app's token is asked for once the certificate is up, before verify starts, and verify signs in with it", async () => {
    const { engine, calls, runId } = await approved();
    let callsBeforeVerify = -1;
    engine.onEvent = (event) => {
      if (event.type === "stepStarted" && event.step === "verify" && callsBeforeVerify < 0) callsBeforeVerify = calls.calls.length;
    };
    const result = await driveRunWith(engine, runId);
    expect(result.status, runSummary(result)).toBe("succeeded");
    const tokens = calls.calls.flatMap((c, i) => (c.method === "POST" && c.path.endsWith("/token") ? [i] : []));
    expect(tokens[0]).toBeLessThan(callsBeforeVerify);
    // The drive asks for one token, the app's (the admin's are the plan's), and verify takes it. In the realistic
    // world Entra refuses a certificate seconds old (admission lag): verify then asks again itself, as it always did.
    if (scenario === "default") expect(tokens).toHaveLength(1);
  });

  it("a prepared app token that failed is only a miss: verify asks Entra itself and the run succeeds", async () => {
    const { engine, calls, runId } = await approved();
    let callsBeforeVerify = -1;
    engine.onEvent = async (event) => {
      // The next token request is the one prepared for verify: Entra's answer to it is a redirect no client follows.
      if (event.type === "stepStarted" && event.step === "clientSecret") {
        await fx.control.addFault({
          service: "identity",
          method: "POST",
          path: "^/[^/]+/oauth2/v2\\.0/token$",
          kind: "redirect",
          redirectStatus: 302,
          location: "https://attacker.example/token",
          remaining: 1,
        });
      }
      if (event.type === "stepStarted" && event.step === "verify" && callsBeforeVerify < 0) callsBeforeVerify = calls.calls.length;
    };
    const result = await driveRunWith(engine, runId);
    expect(result.status, runSummary(result)).toBe("succeeded");
    const tokens = calls.calls.filter((c) => c.method === "POST" && c.path.endsWith("/token"));
    expect(tokens[0].status).toBe(302);
    expect(calls.calls.indexOf(tokens[0])).toBeLessThan(callsBeforeVerify);
    expect(tokens.at(-1)!.status).toBe(200);
    expect(calls.calls.indexOf(tokens.at(-1)!)).toBeGreaterThan(callsBeforeVerify);
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
