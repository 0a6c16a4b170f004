/**
 * Authorization code + PKCE through the real sign-in and consent pages, redeemed by @azure/msal-node 3.8.10: the
 * path the portal's admin sign-in takes, including first-run consent, silent re-authorization, and refreshing for
 * a second resource (Dataverse) with the refresh token.
 */
import { ConfidentialClientApplication, CryptoProvider, InteractionRequiredAuthError, type AuthenticationResult } from "@azure/msal-node";
import { beforeAll, describe, expect, it } from "vitest";
import { DIRECTORY_ROLES } from "../core/state";
import { getState } from "../core/store";
import { buildDefaultScenario } from "../scenarios/default";
import { verifyAccessToken } from "../core/tokens";
import { PORTAL_APP, PORTAL_APP_SECRET, SANDBOX_PASSWORD, SERVICE_PRINCIPALS, TENANTS, USERS } from "../scenarios/ids";
import { mintAccessToken } from "../testing/contract-tokens";
import { completeSignIn, FetchBrowser, type BrowserStep } from "../testing/fetch-browser";
import { useSandbox } from "@/test/support/sandbox";
import { decodeJwt, postToken } from "../testing/raw-oauth";

const sb = useSandbox();
const REDIRECT = "http://localhost:3000/auth/callback";
const ADMIN_SCOPES = [
  "https://graph.microsoft.com/Application.ReadWrite.All",
  "https://graph.microsoft.com/DelegatedPermissionGrant.ReadWrite.All",
  "User.Read",
];
const silentLogger = { loggerCallback: () => undefined, piiLoggingEnabled: false };

function portalClient(tenant = "organizations") {
  return new ConfidentialClientApplication({
    auth: { clientId: PORTAL_APP.appId, clientSecret: PORTAL_APP_SECRET, authority: `${sb.origin}/${tenant}`, knownAuthorities: [sb.host] },
    system: { loggerOptions: silentLogger },
  });
}

async function authorizeUrl(
  cca: ConfidentialClientApplication,
  extra: { scopes: string[]; state?: string; prompt?: string; nonce?: string; loginHint?: string; responseMode?: "query" | "form_post" },
) {
  const pkce = await new CryptoProvider().generatePkceCodes();
  const url = await cca.getAuthCodeUrl({
    scopes: extra.scopes,
    redirectUri: REDIRECT,
    codeChallenge: pkce.challenge,
    codeChallengeMethod: "S256",
    state: extra.state,
    prompt: extra.prompt,
    nonce: extra.nonce,
    loginHint: extra.loginHint,
    responseMode: extra.responseMode as never,
  });
  return { url, verifier: pkce.verifier };
}

/**
 * A state in MSAL's own format (standard base64 of `{"id","meta"}` plus `|user state`), chosen to contain `+`, `/`
 * and `=`: msal-node parses the echoed state, so it must come back byte for byte.
 */
function msalStyleState(): string {
  const lib = Buffer.from(JSON.stringify({ id: "ÿþû??>>~~", meta: { interactionType: "redirect" } })).toString("base64");
  expect(lib).toMatch(/\+.*\/|\/.*\+/);
  expect(lib.endsWith("=")).toBe(true);
  return `${lib}|x`;
}
let STATE = "";
beforeAll(() => {
  STATE = msalStyleState();
});

function expectBackToApp(step: BrowserStep) {
  if (step.kind !== "back-to-app") throw new Error(`expected a redirect to the app, got page: ${step.text.slice(0, 300)}`);
  return step;
}

/** First admin sign-in to Contoso: meets the consent page and consents for the organisation. */
async function adminFirstSignIn(scopes = [...ADMIN_SCOPES, `${sb.origin}/globaldisco/user_impersonation`]) {
  const cca = portalClient();
  const browser = new FetchBrowser(sb.origin);
  const { url, verifier } = await authorizeUrl(cca, { scopes, state: STATE, nonce: "n-0S6_WzA2Mj" });
  const first = await browser.go(url);
  const consentPage = await completeSignIn(browser, first, { username: "admin@contoso.onmicrosoft.com", password: SANDBOX_PASSWORD });
  expect(consentPage.kind === "page" && consentPage.text).toContain("Permissions requested");
  const back = expectBackToApp(await completeSignIn(browser, consentPage, { username: "", password: "", consent: "accept-for-organization" }));
  const result = await cca.acquireTokenByCode(
    { code: back.params.code, scopes: ADMIN_SCOPES, redirectUri: REDIRECT, codeVerifier: verifier },
    { code: back.params.code, state: back.params.state, client_info: back.params.client_info },
  );
  return { cca, browser, back, result };
}

describe("authorization code flow with PKCE (msal-node)", () => {
  it("signs a first-time admin in through the sign-in and consent pages and creates the tenant-wide consent", async () => {
    const { back, result } = await adminFirstSignIn();
    expect(back.url.origin + back.url.pathname).toBe(REDIRECT);
    expect(back.params.state).toBe(STATE);
    expect(JSON.parse(Buffer.from(back.params.client_info, "base64url").toString())).toEqual({
      uid: result.account!.localAccountId,
      utid: TENANTS.contoso,
    });
    expect(result.tenantId).toBe(TENANTS.contoso);
    expect(result.account?.homeAccountId).toBe(`${result.account?.localAccountId}.${TENANTS.contoso}`);
    expect(result.account?.username).toBe("admin@contoso.onmicrosoft.com");

    const id = decodeJwt(result.idToken);
    expect(id).toMatchObject({
      aud: PORTAL_APP.appId,
      iss: `${sb.origin}/${TENANTS.contoso}/v2.0`,
      tid: TENANTS.contoso,
      nonce: "n-0S6_WzA2Mj",
      ver: "2.0",
      preferred_username: "admin@contoso.onmicrosoft.com",
    });

    const at = await verifyAccessToken(result.accessToken);
    expect(at).toMatchObject({
      aud: "https://graph.microsoft.com",
      iss: `https://sts.windows.net/${TENANTS.contoso}/`,
      ver: "1.0",
      appid: PORTAL_APP.appId,
      upn: "admin@contoso.onmicrosoft.com",
      idtyp: "user",
    });
    expect(at!.scp!.split(" ")).toEqual(expect.arrayContaining(["Application.ReadWrite.All", "DelegatedPermissionGrant.ReadWrite.All", "User.Read"]));
    expect(at!.wids).toContain(DIRECTORY_ROLES.globalAdministrator);

    const state = await sb.control.getState();
    const portalSp = state.servicePrincipals.find((sp) => sp.tenantId === TENANTS.contoso && sp.appId === PORTAL_APP.appId);
    expect(portalSp).toBeDefined();
    const grants = state.oauth2PermissionGrants.filter((g) => g.clientId === portalSp!.id);
    expect(grants).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ consentType: "AllPrincipals", principalId: null, resourceId: SERVICE_PRINCIPALS.contosoGraph }),
        expect.objectContaining({ consentType: "AllPrincipals", resourceId: SERVICE_PRINCIPALS.contosoDataverse, scope: "user_impersonation" }),
      ]),
    );
  });

  it("refreshes for a second resource (a Dataverse environment) without another sign-in", async () => {
    const { cca, result } = await adminFirstSignIn();
    const envUrl = `${sb.origin}/dynamics/contoso-sales`;
    const dv: AuthenticationResult = await cca.acquireTokenSilent({ account: result.account!, scopes: [`${envUrl}/user_impersonation`] });
    expect(dv.fromCache).toBe(false);
    expect(decodeJwt(dv.accessToken)).toMatchObject({
      aud: envUrl,
      ver: "1.0",
      scp: "user_impersonation",
      appid: PORTAL_APP.appId,
      iss: `https://sts.windows.net/${TENANTS.contoso}/`,
    });
    // The same refresh token also works for the Global Discovery Service (same Dynamics CRM resource app).
    const gds = await cca.acquireTokenSilent({ account: result.account!, scopes: ["https://globaldisco.crm.dynamics.com/user_impersonation"] });
    expect(decodeJwt(gds.accessToken).aud).toBe("https://globaldisco.crm.dynamics.com");
  });

  it("answers AADSTS65001 (consent_required) when refreshing for a permission nobody consented to", async () => {
    const { cca, result } = await adminFirstSignIn();
    const attempt = cca.acquireTokenSilent({ account: result.account!, scopes: ["https://graph.microsoft.com/User.Read.All"] });
    await expect(attempt).rejects.toBeInstanceOf(InteractionRequiredAuthError);
    await expect(attempt).rejects.toMatchObject({
      errorCode: "invalid_grant",
      subError: "consent_required",
      errorMessage: expect.stringContaining("AADSTS65001"),
    });
  });

  it("skips the password on a second authorize in the same browser, unless prompt=login", async () => {
    const { cca, browser } = await adminFirstSignIn();
    const again = await authorizeUrl(cca, { scopes: ADMIN_SCOPES, state: "second" });
    const silent = expectBackToApp(await browser.go(again.url));
    expect(silent.params.code).toBeTruthy();
    const forced = await authorizeUrl(cca, { scopes: ADMIN_SCOPES, prompt: "login" });
    const page = await browser.go(forced.url);
    expect(page.kind === "page" && page.forms[0].inputs).toContain("login");
    const pick = await authorizeUrl(cca, { scopes: ADMIN_SCOPES, prompt: "select_account" });
    const picker = await browser.go(pick.url);
    expect(picker.kind === "page" && picker.text).toContain("Pick an account");
    expectBackToApp(await completeSignIn(browser, picker, { username: "", password: "" }));
  });

  it("posts the code back with response_mode=form_post", async () => {
    const { cca, browser } = await adminFirstSignIn();
    const { url } = await authorizeUrl(cca, { scopes: ADMIN_SCOPES, state: "fp", responseMode: "form_post" });
    const back = expectBackToApp(await browser.go(url));
    expect(back.method).toBe("POST");
    expect(back.params).toMatchObject({ state: "fp", code: expect.any(String), client_info: expect.any(String) });
  });

  it("answers prompt=none with login_required without a session, and consent_required before consent", async () => {
    const cca = portalClient("contoso.onmicrosoft.com");
    const fresh = new FetchBrowser(sb.origin);
    const none = await authorizeUrl(cca, { scopes: ADMIN_SCOPES, prompt: "none", state: "n" });
    const noSession = expectBackToApp(await fresh.go(none.url));
    expect(noSession.params).toMatchObject({ error: "login_required", state: "n" });
    expect(noSession.params.error_description).toMatch(/^AADSTS50058: /);

    // Signed in but not consented: cancel the consent page, then ask silently.
    const { url } = await authorizeUrl(cca, { scopes: ADMIN_SCOPES });
    const consent = await completeSignIn(fresh, await fresh.go(url), { username: "admin@contoso.onmicrosoft.com", password: SANDBOX_PASSWORD });
    const declined = expectBackToApp(await completeSignIn(fresh, consent, { username: "", password: "", consent: "cancel" }));
    expect(declined.params).toMatchObject({ error: "access_denied" });
    expect(declined.params.error_description).toMatch(/^AADSTS65004: /);
    const silent = expectBackToApp(await fresh.go((await authorizeUrl(cca, { scopes: ADMIN_SCOPES, prompt: "none" })).url));
    expect(silent.params.error).toBe("consent_required");
  });

  it("a browser session signed in before the user's sessions were revoked no longer signs in silently (login_required)", async () => {
    const cca = portalClient("contoso.onmicrosoft.com");
    const browser = new FetchBrowser(sb.origin);
    const { url } = await authorizeUrl(cca, { scopes: ADMIN_SCOPES });
    const consent = await completeSignIn(browser, await browser.go(url), { username: "admin@contoso.onmicrosoft.com", password: SANDBOX_PASSWORD });
    expectBackToApp(await completeSignIn(browser, consent, { username: "", password: "", consent: "cancel" }));
    // The session is known (only consent is missing) until revokeSignInSessions moves the user's valid-from past it.
    expect(expectBackToApp(await browser.go((await authorizeUrl(cca, { scopes: ADMIN_SCOPES, prompt: "none" })).url)).params.error).toBe(
      "consent_required",
    );
    getState().users.find((u) => u.userPrincipalName === "admin@contoso.onmicrosoft.com")!.signInSessionsValidFromDateTime = new Date(
      Date.now() + 1000,
    ).toISOString();
    const revoked = expectBackToApp(await browser.go((await authorizeUrl(cca, { scopes: ADMIN_SCOPES, prompt: "none" })).url));
    expect(revoked.params.error).toBe("login_required");
  });

  it("revokeSignInSessions ends a browser session signed in after the sandbox clock moved (one clock for both)", async () => {
    // Sessions are stamped with the sandbox's clock, so the revocation must be too: else a session signed in after
    // the clock moved forward would outlive the revocation.
    await sb.control.advanceClock(30 * 60_000);
    const cca = portalClient("contoso.onmicrosoft.com");
    const browser = new FetchBrowser(sb.origin);
    const { url } = await authorizeUrl(cca, { scopes: ADMIN_SCOPES });
    const consent = await completeSignIn(browser, await browser.go(url), { username: "admin@contoso.onmicrosoft.com", password: SANDBOX_PASSWORD });
    expectBackToApp(await completeSignIn(browser, consent, { username: "", password: "", consent: "cancel" }));
    const token = await mintAccessToken({
      tid: TENANTS.contoso,
      aud: "https://graph.microsoft.com",
      oid: SERVICE_PRINCIPALS.contosoGraph,
      roles: ["User.RevokeSessions.All"],
    });
    const revoke = await fetch(`${sb.origin}/graph/v1.0/users/${USERS.contosoAdmin}/revokeSignInSessions`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: "{}",
    });
    expect(revoke.status).toBe(200);
    const silent = expectBackToApp(await browser.go((await authorizeUrl(cca, { scopes: ADMIN_SCOPES, prompt: "none" })).url));
    expect(silent.params.error).toBe("login_required");
  });

  it("shows 'Need admin approval' to a non-admin when the app asks for admin-only permissions", async () => {
    const cca = portalClient();
    const browser = new FetchBrowser(sb.origin);
    const { url } = await authorizeUrl(cca, { scopes: ADMIN_SCOPES, state: "u" });
    const page = await completeSignIn(browser, await browser.go(url), {
      username: "user@contoso.onmicrosoft.com",
      password: SANDBOX_PASSWORD,
      consent: "accept",
    });
    expect(page.kind === "page" && page.text).toContain("Need admin approval");
    const back = expectBackToApp(await browser.submit(page, {}, "Return to the application without granting consent"));
    expect(back.params).toMatchObject({ error: "access_denied", state: "u" });
    expect(back.params.error_description).toMatch(/^AADSTS90094: /);
  });

  it("lets a non-admin consent for themselves to user-consentable permissions", async () => {
    const cca = portalClient();
    const browser = new FetchBrowser(sb.origin);
    const { url, verifier } = await authorizeUrl(cca, { scopes: ["User.Read"] });
    const consent = await completeSignIn(browser, await browser.go(url), { username: "user@contoso.onmicrosoft.com", password: SANDBOX_PASSWORD });
    expect(consent.kind === "page" && consent.forms[0].checkboxes).toEqual([]); // no "on behalf of your organization" for non-admins
    const back = expectBackToApp(await completeSignIn(browser, consent, { username: "", password: "", consent: "accept" }));
    const result = await cca.acquireTokenByCode({ code: back.params.code, scopes: ["User.Read"], redirectUri: REDIRECT, codeVerifier: verifier });
    expect(decodeJwt(result.accessToken).scp).toContain("User.Read");
    const grants = (await sb.control.getState()).oauth2PermissionGrants.filter((g) => g.tenantId === TENANTS.contoso);
    expect(grants).toEqual([expect.objectContaining({ consentType: "Principal", principalId: result.account!.localAccountId })]);
  });

  it("puts the portal's own app roles in Act-On staff ID tokens", async () => {
    const cca = portalClient("actoncorp.onmicrosoft.com");
    const browser = new FetchBrowser(sb.origin);
    const { url, verifier } = await authorizeUrl(cca, { scopes: ["User.Read"] });
    const back = expectBackToApp(
      await completeSignIn(browser, await browser.go(url), { username: "support.admin@actoncorp.onmicrosoft.com", password: SANDBOX_PASSWORD }),
    );
    const result = await cca.acquireTokenByCode({ code: back.params.code, scopes: ["User.Read"], redirectUri: REDIRECT, codeVerifier: verifier });
    expect(decodeJwt(result.idToken).roles).toEqual(["Support.Admin"]);
  });

  it("asks for MFA in the browser for an MFA-enforced admin, and records it in amr", async () => {
    const cca = portalClient();
    const browser = new FetchBrowser(sb.origin);
    const { url, verifier } = await authorizeUrl(cca, { scopes: ["User.Read"] });
    const afterPassword = await browser.submit(
      await browser.submit(await browser.go(url), { login: "mfa.admin@contoso.onmicrosoft.com" }, "Next"),
      { passwd: SANDBOX_PASSWORD },
      "Sign in",
    );
    expect(afterPassword.kind === "page" && afterPassword.text).toContain("Verify your identity");
    const back = expectBackToApp(await completeSignIn(browser, afterPassword, { username: "", password: "", consent: "accept" }));
    const result = await cca.acquireTokenByCode({ code: back.params.code, scopes: ["User.Read"], redirectUri: REDIRECT, codeVerifier: verifier });
    expect(decodeJwt(result.accessToken).amr).toEqual(["pwd", "mfa"]);
  });

  it("rejects a wrong PKCE verifier (AADSTS501481), a reused code (AADSTS54005) and a different redirect_uri", async () => {
    const cca = portalClient();
    const browser = new FetchBrowser(sb.origin);
    await adminFirstSignIn(); // consent exists
    const login = async () => {
      const { url, verifier } = await authorizeUrl(cca, { scopes: ["User.Read"] });
      const back = expectBackToApp(
        await completeSignIn(browser, await browser.go(url), { username: "admin@contoso.onmicrosoft.com", password: SANDBOX_PASSWORD }),
      );
      return { code: back.params.code, verifier };
    };
    const base = {
      client_id: PORTAL_APP.appId,
      client_secret: PORTAL_APP_SECRET,
      grant_type: "authorization_code",
      redirect_uri: REDIRECT,
      scope: "User.Read openid",
    };
    const a = await login();
    const wrong = await postToken(sb.origin, "organizations", { ...base, code: a.code, code_verifier: "x".repeat(43) });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ error: "invalid_grant", error_codes: [501481] });

    const b = await login();
    const ok = await postToken(sb.origin, "organizations", { ...base, code: b.code, code_verifier: b.verifier });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("cache-control")).toBe("no-store, no-cache");
    expect(ok.headers.get("pragma")).toBe("no-cache");
    const reused = await postToken(sb.origin, "organizations", { ...base, code: b.code, code_verifier: b.verifier });
    expect(reused.body).toMatchObject({ error: "invalid_grant", error_codes: [54005] });

    const c = await login();
    const otherRedirect = await postToken(sb.origin, "organizations", {
      ...base,
      code: c.code,
      code_verifier: c.verifier,
      redirect_uri: "http://localhost/auth/callback",
    });
    expect(otherRedirect.body).toMatchObject({ error: "invalid_grant" });
  });

  it("ignores the port of http://localhost redirect URIs but refuses unregistered ones on an error page", async () => {
    const browser = new FetchBrowser(sb.origin);
    const q = (redirect: string) =>
      `${sb.origin}/common/oauth2/v2.0/authorize?${new URLSearchParams({ client_id: PORTAL_APP.appId, response_type: "code", redirect_uri: redirect, scope: "openid User.Read" })}`;
    const anyPort = await browser.go(q("http://localhost:51234/auth/callback"));
    expect(anyPort.kind === "page" && anyPort.forms[0].inputs).toContain("login");
    const other = await browser.go(q("https://evil.example.com/auth/callback"));
    expect(other.kind).toBe("page");
    expect(other.kind === "page" && other.status).toBe(400);
    expect(other.kind === "page" && other.text).toContain("AADSTS50011");
  });

  it("requires PKCE for SPA redirect URIs and refuses a secret when an SPA code is redeemed (AADSTS700025)", async () => {
    const state = buildDefaultScenario();
    state.applications[0].spa.redirectUris = ["http://localhost:5173/spa"];
    await sb.control.reset({ state });
    const browser = new FetchBrowser(sb.origin);
    const params = {
      client_id: PORTAL_APP.appId,
      response_type: "code",
      redirect_uri: "http://localhost:5173/spa",
      scope: "openid User.Read",
      state: "spa",
    };
    const noPkce = expectBackToApp(await browser.go(`/actoncorp.onmicrosoft.com/oauth2/v2.0/authorize?${new URLSearchParams(params)}`));
    expect(noPkce.params).toMatchObject({ error: "invalid_request", state: "spa" });
    expect(noPkce.params.error_description).toMatch(/^AADSTS9002325: /);

    const pkce = await new CryptoProvider().generatePkceCodes();
    const url = `/actoncorp.onmicrosoft.com/oauth2/v2.0/authorize?${new URLSearchParams({ ...params, code_challenge: pkce.challenge, code_challenge_method: "S256" })}`;
    const back = expectBackToApp(
      await completeSignIn(browser, await browser.go(url), { username: "support@actoncorp.onmicrosoft.com", password: SANDBOX_PASSWORD }),
    );
    const redeem = {
      grant_type: "authorization_code",
      client_id: PORTAL_APP.appId,
      code: back.params.code,
      redirect_uri: "http://localhost:5173/spa",
      code_verifier: pkce.verifier,
    };
    // A SPA code is redeemed from the browser (with an Origin header) and without a secret.
    const withSecret = await postToken(
      sb.origin,
      "actoncorp.onmicrosoft.com",
      { ...redeem, client_secret: PORTAL_APP_SECRET },
      { origin: "http://localhost:5173" },
    );
    expect(withSecret.body).toMatchObject({ error: "invalid_client", error_codes: [700025] });
  });
});
