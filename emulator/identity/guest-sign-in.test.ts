/**
 * A B2B guest admin, through the real sign-in pages and @azure/msal-node: admin@fabrikam is invited into Contoso as a
 * guest (`#EXT#` name, Global Administrator there). Which tenant the tokens are for depends on the authority only:
 * `organizations` (or Fabrikam's) signs them in at home, Contoso's signs them in as Contoso's guest.
 */
import { ConfidentialClientApplication, CryptoProvider } from "@azure/msal-node";
import { Client } from "@microsoft/microsoft-graph-client";
import { describe, expect, it } from "vitest";
import { DIRECTORY_ROLES } from "../core/state";
import { verifyAccessToken } from "../core/tokens";
import { PORTAL_APP, PORTAL_APP_SECRET, SANDBOX_PASSWORD, TENANTS, USERS } from "../scenarios/ids";
import { completeSignIn, FetchBrowser } from "../testing/fetch-browser";
import { decodeJwt, postToken } from "../testing/raw-oauth";
import { useSandbox } from "@/test/support/sandbox";

const sb = useSandbox();
const REDIRECT = "http://localhost:3000/auth/callback";
const SCOPES = ["https://graph.microsoft.com/User.Read", "https://graph.microsoft.com/Directory.Read.All"];
const FABRIKAM_ADMIN = "admin@fabrikam.onmicrosoft.com";

/** Signs admin@fabrikam in through `tenant`'s authority; returns the redirect's last step and MSAL's result. */
async function signInThrough(tenant: string, username = FABRIKAM_ADMIN) {
  const cca = new ConfidentialClientApplication({
    auth: { clientId: PORTAL_APP.appId, clientSecret: PORTAL_APP_SECRET, authority: `${sb.origin}/${tenant}`, knownAuthorities: [sb.host] },
    system: { loggerOptions: { loggerCallback: () => undefined, piiLoggingEnabled: false } },
  });
  const pkce = await new CryptoProvider().generatePkceCodes();
  const url = await cca.getAuthCodeUrl({
    scopes: SCOPES,
    // Dynamics consented up front, as the portal asks, so a refresh for Dataverse needs no second consent.
    extraScopesToConsent: [`${sb.origin}/globaldisco/user_impersonation`],
    redirectUri: REDIRECT,
    codeChallenge: pkce.challenge,
    codeChallengeMethod: "S256",
  });
  const browser = new FetchBrowser(sb.origin);
  const last = await completeSignIn(browser, await browser.go(url), { username, password: SANDBOX_PASSWORD, consent: "accept-for-organization" });
  if (last.kind !== "back-to-app") return { last, cca, result: null };
  const result = await cca.acquireTokenByCode(
    { code: last.params.code, scopes: SCOPES, redirectUri: REDIRECT, codeVerifier: pkce.verifier },
    { code: last.params.code, client_info: last.params.client_info },
  );
  return { last, cca, result };
}

const graph = (token: string) =>
  Client.init({ baseUrl: `${sb.origin}/graph/`, customHosts: new Set(["localhost"]), authProvider: (done) => done(null, token) });

describe("a guest admin (admin@fabrikam invited into Contoso)", () => {
  it("signs in at home through `organizations`: Fabrikam's tid and object", async () => {
    const { result } = await signInThrough("organizations");
    expect(decodeJwt(result!.idToken)).toMatchObject({ tid: TENANTS.fabrikam, oid: USERS.fabrikamAdmin, preferred_username: FABRIKAM_ADMIN });
    expect(decodeJwt(result!.idToken).idp).toBeUndefined();
  });

  it("signs in through Contoso's authority as Contoso's guest: Contoso's tid, the guest's oid, the home account in client_info", async () => {
    const { last, cca, result } = await signInThrough(TENANTS.contoso);
    expect(JSON.parse(Buffer.from(last.kind === "back-to-app" ? last.params.client_info : "", "base64url").toString())).toEqual({
      uid: USERS.fabrikamAdmin,
      utid: TENANTS.fabrikam,
    });
    expect(decodeJwt(result!.idToken)).toMatchObject({
      tid: TENANTS.contoso,
      oid: USERS.fabrikamAdminGuestInContoso,
      preferred_username: FABRIKAM_ADMIN,
      idp: `https://sts.windows.net/${TENANTS.fabrikam}/`,
    });
    const access = await verifyAccessToken(result!.accessToken);
    expect(access).toMatchObject({ tid: TENANTS.contoso, oid: USERS.fabrikamAdminGuestInContoso, unique_name: FABRIKAM_ADMIN });
    expect(access!.upn).toBeUndefined();
    expect(access!.wids).toContain(DIRECTORY_ROLES.globalAdministrator);
    // Graph sees the guest object in Contoso's directory.
    const me = await graph(result!.accessToken).api("/me").select("id,userPrincipalName,userType").get();
    expect(me).toMatchObject({
      id: USERS.fabrikamAdminGuestInContoso,
      userPrincipalName: "admin_fabrikam.onmicrosoft.com#EXT#@contoso.onmicrosoft.com",
      userType: "Guest",
    });
    expect((await graph(result!.accessToken).api("/organization").get()).value[0].id).toBe(TENANTS.contoso);
    // MSAL refreshes in Contoso for another resource, by the authority it is given.
    const dataverse = await cca.acquireTokenSilent({
      account: result!.account!,
      authority: `${sb.origin}/${TENANTS.contoso}`,
      scopes: [`${sb.origin}/dynamics/contoso-sales/user_impersonation`],
    });
    expect(decodeJwt(dataverse.accessToken)).toMatchObject({ tid: TENANTS.contoso, oid: USERS.fabrikamAdminGuestInContoso });
  });

  it("refuses the `#EXT#` name as a sign-in name, and a member of Contoso at Fabrikam's authority (AADSTS50020)", async () => {
    const ext = await signInThrough(TENANTS.contoso, "admin_fabrikam.onmicrosoft.com#EXT#@contoso.onmicrosoft.com");
    expect(ext.last.kind === "page" && ext.last.text).toMatch(/username may be incorrect/);
    const member = await signInThrough(TENANTS.fabrikam, "admin@contoso.onmicrosoft.com");
    expect(member.last.kind === "page" && member.last.text).toMatch(/AADSTS50020/);
  });

  it("keeps password sign-in (ROPC) for accounts in their own tenant: a guest's is refused", async () => {
    const res = await postToken(sb.origin, TENANTS.contoso, {
      grant_type: "password",
      client_id: PORTAL_APP.appId,
      client_secret: PORTAL_APP_SECRET,
      username: FABRIKAM_ADMIN,
      password: SANDBOX_PASSWORD,
      scope: "https://graph.microsoft.com/.default",
    });
    expect(res.status).toBe(400);
  });
});
