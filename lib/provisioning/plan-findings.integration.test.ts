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
import { runUntilCrash } from "@/test/support/crash-runner";
import type { EngineConfig } from "./config";
import { connectionObjects } from "@/test/support/sandbox-objects";

vi.setConfig({ testTimeout: 90_000 });
const providers = await providersUnderTest();
const fx: MicrosoftSandbox = useMicrosoftSandbox();
const actor = { type: "admin" as const, id: CONTOSO_ADMIN, tenantId: TENANTS.contoso };

/** The security role's calls, which the drive makes beside the Graph steps (prepared-role.ts). */
const ROLE_BRANCH = /\/roles(\(|$)/;
const DATAVERSE = "/dynamics/contoso-sales/api/data/v9.2";

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
   * Plans and approves a cloud connect (of `again.connectionId`'s connection, or a new one); returns an engine whose
   * Microsoft calls `calls` records from now on.
   */
  async function approved(
    again: { accountId?: string; connectionId?: string; role?: "leastPrivilege" | "systemAdministrator"; config?: Partial<EngineConfig> } = {},
  ) {
    const accountId =
      again.accountId ?? (await ensureAccount(t.db, { actonAccountId: `acct-${Math.random().toString(36).slice(2)}`, name: "Contoso" })).id;
    const calls = callLog();
    const engine = testEngine(t.db, fx, { call: { recorder: calls }, config: again.config });
    const started = await startRun(engine, {
      accountId,
      ...(again.connectionId ? { connectionId: again.connectionId } : {}),
      kind: "connect",
      options: { mode: "cloud", requestedBy: CONTOSO_ADMIN, environment: "Contoso Sales", ...(again.role ? { role: again.role } : {}) },
      session: await signInAs(fx),
      actor,
    });
    if (!started.ok) throw new Error(`startRun failed: ${started.error.userMessage}`);
    const approval = await approveRun(engine, { runId: started.value.id, actor });
    expect(approval.ok).toBe(true);
    calls.calls.length = 0;
    return { engine, calls, runId: started.value.id, connectionId: started.value.connection.id, accountId };
  }

  /** The lookups of what a run made moments ago: Dynamics CRM's principal and the new one's grants, the new app's keys. */
  const lookups = (calls: ReturnType<typeof callLog>) => ({
    servicePrincipals: count(calls, "GET /graph/v1.0/servicePrincipals"),
    grants: count(calls, "GET /graph/v1.0/oauth2PermissionGrants"),
    appKeys: calls.calls.filter((c) => c.method === "GET" && c.path.startsWith("/graph/v1.0/applications/")).length,
  });

  const count = (calls: ReturnType<typeof callLog>, call: string) => calls.calls.filter((c) => `${c.method} ${c.path}` === call).length;
  /** The calls the drive made before its first write (the app's creation), in order, beside the security role's. */
  const beforeFirstWrite = (calls: ReturnType<typeof callLog>) => {
    const first = calls.calls.findIndex((c) => c.method === "POST" && c.path === "/graph/v1.0/applications");
    expect(first).toBeGreaterThanOrEqual(0);
    return calls.calls
      .slice(0, first)
      .filter((c) => !ROLE_BRANCH.test(c.path))
      .map((c) => `${c.method} ${c.path.endsWith("/token") ? "token" : c.path}`);
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

  /** The applicationUser step's Dataverse reads and the role's calls, counted. */
  const dataverseCalls = (calls: ReturnType<typeof callLog>) => {
    const n = (method: string, path: RegExp, only?: "answered") =>
      calls.calls.filter((c) => c.method === method && path.test(c.path) && (!only || (c.status !== null && c.status < 300))).length;
    return {
      businessUnit: n("GET", /\/businessunits$/),
      privileges: n("GET", /\/privileges$/),
      userLookup: n("GET", /\/systemusers$/),
      userCreate: n("POST", /\/systemusers$/, "answered"),
      roleLookup: n("GET", /\/roles$/),
      roleCreate: n("POST", /\/roles$/, "answered"),
      rolePrivileges: n("GET", /\/RetrieveRolePrivilegesRole\(RoleId=@p1\)$/),
      addPrivileges: n("POST", /\.AddPrivilegesRole$/),
    };
  };
  /** Dataverse answers the next creation of `entitySet` with 503 (a write is not replayed). */
  const unavailableOnce = (entitySet: string) =>
    fx.control.addFault({
      service: "dataverse",
      method: "POST",
      path: `^${DATAVERSE.replace(/\./g, "\\.")}/${entitySet}$`,
      kind: "unavailable",
      remaining: 1,
    });
  const applicationUserStep = (result: Awaited<ReturnType<typeof driveRunWith>>) => result.run!.steps.find((s) => s.name === "applicationUser")!;

  it("a fresh approved run's applicationUser step takes the plan's business unit and privileges, and looks for no user of the app it just created", async () => {
    const { engine, calls, runId } = await approved();
    let atStepStart: string[] = [];
    engine.onEvent = (event) => {
      if (event.type === "stepStarted" && event.step === "applicationUser" && event.attempt === 1)
        atStepStart = calls.calls.map((c) => `${c.method} ${c.path}`);
    };
    const result = await driveRunWith(engine, runId);
    expect(result.status, runSummary(result)).toBe("succeeded");
    // The realistic world refuses a new app's user until Dataverse admits it: the attempts after the first read for
    // themselves.
    const later = applicationUserStep(result).attempts - 1;
    const counted = dataverseCalls(calls);
    expect(counted).toMatchObject({ businessUnit: later, userLookup: later, roleCreate: 1, addPrivileges: 1 });
    expect(counted.privileges > 0).toBe(later > 0);
    // The role made here has no privileges to read back; a later attempt finds the role and reads them.
    expect(counted.rolePrivileges).toBe(later);
    // The role's branch ran beside the Graph steps: its lookup had answered before the step began.
    expect(atStepStart).toContain(`GET ${DATAVERSE}/roles`);
    const output = applicationUserStep(result).output!;
    const findings = (result.run!.plan as Plan).findings!;
    expect(output).toMatchObject({
      businessUnitId: findings.dataverse!.rootBusinessUnit.businessUnitId,
      businessUnitName: findings.dataverse!.rootBusinessUnit.name,
    });
  });

  it("a retried applicationUser step reads the business unit, the privileges, its user and the role's privileges again", async () => {
    const { engine, calls, runId } = await approved({ config: { pollIntervalMs: 50 } });
    // Dataverse is briefly unavailable for the user's creation: the step tries again, and looks for itself.
    await unavailableOnce("systemusers");
    const result = await driveRunWith(engine, runId);
    expect(result.status, runSummary(result)).toBe("succeeded");
    const later = applicationUserStep(result).attempts - 1;
    expect(later).toBeGreaterThanOrEqual(1);
    const counted = dataverseCalls(calls);
    expect(counted).toMatchObject({ businessUnit: later, userLookup: later, rolePrivileges: later, roleCreate: 1, userCreate: 1 });
    expect(counted.privileges).toBeGreaterThan(0);
  });

  it("a run resumed after a crash right after its application user's creation looks for the user, and finds it", async () => {
    const LEASE_MS = 400;
    const { engine, calls, runId, connectionId } = await approved({ config: { leaseMs: LEASE_MS } });
    const crashed = await runUntilCrash({
      databaseUrl: t.url,
      runId,
      owner: "crashing",
      config: engine.config,
      afterCall: `POST ${DATAVERSE}/systemusers`,
    });
    expect(crashed.code, crashed.output).toBe(137);
    await new Promise((r) => setTimeout(r, LEASE_MS + 150));
    const result = await driveRunWith(engine, runId);
    expect(result.status, runSummary(result)).toBe("succeeded");
    const counted = dataverseCalls(calls);
    // The step's intent, recorded before the create, sends the resumed attempt looking: it finds the user made.
    expect(counted).toMatchObject({ userLookup: 1, userCreate: 0, roleCreate: 0, rolePrivileges: 1 });
    expect(counted.businessUnit).toBe(1);
    const state = await fx.control.getState();
    const env = state.environments.find((e) => e.urlName === "contoso-sales")!;
    const connection = await t.db.connection.findUniqueOrThrow({ where: { id: connectionId } });
    expect(env.systemUsers.filter((u) => u.applicationid === connection.clientId)).toHaveLength(1);
  });

  it("a re-run of an Active connection looks for the application user of the app it reuses, and reads the role's privileges", async () => {
    const first = await approved();
    expect((await driveRunWith(first.engine, first.runId)).status).toBe("succeeded");
    const { engine, calls, runId } = await approved({ accountId: first.accountId, connectionId: first.connectionId });
    const result = await driveRunWith(engine, runId);
    expect(result.status, runSummary(result)).toBe("succeeded");
    const attempts = applicationUserStep(result).attempts;
    const counted = dataverseCalls(calls);
    expect(counted).toMatchObject({ userLookup: attempts, userCreate: 0, roleCreate: 0, rolePrivileges: attempts });
  });

  it("a System Administrator run reads the business unit and looks for the user, as it always did", async () => {
    const { engine, calls, runId } = await approved({ role: "systemAdministrator" });
    const result = await driveRunWith(engine, runId);
    expect(result.status, runSummary(result)).toBe("succeeded");
    const attempts = applicationUserStep(result).attempts;
    expect(dataverseCalls(calls)).toMatchObject({ businessUnit: attempts, userLookup: attempts, roleCreate: 0, addPrivileges: 0 });
  });

  it("a security role that failed ahead of its step is made by the step itself, without failing it", async () => {
    const { engine, calls, runId } = await approved();
    // The drive's own creation of the role, beside the Graph steps, meets a 503 (a write is not replayed).
    await unavailableOnce("roles");
    const result = await driveRunWith(engine, runId);
    expect(result.status, runSummary(result)).toBe("succeeded");
    const creates = calls.calls.filter((c) => c.method === "POST" && c.path === `${DATAVERSE}/roles`).map((c) => c.status);
    expect(creates.map((status) => (status !== null && status < 300 ? "created" : status))).toEqual([503, "created"]);
    const step = applicationUserStep(result);
    expect(step).toMatchObject({ status: "succeeded", errorCode: null });
    // In the world without admission lag the step needed no second attempt: the failure ahead cost it none.
    if (scenario === "default") expect(step.attempts).toBe(1);
    await expectExactlyOneRole();
  });

  async function expectExactlyOneRole() {
    const env = (await fx.control.getState()).environments.find((e) => e.urlName === "contoso-sales")!;
    expect(env.roles.filter((r) => r.name === "Act-On Integration")).toHaveLength(1);
  }

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
