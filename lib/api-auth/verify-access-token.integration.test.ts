/**
 * verifyAccessToken against the Microsoft sandbox: keys and issuers discovered from the tenant's OpenID
 * configurations over HTTPS (jose's remote JWKS), tokens the sandbox issues as Entra does — v1.0 for a registration
 * whose manifest leaves the token version unset, v2.0 when it sets 2 — and tokens signed with the sandbox's key.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { signJwt } from "@/emulator/core/tokens";
import { buildDefaultScenario } from "@/emulator/scenarios/default";
import { ACTON_SERVICES, PORTAL_APP, SANDBOX_PASSWORD, TENANTS } from "@/emulator/scenarios/ids";
import { postToken } from "@/emulator/testing/raw-oauth";
import { useSandbox } from "@/test/support/sandbox";

const sb = useSandbox();
afterEach(() => {
  vi.unstubAllEnvs();
  delete (globalThis as { portalAccessTokenVerifier?: unknown }).portalAccessTokenVerifier;
});

async function load(env: Record<string, string> = {}) {
  vi.resetModules();
  vi.stubEnv("MICROSOFT_AUTHORITY_HOST", sb.origin);
  vi.stubEnv("ACTON_TENANT_ID", TENANTS.actoncorp);
  vi.stubEnv("PORTAL_CLIENT_ID", PORTAL_APP.appId);
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  return import("./verify-access-token");
}

const now = () => Math.floor(Date.now() / 1000);
const request = (token?: string) =>
  new Request("http://portal.test/api/v1/connections", { headers: token ? { authorization: `Bearer ${token}` } : {} });

/** A service's client-credentials token for the portal's API, asked for by `identifier`. */
async function serviceToken(service: { appId: string; secret: string }, identifier: string = PORTAL_APP.identifierUri): Promise<string> {
  const res = await postToken(sb.origin, TENANTS.actoncorp, {
    grant_type: "client_credentials",
    client_id: service.appId,
    client_secret: service.secret,
    scope: `${identifier}/.default`,
  });
  expect(res.status).toBe(200);
  return res.body.access_token as string;
}

/** A support person's delegated token, obtained as the console's registration (the portal's own app). */
async function consoleToken(identifier: string = PORTAL_APP.identifierUri): Promise<string> {
  const res = await postToken(sb.origin, TENANTS.actoncorp, {
    grant_type: "password",
    client_id: PORTAL_APP.appId,
    username: "support@actoncorp.onmicrosoft.com",
    password: SANDBOX_PASSWORD,
    scope: `${identifier}/${PORTAL_APP.supportAccessScope}`,
  });
  expect(res.status).toBe(200);
  return res.body.access_token as string;
}

/** The default scenario with the portal API's registration changed by `edit`. */
async function resetWithPortalApi(edit: (api: ReturnType<typeof buildDefaultScenario>["applications"][number]) => void) {
  const state = buildDefaultScenario();
  edit(state.applications.find((a) => a.appId === PORTAL_APP.appId)!);
  await sb.control.reset({ state });
}

const outcome = (verdict: Awaited<ReturnType<Awaited<ReturnType<typeof load>>["verifyAccessToken"]>>) =>
  verdict.ok ? verdict.value.kind : verdict.reason;

describe("verifyAccessToken with the sandbox's published keys", () => {
  it("accepts v1 and v2 tokens of the actoncorp tenant for the portal's API and refuses other tenants", async () => {
    const { verifyAccessToken } = await load();
    const common = { oid: "o-1", sub: "o-1", iat: now(), nbf: now(), exp: now() + 600, idtyp: "app", roles: ["Connections.Read"] };
    const v1 = {
      iss: `https://sts.windows.net/${TENANTS.actoncorp}/`,
      aud: `api://${PORTAL_APP.appId}`,
      appid: ACTON_SERVICES.connector.appId,
      ver: "1.0",
    };
    const v2 = { iss: `${sb.origin}/${TENANTS.actoncorp}/v2.0`, aud: PORTAL_APP.appId, azp: ACTON_SERVICES.connector.appId, ver: "2.0" };
    const contoso = { ...v1, iss: `https://sts.windows.net/${TENANTS.contoso}/`, tid: TENANTS.contoso };
    const roles = { roles: ["Connections.Read"] as const };
    expect(outcome(await verifyAccessToken(request(await signJwt({ ...common, ...v1, tid: TENANTS.actoncorp })), roles))).toBe("service");
    expect(outcome(await verifyAccessToken(request(await signJwt({ ...common, ...v2, tid: TENANTS.actoncorp })), roles))).toBe("service");
    expect(outcome(await verifyAccessToken(request(await signJwt({ ...common, ...contoso })), roles))).toBe("wrong_issuer");
    expect(outcome(await verifyAccessToken(request(), roles))).toBe("missing_token");
  });

  it("takes the v1 client-credentials tokens Entra issues by default (no idtyp) for a service's, with the roles it holds", async () => {
    const { verifyAccessToken } = await load();
    const connector = await verifyAccessToken(request(await serviceToken(ACTON_SERVICES.connector)), { roles: ["Connections.Links.Write"] });
    expect(connector.ok && connector.value).toMatchObject({ kind: "service", objectId: ACTON_SERVICES.connector.spId });
    const reader = await verifyAccessToken(request(await serviceToken(ACTON_SERVICES.statusReader)), { roles: ["Connections.Links.Write"] });
    expect(reader.ok ? "accepted" : reader.error.code).toBe("forbidden");
    expect((await verifyAccessToken(request(await serviceToken(ACTON_SERVICES.statusReader)), { roles: ["Connections.Read"] })).ok).toBe(true);
    // Asked for by client id, a v1 token's aud is the client id.
    expect(outcome(await verifyAccessToken(request(await serviceToken(ACTON_SERVICES.connector, PORTAL_APP.appId)), { roles: [] }))).toBe("service");
  });

  it("takes the console's v1 delegated token (appid = the console) for a person's, with their support role", async () => {
    const { verifyAccessToken } = await load();
    const verdict = await verifyAccessToken(request(await consoleToken()), { roles: ["Support.Read"] });
    expect(verdict.ok && verdict.value).toMatchObject({ kind: "user", roles: ["Support.Read"] });
  });

  it("accepts tokens for the registration's own identifier URI only once PORTAL_API_IDENTIFIER_URIS lists it", async () => {
    const custom = "https://portal.act-on.example/api";
    await resetWithPortalApi((app) => {
      app.identifierUris = [custom];
    });
    const service = await serviceToken(ACTON_SERVICES.connector, custom);
    const person = await consoleToken(custom);
    const unconfigured = await load();
    expect(outcome(await unconfigured.verifyAccessToken(request(service), { roles: [] }))).toBe("wrong_audience");
    const configured = await load({ PORTAL_API_IDENTIFIER_URIS: custom });
    expect(outcome(await configured.verifyAccessToken(request(service), { roles: ["Connections.Read"] }))).toBe("service");
    expect(outcome(await configured.verifyAccessToken(request(person), { roles: ["Support.Read"] }))).toBe("user");
  });

  it("accepts the v2 tokens of a registration whose manifest sets requestedAccessTokenVersion 2", async () => {
    await resetWithPortalApi((app) => {
      app.api.requestedAccessTokenVersion = 2;
    });
    const { verifyAccessToken } = await load();
    expect(outcome(await verifyAccessToken(request(await serviceToken(ACTON_SERVICES.connector)), { roles: ["Connections.Read"] }))).toBe("service");
    expect(outcome(await verifyAccessToken(request(await consoleToken()), { roles: ["Support.Read"] }))).toBe("user");
  });
});
