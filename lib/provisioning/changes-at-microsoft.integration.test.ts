/**
 * What the engine changes at Microsoft, end to end against the sandbox on SQLite and PostgreSQL: a planted app is
 * never adopted, the consent-page mode registers its redirect URI, least privilege removes System Administrator,
 * an environment without Dynamics 365 Sales still connects (with the missing features named), and a migration
 * always targets cloud OAuth.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ensureAccount } from "../domain/account/ensure-account";
import { createConnection } from "../domain/connection/create-connection";
import { STANDARD_PRIVILEGES } from "@/emulator/dataverse/privileges-catalog";
import { completeSignIn, FetchBrowser } from "@/emulator/testing/fetch-browser";
import { DATAVERSE_ROLE_TEMPLATES } from "../microsoft/constants";
import { createApplication, type GraphContext } from "../microsoft/graph";
import { getAdminToken } from "../microsoft/admin-session";
import { consentedScenario, CONTOSO_ADMIN, SANDBOX_PASSWORD, signInAs, TENANTS, useMicrosoftSandbox } from "@/test/support/microsoft-sandbox";
import { providersUnderTest, useTestDatabase } from "@/test/support/test-databases";
import { approveRun } from "./approve-run";
import { driveRunWith, type Engine } from "./engine";
import { LEAST_PRIVILEGE_ROLE_NAME } from "./least-privilege-role";
import type { RunView } from "../domain/run/run-view";
import { startRun, type StartRunInput } from "./start-run";
import { adminConsentUrl } from "./steps/admin-consent";
import { connectionTag } from "./steps/step-context";
import { testEngine } from "@/test/support/engine-fixture";
import { connectionObjects } from "@/test/support/sandbox-objects";

const providers = await providersUnderTest();
const fx = useMicrosoftSandbox();
const actor = { type: "admin" as const, id: CONTOSO_ADMIN, tenantId: TENANTS.contoso };

describe.each(providers)("what the engine changes at Microsoft, on %s", (provider) => {
  const t = useTestDatabase(provider);
  let engine: Engine;
  beforeAll(() => {
    engine = testEngine(t.db, fx);
  });

  const newAccount = () => ensureAccount(t.db, { actonAccountId: `acct-${Math.random().toString(36).slice(2)}`, name: "Contoso" });
  const salesUrl = () => fx.environmentUrl("contoso-sales");

  async function start(input: Omit<StartRunInput, "actor" | "accountId" | "session"> & { accountId?: string }) {
    const accountId = input.accountId ?? (await newAccount()).id;
    const started = await startRun(engine, { ...input, accountId, actor, session: await signInAs(fx) });
    if (!started.ok) throw new Error(`${started.error.code}: ${started.error.userMessage}`);
    return started.value;
  }

  async function approveAndDrive(view: RunView) {
    expect(view.plan?.blockers).toEqual([]);
    const approved = await approveRun(engine, { runId: view.id, actor });
    if (!approved.ok) throw new Error(approved.error.userMessage);
    return driveRunWith(engine, view.id);
  }

  const options = (over: Record<string, unknown> = {}) => ({
    mode: "cloud" as const,
    credential: "secret" as const,
    environment: "Contoso Sales",
    requestedBy: CONTOSO_ADMIN,
    ...over,
  });

  it("never adopts an app that carries the connection's tag but was not recorded by the portal", async () => {
    const account = await newAccount();
    const connection = await createConnection(t.db, { accountId: account.id, authMode: "cloud" });
    const session = await signInAs(fx);
    const graph: GraphContext = { baseUrl: fx.graphUrl, getToken: () => getAdminToken(session, "graph", { config: fx.config }) };
    // Anyone who can read the directory can copy the tag onto an app they registered.
    const planted = await createApplication(graph, { displayName: "Act-On Integration", tags: [connectionTag(connection.id)], legacy: false });

    const view = await start({ kind: "connect", accountId: account.id, connectionId: connection.id, options: options() });
    expect(view.plan?.notes.join(" ")).toContain(planted.appId);
    expect(view.plan?.steps.find((s) => s.step === "appRegistration")?.actions[0]).toMatchObject({ verb: "create" });
    const result = await approveAndDrive(view);
    expect(result.status).toBe("succeeded");

    const row = await t.db.connection.findUniqueOrThrow({ where: { id: connection.id } });
    expect(row.clientId).not.toBe(planted.appId);
    const state = await fx.control.getState();
    // The planted app got no service principal, no consent and no application user.
    expect(state.servicePrincipals.filter((sp) => sp.appId === planted.appId)).toEqual([]);
    expect(state.environments.flatMap((e) => e.systemUsers).filter((u) => u.applicationid === planted.appId)).toEqual([]);
    const ours = connectionObjects(state, connection.id);
    expect(ours.users.map((u) => u.applicationid)).toEqual([row.clientId]);
  }, 120_000);

  it("consent on Microsoft's page: the https redirect URI is registered on the app, and the page accepts it", async () => {
    const redirectUri = "https://portal.example.com/connect/consent-done";
    const view = await start({ kind: "connect", options: options({ consent: "redirect", consentRedirectUri: redirectUri }) });
    expect(JSON.stringify(view.plan)).toContain(redirectUri);
    const driving = approveAndDrive(view);

    // Wait for the app (with its service principal) to exist, then approve on the consent page as the admin would.
    let run = await t.db.provisioningRun.findUniqueOrThrow({ where: { id: view.id } });
    for (let i = 0; i < 200; i++) {
      const c = await t.db.connection.findUniqueOrThrow({ where: { id: run.connectionId } });
      const steps = await t.db.provisioningStep.findMany({ where: { runId: view.id } });
      if (c.clientId && c.tenantId && steps.some((s) => s.name === "adminConsent" && s.attempts > 0)) break;
      await new Promise((r) => setTimeout(r, 50));
      run = await t.db.provisioningRun.findUniqueOrThrow({ where: { id: view.id } });
    }
    const connection = await t.db.connection.findUniqueOrThrow({ where: { id: run.connectionId } });
    const state = await fx.control.getState();
    const app = state.applications.find((a) => a.appId === connection.clientId)!;
    expect(app.web.redirectUris).toContain(redirectUri);

    const url = adminConsentUrl({
      authorityHost: fx.origin,
      tenantId: TENANTS.contoso,
      clientId: connection.clientId!,
      environmentUrl: connection.environmentUrl!,
      redirectUri,
      state: view.id,
    });
    const browser = new FetchBrowser(fx.origin);
    const page = await completeSignIn(browser, await browser.go(url), { username: CONTOSO_ADMIN, password: SANDBOX_PASSWORD });
    const back = page.kind === "page" ? await completeSignIn(browser, page, { username: "", password: "", consent: "accept" }) : page;
    expect(back.kind).toBe("back-to-app");
    if (back.kind === "back-to-app") {
      expect(back.url.origin + back.url.pathname).toBe(redirectUri);
      expect(back.params).toMatchObject({ admin_consent: "True", state: view.id });
    }
    expect((await driving).status).toBe("succeeded");
  }, 120_000);

  it("choosing least privilege on a connection that had System Administrator takes System Administrator away", async () => {
    const account = await newAccount();
    const first = await start({ kind: "connect", accountId: account.id, options: options({ role: "systemAdministrator" }) });
    expect((await approveAndDrive(first)).status).toBe("succeeded");
    const connectionId = (await t.db.provisioningRun.findUniqueOrThrow({ where: { id: first.id } })).connectionId;
    const rolesOf = async () => {
      const { users, roleLinks, env } = connectionObjects(await fx.control.getState(), connectionId);
      expect(users).toHaveLength(1);
      return roleLinks.map((l) => env.roles.find((r) => r.roleid === l.roleid)!);
    };
    expect((await rolesOf()).map((r) => r.roletemplateid)).toContain(DATAVERSE_ROLE_TEMPLATES.systemAdministrator);

    const second = await start({ kind: "connect", accountId: account.id, connectionId, options: options({ role: "leastPrivilege" }) });
    const actions = second.plan?.steps.find((s) => s.step === "applicationUser")?.actions ?? [];
    expect(actions.some((a) => a.verb === "remove" && /System Administrator/.test(a.what))).toBe(true);
    expect((await approveAndDrive(second)).status).toBe("succeeded");
    expect((await rolesOf()).map((r) => r.name)).toEqual([LEAST_PRIVILEGE_ROLE_NAME]);
  }, 180_000);

  it("a reused “Act-On Integration” role with extra privileges: the plan names them for removal", async () => {
    // Someone made a role of that name and gave it more than Act-On needs.
    const world = consentedScenario();
    const env = world.environments.find((e) => e.urlName === "contoso-sales")!;
    const rootBu = env.businessUnits.find((b) => b.parentbusinessunitid === null)!;
    const extra = STANDARD_PRIVILEGES.find((p) => p.name === "prvDeleteAccount")!;
    env.roles.push({
      roleid: "6a000000-0000-4000-8000-0000000000aa",
      name: LEAST_PRIVILEGE_ROLE_NAME,
      businessunitid: rootBu.businessunitid,
      roletemplateid: null,
      ismanaged: false,
      allPrivileges: false,
      privileges: [{ privilegeid: extra.privilegeid, depth: "Global" }],
    });
    await fx.control.reset({ state: world });

    const view = await start({ kind: "connect", options: options() });
    const actions = view.plan?.steps.find((s) => s.step === "applicationUser")?.actions ?? [];
    expect(actions.find((a) => a.verb === "remove")?.privileges?.map((p) => p.name)).toEqual(["prvDeleteAccount"]);
    expect(actions.find((a) => a.verb === "update")?.privileges?.length).toBeGreaterThan(0);
  }, 180_000);

  it("an environment without Dynamics 365 Sales connects, and the plan names the Act-On features that will not work", async () => {
    const world = consentedScenario();
    const env = world.environments.find((e) => e.urlName === "contoso-sales")!;
    env.privileges = STANDARD_PRIVILEGES.filter((p) => !/(Lead|List)$/.test(p.name));
    await fx.control.reset({ state: world });

    const view = await start({ kind: "connect", options: options() });
    expect(view.plan?.blockers).toEqual([]);
    const notes = view.plan?.notes.join(" ") ?? "";
    expect(notes).toMatch(/Dynamics 365 Sales/);
    expect(notes).toMatch(/leads/i);
    expect(notes).toMatch(/marketing lists/i);
    expect((await approveAndDrive(view)).status).toBe("succeeded");
    const role = (await fx.control.getState()).environments
      .find((e) => e.urlName === "contoso-sales")!
      .roles.find((r) => r.name === LEAST_PRIVILEGE_ROLE_NAME)!;
    expect(role.privileges.length).toBeGreaterThan(0);
  }, 120_000);

  it("a migration always targets cloud OAuth", async () => {
    const account = await newAccount();
    const legacy = await createConnection(t.db, { accountId: account.id, authMode: "legacy", environmentUrl: salesUrl() });
    const refused = await startRun(engine, {
      kind: "migrate",
      accountId: account.id,
      connectionId: legacy.id,
      actor,
      session: await signInAs(fx),
      options: options({ mode: "legacy", integrationUsername: CONTOSO_ADMIN }),
    });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error.code).toBe("invalid_input");
    expect(await t.db.provisioningRun.count({ where: { connectionId: legacy.id } })).toBe(0);
  });
});
