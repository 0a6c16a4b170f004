/**
 * Connector mode end to end against the sandbox: Act-On's own multi-tenant "Act-On Connector" app (in actoncorp)
 * consented into Contoso. Before consent Microsoft does not know the app in Contoso (AADSTS700016); a connector run
 * makes no app registration and no credential there, only the connector's service principal and one application user
 * for its app id; the portal mints Dataverse tokens for the connection with Act-On's certificate, which the sandbox's
 * Dataverse accepts; the credentials route hands out nothing; a disconnect disables the application user.
 */
import { beforeAll, describe, expect, it, vi } from "vitest";
import { decodeJwt } from "jose";
import { TEST_KEYS, testEngine } from "@/test/support/engine-fixture";
import { startApprovedContosoRun } from "@/test/support/hand-made-setup";
import { CONTOSO_ADMIN, sandboxActonConnector, signInAs, TENANTS, useMicrosoftSandbox } from "@/test/support/microsoft-sandbox";
import { providersUnderTest, useTestDatabase } from "@/test/support/test-databases";
import { ACTON_SERVICES, ENVIRONMENTS } from "@/emulator/scenarios/ids";
import { postToken } from "@/emulator/testing/raw-oauth";
import type { ApiCaller } from "../api-auth/app-roles";
import { mintConnectionAccessToken } from "../connections/mint-connection-access-token";
import { readConnectionCredentials } from "../connections/read-connection-credentials";
import { probeConnection } from "../health/probe-connection";
import { buildClientAssertion } from "../microsoft/client-assertion";
import { whoAmI } from "../microsoft/dataverse";
import { ensureAccount } from "../domain/account/ensure-account";
import type { ActonConnectorIdentity } from "../microsoft/identity-config";
import { approveRun } from "./approve-run";
import { driveRunWith, type Engine } from "./engine";
import { startDisconnect } from "./start-disconnect";
import { startRun } from "./start-run";
import { startVerification } from "./start-verification";
import { getRunView } from "./get-run-view";
import { getAdminToken } from "../microsoft/admin-session";
import { createServicePrincipal, deleteServicePrincipal, ensurePermissionGrant, findDataverseServicePrincipal } from "../microsoft/graph";

vi.setConfig({ testTimeout: 90_000 });
const providers = await providersUnderTest();
const fx = useMicrosoftSandbox();
const CONNECTOR_APP_ID = ACTON_SERVICES.connector.appId;
const caller: ApiCaller = {
  kind: "service",
  objectId: ACTON_SERVICES.connector.spId,
  tenantId: "10000000-0000-4000-8000-000000000002",
  name: "Act-On Connector",
  roles: ["Connections.Token", "Connections.Credentials.Read"],
};

/** A client-credentials request for Dataverse in Contoso as the connector, signed with Act-On's certificate. */
async function connectorTokenRequest(connector: ActonConnectorIdentity) {
  const tokenEndpoint = `${fx.origin}/${TENANTS.contoso}/oauth2/v2.0/token`;
  const assertion = await buildClientAssertion({ ...connector.certificate, now: new Date(), clientId: CONNECTOR_APP_ID, tokenEndpoint });
  return postToken(fx.origin, TENANTS.contoso, {
    grant_type: "client_credentials",
    client_id: CONNECTOR_APP_ID,
    client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    client_assertion: assertion,
    scope: `${fx.environmentUrl(ENVIRONMENTS.contosoSales.urlName)}/.default`,
  });
}

describe("the sandbox's Act-On Connector", () => {
  it("is unknown in Contoso before its admin consents: a token request answers AADSTS700016, as Microsoft does", async () => {
    const res = await connectorTokenRequest(sandboxActonConnector(fx));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: "unauthorized_client", error_codes: [700016] });
    expect(String(res.body.error_description)).toMatch(
      /^AADSTS700016: Application with identifier '31000000-0000-4000-8000-000000000002' was not found in the directory 'contoso.onmicrosoft.com'/,
    );
  });
});

describe.each(providers)("connector mode on %s", (provider) => {
  const t = useTestDatabase(provider);
  let engine: Engine;
  let connector: ActonConnectorIdentity;
  beforeAll(() => {
    connector = sandboxActonConnector(fx);
    engine = testEngine(t.db, fx, { config: { identity: { ...fx.config, actonConnector: connector } } });
  });

  it("is the default when configured: no app registration or credential in Contoso, the connector's service principal, one application user; tokens for Act-On", async () => {
    const started = await startApprovedContosoRun(t.db, engine, fx, undefined, null);
    expect(started.steps.map((s) => s.name)).toEqual(["environment", "preconditions", "adminConsent", "applicationUser", "verify"]);
    const actions = started.plan!.steps.flatMap((s) => s.actions.map((a) => a.what)).join("\n");
    expect(actions).toContain(`Approve the Act-On Connector, Act-On's own app (client id ${CONNECTOR_APP_ID}), for your organization`);
    expect(started.plan!.notes.join("\n")).toContain("Nothing needs rotating");
    expect(actions).not.toMatch(/App registration|client secret|certificate valid/);
    const run = await driveRunWith(engine, started.id);
    expect(run.status).toBe("succeeded");

    const connectionId = started.connection.id;
    const connection = await t.db.connection.findUniqueOrThrow({ where: { id: connectionId } });
    expect(connection).toMatchObject({
      status: "active",
      credentialMode: "connector",
      clientId: CONNECTOR_APP_ID,
      applicationObjectId: null,
      secretExpiresAt: null,
    });
    expect(await t.db.secret.count({ where: { connectionId, kind: { in: ["clientSecret", "certificateKey"] } } })).toBe(0);

    const state = await fx.control.getState();
    expect(state.applications.filter((a) => a.tenantId === TENANTS.contoso && a.displayName === "Act-On Integration")).toEqual([]);
    const sps = state.servicePrincipals.filter((sp) => sp.tenantId === TENANTS.contoso && sp.appId === CONNECTOR_APP_ID);
    expect(sps).toHaveLength(1);
    expect(connection.servicePrincipalId).toBe(sps[0].id);
    const env = state.environments.find((e) => e.urlName === ENVIRONMENTS.contosoSales.urlName)!;
    const users = env.systemUsers.filter((u) => u.applicationid === CONNECTOR_APP_ID);
    expect(users).toHaveLength(1);
    expect(users[0].systemuserid).toBe(connection.applicationUserId);

    // The connector's token for Contoso, minted with Act-On's certificate: Dataverse accepts it as the application user.
    const minted = await mintConnectionAccessToken({ db: t.db, keys: TEST_KEYS, identity: engine.config.identity }, { connectionId, caller });
    if (!minted.ok) throw new Error(minted.error.userMessage);
    expect(decodeJwt(minted.value.accessToken)).toMatchObject({ appid: CONNECTOR_APP_ID, tid: TENANTS.contoso });
    const me = await whoAmI({ environmentUrl: connection.environmentUrl!, getToken: async () => minted.value.accessToken });
    expect(me.userId.toLowerCase()).toBe(connection.applicationUserId!.toLowerCase());
    // Without the connector's configuration the portal has nothing to mint with, and says so.
    const unconfigured = await mintConnectionAccessToken({ db: t.db, keys: TEST_KEYS, identity: fx.config }, { connectionId, caller });
    expect(unconfigured).toMatchObject({ ok: false, error: { code: "conflict" } });

    const handed = await readConnectionCredentials(t.db, { connectionId, caller, keys: TEST_KEYS });
    expect(handed).toMatchObject({ ok: false, error: { code: "conflict" } });
    if (!handed.ok) expect(handed.error.userMessage).toMatch(/stores no credential for it.*access-tokens/);

    const probed = await probeConnection({ db: t.db, config: engine.config, call: engine.call }, { connectionId });
    expect(probed).toMatchObject({ ok: true, value: { ok: true, state: "healthy" } });

    // The connector's enterprise application removed in Entra: Microsoft no longer knows the app there (AADSTS700016).
    const session = await signInAs(fx);
    const graph = { baseUrl: fx.graphUrl, getToken: () => getAdminToken(session, "graph", { config: fx.config }) };
    await deleteServicePrincipal(graph, { objectId: connection.servicePrincipalId!, appId: CONNECTOR_APP_ID, tenantId: TENANTS.contoso });
    const revoked = await probeConnection({ db: t.db, config: engine.config, call: engine.call }, { connectionId });
    expect(revoked).toMatchObject({ ok: true, value: { ok: false, cause: "consent_revoked" } });
    // Consented again (as a repair would), it works again.
    await createServicePrincipal(graph, { appId: CONNECTOR_APP_ID });

    // A re-check (no admin sign-in) signs in as the connector too, and the connection stays Active.
    const recheck = await startVerification(engine, { connectionId, actor: { type: "support", id: "support@acton" } });
    if (!recheck.ok) throw new Error(recheck.error.userMessage);
    expect((await driveRunWith(engine, recheck.value.runId)).status).toBe("succeeded");
    expect(await t.db.connection.findUniqueOrThrow({ where: { id: connectionId } })).toMatchObject({ status: "active", credentialMode: "connector" });

    // Disconnect: the application user is always disabled; asked to, the connector's enterprise application goes too.
    const actor = { type: "admin" as const, id: CONTOSO_ADMIN, tenantId: TENANTS.contoso };
    const disconnect = await startDisconnect(engine, {
      connectionId,
      scope: { removeApplicationUser: false, deleteAppRegistration: true },
      session: await signInAs(fx),
      actor,
    });
    if (!disconnect.ok) throw new Error(disconnect.error.userMessage);
    expect(disconnect.value.steps.map((s) => s.name)).toEqual(["revokeSecrets", "removeApplicationUser", "deleteAppRegistration"]);
    expect(disconnect.value.plan!.steps.find((s) => s.step === "deleteAppRegistration")?.label).toBe(
      "Remove the Act-On Connector from your organization",
    );
    if (!(await approveRun(engine, { runId: disconnect.value.id, actor })).ok) throw new Error("approve failed");
    expect((await driveRunWith(engine, disconnect.value.id)).status).toBe("succeeded");
    const after = await fx.control.getState();
    expect(after.servicePrincipals.filter((sp) => sp.tenantId === TENANTS.contoso && sp.appId === CONNECTOR_APP_ID)).toEqual([]);
    const user = after.environments
      .find((e) => e.urlName === ENVIRONMENTS.contosoSales.urlName)!
      .systemUsers.find((u) => u.applicationid === CONNECTOR_APP_ID);
    expect(user?.isdisabled).toBe(true);
    // Act-On's own app in its own tenant is untouched.
    expect(
      after.applications.some((a) => a.appId === CONNECTOR_APP_ID && a.tenantId === TENANTS.actoncorp && (a.keyCredentials ?? []).length === 1),
    ).toBe(true);
  });

  it("approved on Microsoft's consent page instead: the step waits with the connector's consent URL, then goes on", async () => {
    const waiting = testEngine(t.db, fx, { config: { identity: { ...fx.config, actonConnector: connector }, maxInlineWaitMs: 0 } });
    const account = await ensureAccount(t.db, { actonAccountId: `acct-consent-page-${Date.now()}`, name: "Contoso" });
    const actor = { type: "admin" as const, id: CONTOSO_ADMIN, tenantId: TENANTS.contoso };
    const started = await startRun(waiting, {
      accountId: account.id,
      kind: "connect",
      options: {
        mode: "cloud",
        environment: "Contoso Sales",
        requestedBy: CONTOSO_ADMIN,
        consent: "redirect",
        consentRedirectUri: "https://portal.example.com/consent/done",
      },
      session: await signInAs(fx),
      actor,
    });
    if (!started.ok) throw new Error(started.error.userMessage);
    expect(started.value.plan!.steps.find((s) => s.step === "adminConsent")!.actions[0].what).toMatch(/^You approve the Act-On Connector/);
    expect((await approveRun(waiting, { runId: started.value.id, actor })).ok).toBe(true);
    expect((await driveRunWith(waiting, started.value.id)).status).toBe("waiting");
    const view = await getRunView(t.db, started.value.id, { viewer: { kind: "system" } });
    if (!view.ok) throw new Error(view.error.userMessage);
    const consent = view.value.steps.find((s) => s.name === "adminConsent")!;
    expect(consent).toMatchObject({ status: "waiting", error: { code: "consent_required" } });
    const url = new URL(consent.action?.kind === "adminConsent" ? consent.action.url : "https://missing.example");
    expect(url.pathname).toBe(`/${TENANTS.contoso}/v2.0/adminconsent`);
    expect(url.searchParams.get("client_id")).toBe(CONNECTOR_APP_ID);
    expect(url.searchParams.get("scope")).toBe(`${fx.environmentUrl(ENVIRONMENTS.contosoSales.urlName)}/user_impersonation`);

    // What Microsoft's consent page makes: the connector's service principal in Contoso and its grant (here, as the admin).
    const session = await signInAs(fx);
    const graph = { baseUrl: fx.graphUrl, getToken: () => getAdminToken(session, "graph", { config: fx.config }) };
    const sp = await createServicePrincipal(graph, { appId: CONNECTOR_APP_ID });
    await ensurePermissionGrant(graph, {
      clientSpId: sp.objectId,
      resourceSpId: (await findDataverseServicePrincipal(graph))!.objectId,
      scope: "user_impersonation",
    });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect((await driveRunWith(engine, started.value.id)).status).toBe("succeeded");
    expect(await t.db.connection.findUniqueOrThrow({ where: { id: started.value.connection.id } })).toMatchObject({
      status: "active",
      credentialMode: "connector",
      servicePrincipalId: sp.objectId,
    });
  });

  it("a portal without the connector refuses --credential connector before storing anything", async () => {
    const plain = testEngine(t.db, fx);
    const account = await ensureAccount(t.db, { actonAccountId: "acct-no-connector", name: "Contoso" });
    const refused = await startRun(plain, {
      accountId: account.id,
      kind: "connect",
      options: { mode: "cloud", environment: "Contoso Sales", requestedBy: CONTOSO_ADMIN, credential: "connector" },
      session: await signInAs(fx),
      actor: { type: "admin", id: CONTOSO_ADMIN, tenantId: TENANTS.contoso },
    });
    expect(refused).toMatchObject({ ok: false, error: { code: "invalid_input" } });
    if (!refused.ok) expect(refused.error.userMessage).toMatch(/Act-On Connector is not configured on this portal/);
    expect(await t.db.connection.count({ where: { accountId: account.id } })).toBe(0);
  });
});
