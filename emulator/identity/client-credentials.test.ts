/**
 * client_credentials as the portal's provisioning verifies an app (contract §6 step 8), with two clients we did not
 * write: @azure/msal-node's ConfidentialClientApplication and @azure/identity's ClientSecretCredential. Every
 * documented failure is asserted with its real AADSTS code and HTTP status.
 */
import { Agent } from "node:https";
import { ClientSecretCredential } from "@azure/identity";
import { ConfidentialClientApplication } from "@azure/msal-node";
import { describe, expect, it } from "vitest";
import type { Application, SandboxState } from "../core/state";
import { verifyAccessToken } from "../core/tokens";
import { DYNAMICS_CRM_APP_ID, GRAPH_APP_ID } from "../graph/first-party";
import { buildDefaultScenario, sha256Hex } from "../scenarios/default";
import { PORTAL_APP, PORTAL_APP_SECRET, SERVICE_PRINCIPALS, TENANTS } from "../scenarios/ids";
import { useSandbox } from "@/test/support/sandbox";
import { decodeJwt, postToken, postTokenPooled } from "../testing/raw-oauth";
import { contosoApplicationDefaults } from "../testing/contoso-application";

const sb = useSandbox();
const silentLogger = { loggerCallback: () => undefined, piiLoggingEnabled: false };

const CONNECTOR = {
  appId: "39000000-0000-4000-8000-000000000001",
  objectId: "38000000-0000-4000-8000-000000000001",
  spId: "48000000-0000-4000-8000-000000000001",
  secret: "Cn8Q~contoso-connector-secret",
};
const ROLE_APP_RW = "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9";

/** A single-tenant app in Contoso, as the portal creates it, with an SP, a secret and Graph Application.ReadWrite.All. */
function connectorApp(overrides: Partial<Application> = {}): Application {
  return {
    id: CONNECTOR.objectId,
    appId: CONNECTOR.appId,
    ...contosoApplicationDefaults(),
    displayName: "Act-On Dynamics Connector (contoso)",
    passwordCredentials: [
      {
        keyId: "37000000-0000-4000-8000-000000000001",
        displayName: "ok",
        hint: "Cn8",
        startDateTime: "2024-01-01T00:00:00Z",
        endDateTime: "2099-01-01T00:00:00Z",
        secretSha256: sha256Hex(CONNECTOR.secret),
      },
      {
        keyId: "37000000-0000-4000-8000-000000000002",
        displayName: "old",
        hint: "Old",
        startDateTime: "2023-01-01T00:00:00Z",
        endDateTime: "2024-01-01T00:00:00Z",
        secretSha256: sha256Hex("Old8Q~expired-secret"),
      },
    ],
    createdDateTime: "2024-01-01T00:00:00Z",
    ...overrides,
  };
}

async function withConnector(mutate: (s: SandboxState) => void = () => undefined): Promise<void> {
  const state = buildDefaultScenario();
  state.applications.push(connectorApp());
  state.servicePrincipals.push({
    id: CONNECTOR.spId,
    appId: CONNECTOR.appId,
    tenantId: TENANTS.contoso,
    displayName: "Act-On Dynamics Connector (contoso)",
    appOwnerOrganizationId: TENANTS.contoso,
    servicePrincipalNames: [CONNECTOR.appId],
    accountEnabled: true,
    appRoleAssignmentRequired: false,
    tags: [],
    createdDateTime: "2024-01-01T00:00:00Z",
  });
  state.appRoleAssignments.push({
    id: "58000000-0000-4000-8000-000000000001",
    tenantId: TENANTS.contoso,
    principalId: CONNECTOR.spId,
    principalType: "ServicePrincipal",
    resourceId: SERVICE_PRINCIPALS.contosoGraph,
    appRoleId: ROLE_APP_RW,
    createdDateTime: "2024-01-01T00:00:00Z",
  });
  mutate(state);
  await sb.control.reset({ state });
}

const cc = (scope: string, extra: Record<string, string> = {}) => ({
  grant_type: "client_credentials",
  client_id: CONNECTOR.appId,
  client_secret: CONNECTOR.secret,
  scope,
  ...extra,
});

describe("client credentials", () => {
  it("issues app-only Graph tokens with the app's roles through msal-node", async () => {
    await withConnector();
    const cca = new ConfidentialClientApplication({
      auth: { clientId: CONNECTOR.appId, clientSecret: CONNECTOR.secret, authority: `${sb.origin}/${TENANTS.contoso}`, knownAuthorities: [sb.host] },
      system: { loggerOptions: silentLogger },
    });
    const result = await cca.acquireTokenByClientCredential({ scopes: ["https://graph.microsoft.com/.default"] });
    const claims = await verifyAccessToken(result!.accessToken);
    expect(claims).toMatchObject({
      aud: "https://graph.microsoft.com",
      iss: `https://sts.windows.net/${TENANTS.contoso}/`,
      appid: CONNECTOR.appId,
      oid: CONNECTOR.spId,
      sub: CONNECTOR.spId,
      idtyp: "app",
      ver: "1.0",
      roles: ["Application.ReadWrite.All"],
    });
    expect(claims!.scp).toBeUndefined();
    const again = await cca.acquireTokenByClientCredential({ scopes: ["https://graph.microsoft.com/.default"] });
    expect(again!.fromCache).toBe(true);
  });

  it("issues Dataverse app-only tokens with aud = the environment URL and no roles", async () => {
    await withConnector();
    const envUrl = `${sb.origin}/dynamics/contoso-eu`;
    const res = await postToken(sb.origin, "contoso.onmicrosoft.com", cc(`${envUrl}/.default`));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599 });
    expect(res.body.refresh_token).toBeUndefined();
    const claims = decodeJwt(res.body.access_token as string);
    expect(claims).toMatchObject({ aud: envUrl, appid: CONNECTOR.appId, ver: "1.0" });
    expect(claims.roles).toBeUndefined();
  });

  it("works with @azure/identity ClientSecretCredential and HTTP Basic client authentication", async () => {
    await withConnector();
    const credential = new ClientSecretCredential(TENANTS.contoso, CONNECTOR.appId, CONNECTOR.secret, {
      authorityHost: sb.origin,
      disableInstanceDiscovery: true,
    });
    const token = await credential.getToken("https://graph.microsoft.com/.default");
    expect(decodeJwt(token.token)).toMatchObject({ aud: "https://graph.microsoft.com", appid: CONNECTOR.appId });

    const basic = Buffer.from(`${encodeURIComponent(CONNECTOR.appId)}:${encodeURIComponent(CONNECTOR.secret)}`).toString("base64");
    const res = await postToken(
      sb.origin,
      TENANTS.contoso,
      { grant_type: "client_credentials", scope: "https://graph.microsoft.com/.default" },
      { authorization: `Basic ${basic}` },
    );
    expect(res.status).toBe(200);
  });

  it.each([
    ["wrong secret", () => cc("https://graph.microsoft.com/.default", { client_secret: "nope" }), 401, "invalid_client", 7000215],
    ["expired secret", () => cc("https://graph.microsoft.com/.default", { client_secret: "Old8Q~expired-secret" }), 401, "invalid_client", 7000222],
    ["missing secret", () => cc("https://graph.microsoft.com/.default", { client_secret: "" }), 401, "invalid_client", 7000218],
    ["scope without /.default", () => cc("https://graph.microsoft.com/User.Read"), 400, "invalid_scope", 1002012],
    ["unknown resource", () => cc("https://unknown.example.com/.default"), 400, "invalid_resource", 500011],
    [
      "unknown app",
      () => cc("https://graph.microsoft.com/.default", { client_id: "99999999-0000-4000-8000-000000000000" }),
      400,
      "unauthorized_client",
      700016,
    ],
  ])("refuses a %s", async (_name, form, status, error, code) => {
    await withConnector();
    const res = await postToken(sb.origin, TENANTS.contoso, form());
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ error, error_codes: [code] });
  });

  it("refuses a single-tenant app without its service principal (AADSTS7000229) and in another tenant (AADSTS700016)", async () => {
    await withConnector((s) => {
      s.servicePrincipals = s.servicePrincipals.filter((sp) => sp.id !== CONNECTOR.spId);
    });
    const home = await postToken(sb.origin, TENANTS.contoso, cc("https://graph.microsoft.com/.default"));
    expect(home.status).toBe(400);
    expect(home.body).toMatchObject({ error_codes: [7000229] });
    const other = await postToken(sb.origin, TENANTS.actoncorp, cc("https://graph.microsoft.com/.default"));
    expect(other.body).toMatchObject({ error: "unauthorized_client", error_codes: [700016] });
  });

  it("refuses a resource whose service principal is missing in the tenant (AADSTS500011)", async () => {
    await withConnector((s) => {
      s.servicePrincipals = s.servicePrincipals.filter((sp) => !(sp.tenantId === TENANTS.contoso && sp.appId === DYNAMICS_CRM_APP_ID));
    });
    const res = await postToken(sb.origin, TENANTS.contoso, cc(`${sb.origin}/dynamics/contoso-sales/.default`));
    expect(res.body).toMatchObject({ error: "invalid_resource", error_codes: [500011] });
  });

  it("refuses client credentials on /common (AADSTS9001023) and an unknown tenant (AADSTS90002)", async () => {
    await withConnector();
    const common = await postToken(sb.origin, "common", cc("https://graph.microsoft.com/.default"));
    expect(common.body).toMatchObject({ error: "invalid_request", error_codes: [9001023] });
    const unknown = await postToken(sb.origin, "nowhere.onmicrosoft.com", cc("https://graph.microsoft.com/.default"));
    expect(unknown.body).toMatchObject({ error: "invalid_request", error_codes: [90002] });
  });

  it("reports a just-created app and secret as not yet known while replicating", async () => {
    const now = new Date().toISOString();
    await withConnector((s) => {
      s.settings.replicationLagMs = 60_000;
      s.applications.find((a) => a.appId === CONNECTOR.appId)!.createdDateTime = now;
    });
    const res = await postToken(sb.origin, TENANTS.contoso, cc("https://graph.microsoft.com/.default"));
    expect(res.body).toMatchObject({ error_codes: [700016] });
    await sb.control.setSettings({ replicationLagMs: 0 });
    expect((await postToken(sb.origin, TENANTS.contoso, cc("https://graph.microsoft.com/.default"))).status).toBe(200);
  });

  it("writes the documented error body: AADSTS prefix, trace lines, correlation id = client-request-id", async () => {
    await withConnector();
    const res = await postToken(sb.origin, TENANTS.contoso, cc("https://graph.microsoft.com/.default", { client_secret: "nope" }), {
      "client-request-id": "11111111-2222-4333-8444-555555555555",
    });
    const body = res.body as Record<string, string | number[]>;
    expect(Object.keys(body).sort()).toEqual(["correlation_id", "error", "error_codes", "error_description", "error_uri", "timestamp", "trace_id"]);
    expect(body.error_description).toMatch(
      /^AADSTS7000215: Invalid client secret provided\..*\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: 11111111-2222-4333-8444-555555555555\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/s,
    );
    expect(body.timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
    expect(body.correlation_id).toBe("11111111-2222-4333-8444-555555555555");
    expect(res.headers.get("client-request-id")).toBe("11111111-2222-4333-8444-555555555555");
    expect(res.headers.get("x-ms-request-id")).toBe(body.trace_id);
  });

  it("serves 250 concurrent token requests without an error", async () => {
    await withConnector();
    // 250 requests in flight over a client's pool of 50 connections: 250 TLS handshakes at one instant would test the
    // machine's CPU (a connect timeout on a loaded two-core runner), not the sandbox.
    const pool = new Agent({ keepAlive: true, maxSockets: 50 });
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 250 }, (_, i) =>
        postTokenPooled(
          pool,
          sb.origin,
          TENANTS.contoso,
          cc(i % 2 ? "https://graph.microsoft.com/.default" : `${sb.origin}/dynamics/contoso-sales/.default`),
        ),
      ),
    ).finally(() => pool.destroy());
    const elapsed = Date.now() - started;
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    expect(new Set(results.map((r) => r.body.access_token)).size).toBe(250);
    console.info(`[load] 250 concurrent client_credentials requests in ${elapsed} ms`);
    // A load test on a shared two-core machine: it proves every request is served, not how fast.
  }, 120_000);

  it("gives the portal app itself app-only access in its home tenant", async () => {
    const res = await postToken(sb.origin, TENANTS.actoncorp, {
      grant_type: "client_credentials",
      client_id: PORTAL_APP.appId,
      client_secret: PORTAL_APP_SECRET,
      scope: `${GRAPH_APP_ID}/.default`,
    });
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body.access_token as string).aud).toBe("https://graph.microsoft.com");
  });
});
