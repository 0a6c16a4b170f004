/**
 * The portal's own API in Act-On's tenant: tokens for `api://{portal client id}` with the `roles` and `scp`
 * claims, as Act-On's services (client credentials) and support staff (delegated) get them, verified the way a
 * resource server does — with `jose` against the tenant's published JWKS — and obtained with clients we did not write
 * (@azure/msal-node, @azure/identity). Also the tokens an authorization matrix needs: no roles, another audience,
 * another tenant, a v1 token.
 */
import { ClientSecretCredential } from "@azure/identity";
import { ConfidentialClientApplication, PublicClientApplication } from "@azure/msal-node";
import { createRemoteJWKSet, errors as joseErrors, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { buildDefaultScenario } from "../scenarios/default";
import { ACTON_SERVICES, FABRIKAM, PORTAL_APP, SANDBOX_PASSWORD, TENANTS, USERS } from "../scenarios/ids";
import { useSandbox } from "@/test/support/sandbox";
import { decodeJwt, postToken } from "../testing/raw-oauth";

const sb = useSandbox();
const silentLogger = { loggerCallback: () => undefined, piiLoggingEnabled: false };
const API_DEFAULT = `${PORTAL_APP.identifierUri}/.default`;

function daemon(service: { appId: string; secret: string }, tenant: string = TENANTS.actoncorp) {
  return new ConfidentialClientApplication({
    auth: { clientId: service.appId, clientSecret: service.secret, authority: `${sb.origin}/${tenant}`, knownAuthorities: [sb.host] },
    system: { loggerOptions: silentLogger },
  });
}

/** What the Act-On API does with every token: signature by the tenant's keys, Act-On's issuer, its audience. */
async function verifyForPortalApi(token: string, tenantId: string = TENANTS.actoncorp) {
  const jwks = createRemoteJWKSet(new URL(`${sb.origin}/${tenantId}/discovery/v2.0/keys`));
  return jwtVerify(token, jwks, {
    algorithms: ["RS256"],
    issuer: `${sb.origin}/${TENANTS.actoncorp}/v2.0`,
    audience: PORTAL_APP.appId,
    clockTolerance: 5,
  });
}

describe("the portal's API (api://{client id})", () => {
  it("gives the Act-On Connector a v2 app token with its four Connections roles (msal-node), verifiable with jose against the JWKS", async () => {
    const result = await daemon(ACTON_SERVICES.connector).acquireTokenByClientCredential({ scopes: [API_DEFAULT] });
    const { payload, protectedHeader } = await verifyForPortalApi(result!.accessToken);
    expect(protectedHeader.alg).toBe("RS256");
    expect(payload).toMatchObject({
      aud: PORTAL_APP.appId, // v2 tokens: always the API's client id, whatever identifier the client asked for
      iss: `${sb.origin}/${TENANTS.actoncorp}/v2.0`,
      tid: TENANTS.actoncorp,
      azp: ACTON_SERVICES.connector.appId,
      azpacr: "1",
      oid: ACTON_SERVICES.connector.spId,
      sub: ACTON_SERVICES.connector.spId, // an app-only token: oid = sub
      ver: "2.0",
      roles: ["Connections.Read", "Connections.Credentials.Read", "Connections.Links.Write", "Connections.Token"],
    });
    expect(payload.scp).toBeUndefined();
    // idtyp is an optional claim the portal's registration does not ask for (Entra's default).
    expect(payload.idtyp).toBeUndefined();
  });

  it("adds idtyp when the API's registration asks for the optional claim: app-only tokens always, user tokens with include_user_token", async () => {
    const withIdtyp = async (additionalProperties: string[]) => {
      const state = buildDefaultScenario();
      const portal = state.applications.find((a) => a.appId === PORTAL_APP.appId)!;
      portal.extraProperties = { optionalClaims: { accessToken: [{ name: "idtyp", essential: false, additionalProperties }] } };
      await sb.control.reset({ state });
    };
    const userToken = async () => {
      const res = await postToken(sb.origin, TENANTS.actoncorp, {
        grant_type: "password",
        client_id: PORTAL_APP.appId,
        username: "support@actoncorp.onmicrosoft.com",
        password: SANDBOX_PASSWORD,
        scope: `${PORTAL_APP.identifierUri}/${PORTAL_APP.supportAccessScope}`,
      });
      return decodeJwt(res.body.access_token as string);
    };
    const appToken = async () =>
      decodeJwt((await daemon(ACTON_SERVICES.connector).acquireTokenByClientCredential({ scopes: [API_DEFAULT], skipCache: true }))!.accessToken);

    await withIdtyp([]);
    expect((await appToken()).idtyp).toBe("app");
    expect((await userToken()).idtyp).toBeUndefined();
    await withIdtyp(["include_user_token"]);
    expect((await userToken()).idtyp).toBe("user");
    await sb.control.reset();
  });

  it("gives the Status Reader only Connections.Read (@azure/identity)", async () => {
    const credential = new ClientSecretCredential(TENANTS.actoncorp, ACTON_SERVICES.statusReader.appId, ACTON_SERVICES.statusReader.secret, {
      authorityHost: sb.origin,
      disableInstanceDiscovery: true,
    });
    const token = await credential.getToken(API_DEFAULT);
    const { payload } = await verifyForPortalApi(token.token);
    expect(payload.roles).toEqual(["Connections.Read"]);
  });

  it("gives the No-Roles Service a valid token without a roles claim", async () => {
    const result = await daemon(ACTON_SERVICES.noRoles).acquireTokenByClientCredential({ scopes: [API_DEFAULT] });
    const { payload } = await verifyForPortalApi(result!.accessToken);
    expect(payload.roles).toBeUndefined();
  });

  it("accepts the client id as the resource identifier too (`{appId}/.default`) and still issues aud = client id", async () => {
    const res = await postToken(sb.origin, TENANTS.actoncorp, {
      grant_type: "client_credentials",
      client_id: ACTON_SERVICES.connector.appId,
      client_secret: ACTON_SERVICES.connector.secret,
      scope: `${PORTAL_APP.appId}/.default`,
    });
    expect(res.status).toBe(200);
    expect(decodeJwt(res.body.access_token as string).aud).toBe(PORTAL_APP.appId);
  });

  it("issues a v1 token (aud = the identifier URI used, iss sts.windows.net) when the API's manifest asks for v1", async () => {
    const state = buildDefaultScenario();
    state.applications.find((a) => a.appId === PORTAL_APP.appId)!.api.requestedAccessTokenVersion = null;
    await sb.control.reset({ state });
    const result = await daemon(ACTON_SERVICES.connector).acquireTokenByClientCredential({ scopes: [API_DEFAULT] });
    const claims = decodeJwt(result!.accessToken);
    expect(claims).toMatchObject({
      aud: PORTAL_APP.identifierUri,
      iss: `https://sts.windows.net/${TENANTS.actoncorp}/`,
      appid: ACTON_SERVICES.connector.appId,
      ver: "1.0",
      roles: ["Connections.Read", "Connections.Credentials.Read", "Connections.Links.Write", "Connections.Token"],
    });
    // A v1 token fails a verifier that expects the v2 issuer and the client id audience.
    await expect(verifyForPortalApi(result!.accessToken)).rejects.toBeInstanceOf(joseErrors.JWTClaimValidationFailed);
  });

  it("signs tokens for another API of the same tenant that a verifier of the portal's audience refuses", async () => {
    const result = await daemon(ACTON_SERVICES.connector).acquireTokenByClientCredential({
      scopes: [`${ACTON_SERVICES.otherApi.identifierUri}/.default`],
    });
    const claims = decodeJwt(result!.accessToken);
    expect(claims).toMatchObject({ aud: ACTON_SERVICES.otherApi.appId, tid: TENANTS.actoncorp, roles: ["Connections.Read"] });
    await expect(verifyForPortalApi(result!.accessToken)).rejects.toMatchObject({ code: "ERR_JWT_CLAIM_VALIDATION_FAILED", claim: "aud" });
  });

  it("signs tokens for the portal's audience from another tenant (Fabrikam) that an Act-On-only verifier refuses", async () => {
    const result = await daemon(FABRIKAM.probe, TENANTS.fabrikam).acquireTokenByClientCredential({ scopes: [API_DEFAULT] });
    const claims = decodeJwt(result!.accessToken);
    expect(claims).toMatchObject({
      aud: PORTAL_APP.appId,
      iss: `${sb.origin}/${TENANTS.fabrikam}/v2.0`,
      tid: TENANTS.fabrikam,
      roles: ["Connections.Read", "Connections.Credentials.Read"],
    });
    await expect(verifyForPortalApi(result!.accessToken, TENANTS.fabrikam)).rejects.toMatchObject({ claim: "iss" });
  });

  it("refuses an unknown scope on the API (AADSTS70011) and a client credentials scope without /.default (AADSTS1002012)", async () => {
    const base = { client_id: ACTON_SERVICES.connector.appId, client_secret: ACTON_SERVICES.connector.secret };
    const cc = await postToken(sb.origin, TENANTS.actoncorp, {
      ...base,
      grant_type: "client_credentials",
      scope: `${PORTAL_APP.identifierUri}/Support.Access`,
    });
    expect(cc.body).toMatchObject({ error: "invalid_scope", error_codes: [1002012] });
    const ropc = await postToken(sb.origin, TENANTS.actoncorp, {
      grant_type: "password",
      client_id: PORTAL_APP.appId,
      username: "support@actoncorp.onmicrosoft.com",
      password: SANDBOX_PASSWORD,
      scope: `${PORTAL_APP.identifierUri}/Support.Nope`,
    });
    expect(ropc.body).toMatchObject({ error: "invalid_scope", error_codes: [70011] });
  });

  it("gives support staff a delegated v2 token with scp Support.Access and their app role (msal-node public client)", async () => {
    const pca = new PublicClientApplication({
      auth: { clientId: PORTAL_APP.appId, authority: `${sb.origin}/${TENANTS.actoncorp}`, knownAuthorities: [sb.host] },
      system: { loggerOptions: silentLogger },
    });
    const scopes = [`${PORTAL_APP.identifierUri}/${PORTAL_APP.supportAccessScope}`];
    for (const [username, role] of [
      ["support@actoncorp.onmicrosoft.com", "Support.Read"],
      ["support.admin@actoncorp.onmicrosoft.com", "Support.Admin"],
    ]) {
      const result = await pca.acquireTokenByUsernamePassword({ scopes, username, password: SANDBOX_PASSWORD });
      const { payload } = await verifyForPortalApi(result!.accessToken);
      expect(payload).toMatchObject({ aud: PORTAL_APP.appId, scp: "Support.Access", roles: [role], preferred_username: username });
      expect(payload.idtyp).toBeUndefined(); // only with the optional claim's include_user_token
      expect(result!.scopes).toContain(`${PORTAL_APP.identifierUri}/Support.Access`);
      expect(decodeJwt(result!.idToken).roles).toEqual([role]);
    }
  });

  it("gives an Act-On user without an assignment a token without roles", async () => {
    const res = await postToken(sb.origin, TENANTS.actoncorp, {
      grant_type: "password",
      client_id: PORTAL_APP.appId,
      username: "staff@actoncorp.onmicrosoft.com",
      password: SANDBOX_PASSWORD,
      scope: `${PORTAL_APP.identifierUri}/${PORTAL_APP.supportAccessScope} openid`,
    });
    expect(res.status).toBe(200);
    const { payload } = await verifyForPortalApi(res.body.access_token as string);
    expect(payload).toMatchObject({ scp: "Support.Access", oid: USERS.actonStaff });
    expect(payload.roles).toBeUndefined();
    expect(decodeJwt(res.body.id_token as string).roles).toBeUndefined();
  });

  it("answers AADSTS500011 when a Contoso user asks for the portal's API in Contoso (no service principal there)", async () => {
    const res = await postToken(sb.origin, TENANTS.contoso, {
      grant_type: "password",
      client_id: PORTAL_APP.appId,
      username: "admin@contoso.onmicrosoft.com",
      password: SANDBOX_PASSWORD,
      scope: `${PORTAL_APP.identifierUri}/${PORTAL_APP.supportAccessScope}`,
    });
    expect(res.body).toMatchObject({ error: "invalid_resource", error_codes: [500011] });
  });

  it("signs an expired token on request (control API) that jose refuses as expired, not as badly signed", async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await sb.control.signToken({
      aud: PORTAL_APP.appId,
      iss: `${sb.origin}/${TENANTS.actoncorp}/v2.0`,
      tid: TENANTS.actoncorp,
      azp: ACTON_SERVICES.connector.appId,
      roles: ["Connections.Read"],
      ver: "2.0",
      iat: now - 7200,
      nbf: now - 7200,
      exp: now - 3600,
    });
    await expect(verifyForPortalApi(token)).rejects.toBeInstanceOf(joseErrors.JWTExpired);
    const res = await fetch(`${sb.origin}/__emulator/tokens/sign`, { method: "POST", body: JSON.stringify({ claims: "nope" }) });
    expect(res.status).toBe(400);
  });
});
