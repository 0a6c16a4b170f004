/**
 * verifyAccessToken against the Microsoft sandbox: keys and issuers discovered from the tenant's OpenID
 * configurations over HTTPS (jose's remote JWKS), tokens signed with the sandbox's key.
 */
import { afterEach, beforeAll, afterAll, describe, expect, it, vi } from "vitest";
import { startSandbox, type RunningSandbox } from "@/emulator/core/server";
import { signJwt } from "@/emulator/core/tokens";
import { ACTON_SERVICES, PORTAL_APP, TENANTS } from "@/emulator/scenarios/ids";

let sandbox: RunningSandbox;
beforeAll(async () => {
  if (!process.env.NODE_EXTRA_CA_CERTS?.endsWith("ca-bundle.pem")) throw new Error("Run with NODE_EXTRA_CA_CERTS=$PWD/.data/sandbox/ca-bundle.pem");
  sandbox = await startSandbox({ port: 0 });
});
afterAll(async () => {
  await sandbox?.close();
});
afterEach(() => {
  vi.unstubAllEnvs();
  delete (globalThis as { portalAccessTokenVerifier?: unknown }).portalAccessTokenVerifier;
});

async function load() {
  vi.resetModules();
  vi.stubEnv("MICROSOFT_AUTHORITY_HOST", sandbox.origin);
  vi.stubEnv("ACTON_TENANT_ID", TENANTS.actoncorp);
  vi.stubEnv("PORTAL_CLIENT_ID", PORTAL_APP.appId);
  return import("./verify-access-token");
}

const now = () => Math.floor(Date.now() / 1000);
const request = (token?: string) =>
  new Request("http://portal.test/api/v1/connections", { headers: token ? { authorization: `Bearer ${token}` } : {} });

describe("verifyAccessToken with the sandbox's published keys", () => {
  it("accepts v1 and v2 tokens of the actoncorp tenant for the portal's API and refuses other tenants", async () => {
    const { verifyAccessToken } = await load();
    const common = { oid: "o-1", sub: "o-1", iat: now(), nbf: now(), exp: now() + 600, idtyp: "app", roles: ["Connections.Read"] };
    const v1 = await signJwt({
      ...common,
      iss: `https://sts.windows.net/${TENANTS.actoncorp}/`,
      aud: `api://${PORTAL_APP.appId}`,
      tid: TENANTS.actoncorp,
      ver: "1.0",
    });
    const v2 = await signJwt({
      ...common,
      iss: `${sandbox.origin}/${TENANTS.actoncorp}/v2.0`,
      aud: PORTAL_APP.appId,
      tid: TENANTS.actoncorp,
      ver: "2.0",
    });
    const contoso = await signJwt({
      ...common,
      iss: `https://sts.windows.net/${TENANTS.contoso}/`,
      aud: `api://${PORTAL_APP.appId}`,
      tid: TENANTS.contoso,
      ver: "1.0",
    });
    expect((await verifyAccessToken(request(v1), { roles: ["Connections.Read"] })).ok).toBe(true);
    expect((await verifyAccessToken(request(v2), { roles: ["Connections.Read"] })).ok).toBe(true);
    const refused = await verifyAccessToken(request(contoso), { roles: ["Connections.Read"] });
    expect(refused.ok ? "accepted" : refused.error.code).toBe("unauthorized");
    const missing = await verifyAccessToken(request(), { roles: ["Connections.Read"] });
    expect(missing.ok ? "accepted" : missing.error.code).toBe("unauthorized");
  });

  it("takes the sandbox's own client-credentials tokens (no idtyp, as Entra issues by default) for a service's, with the roles it holds", async () => {
    const { verifyAccessToken } = await load();
    const tokenOf = async (service: { appId: string; secret: string }) => {
      const response = await fetch(`${sandbox.origin}/${TENANTS.actoncorp}/oauth2/v2.0/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "client_credentials",
          client_id: service.appId,
          client_secret: service.secret,
          scope: `${PORTAL_APP.identifierUri}/.default`,
        }),
      });
      return ((await response.json()) as { access_token: string }).access_token;
    };
    const connector = await verifyAccessToken(request(await tokenOf(ACTON_SERVICES.connector)), { roles: ["Connections.Links.Write"] });
    expect(connector.ok && connector.value).toMatchObject({ kind: "service", objectId: ACTON_SERVICES.connector.spId });
    const reader = await verifyAccessToken(request(await tokenOf(ACTON_SERVICES.statusReader)), { roles: ["Connections.Links.Write"] });
    expect(reader.ok ? "accepted" : reader.error.code).toBe("forbidden");
    expect((await verifyAccessToken(request(await tokenOf(ACTON_SERVICES.statusReader)), { roles: ["Connections.Read"] })).ok).toBe(true);
  });
});
