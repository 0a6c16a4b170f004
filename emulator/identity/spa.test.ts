/**
 * The single-page-application platform (`spa.redirectUris`), as the support console uses it: authorization code with
 * PKCE, redeemed from the browser. Entra's rules, asserted here with the raw protocol (a browser's `fetch` adds the
 * `Origin` header; msal-node never does):
 * - a code or refresh token issued to a SPA redirect URI is redeemed only cross-origin (AADSTS9002327 otherwise);
 * - only SPA tokens may be redeemed cross-origin (AADSTS9002326 for a web redirect URI);
 * - the token endpoint answers browsers with CORS headers, errors included;
 * - SPA refresh tokens live 24 hours, whatever the activity (AADSTS700084 after).
 */
import { CryptoProvider, PublicClientApplication } from "@azure/msal-node";
import { afterEach, describe, expect, it, vi } from "vitest";
import { PORTAL_APP, PORTAL_APP_SECRET, SANDBOX_PASSWORD, TENANTS } from "../scenarios/ids";
import { completeSignIn, FetchBrowser, type BrowserStep } from "../testing/fetch-browser";
import { useSandbox } from "@/test/support/sandbox";
import { decodeJwt, postToken } from "../testing/raw-oauth";

const sb = useSandbox();
const CONSOLE_ORIGIN = "http://localhost:3671";
/** Registered as `http://localhost/support/callback`: any port on http://localhost matches, as in Entra. */
const SPA_REDIRECT = `${CONSOLE_ORIGIN}/support/callback`;
const WEB_REDIRECT = "http://localhost:3000/auth/callback";
const SCOPE = `${PORTAL_APP.identifierUri}/${PORTAL_APP.supportAccessScope} openid profile offline_access`;

function expectBackToApp(step: BrowserStep) {
  if (step.kind !== "back-to-app") throw new Error(`expected a redirect to the app, got page: ${step.text.slice(0, 300)}`);
  return step;
}

async function signIn(redirectUri: string, username = "support@actoncorp.onmicrosoft.com") {
  const pkce = await new CryptoProvider().generatePkceCodes();
  const params = new URLSearchParams({
    client_id: PORTAL_APP.appId,
    response_type: "code",
    redirect_uri: redirectUri,
    scope: SCOPE,
    state: "s1",
    code_challenge: pkce.challenge,
    code_challenge_method: "S256",
  });
  const browser = new FetchBrowser(sb.origin);
  const back = expectBackToApp(
    await completeSignIn(browser, await browser.go(`/${TENANTS.actoncorp}/oauth2/v2.0/authorize?${params}`), {
      username,
      password: SANDBOX_PASSWORD,
    }),
  );
  return {
    code: back.params.code,
    redeem: {
      grant_type: "authorization_code",
      client_id: PORTAL_APP.appId,
      code: back.params.code,
      redirect_uri: redirectUri,
      code_verifier: pkce.verifier,
      scope: SCOPE,
    },
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("SPA redirect platform", () => {
  it("redeems a SPA code from the browser: CORS headers, v1 token for the portal API with scp and roles, 24-hour refresh token", async () => {
    const { redeem } = await signIn(SPA_REDIRECT, "support.admin@actoncorp.onmicrosoft.com");
    const res = await postToken(sb.origin, TENANTS.actoncorp, redeem, { origin: CONSOLE_ORIGIN });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(decodeJwt(res.body.access_token as string)).toMatchObject({
      aud: PORTAL_APP.identifierUri,
      scp: "Support.Access",
      roles: ["Support.Admin"],
      appid: PORTAL_APP.appId,
      appidacr: "0",
      ver: "1.0",
    });
    expect(decodeJwt(res.body.id_token as string).roles).toEqual(["Support.Admin"]);
    expect(res.body.refresh_token).toEqual(expect.any(String));
  });

  it("answers a browser's CORS preflight on the token endpoint", async () => {
    const res = await fetch(`${sb.origin}/${TENANTS.actoncorp}/oauth2/v2.0/token`, {
      method: "OPTIONS",
      headers: { origin: CONSOLE_ORIGIN, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
  });

  it("refuses a SPA code redeemed without an Origin header (AADSTS9002327), as msal-node meets it", async () => {
    const { redeem, code } = await signIn(SPA_REDIRECT);
    const raw = await postToken(sb.origin, TENANTS.actoncorp, redeem);
    expect(raw.status).toBe(400);
    expect(raw.body).toMatchObject({ error: "invalid_request", error_codes: [9002327] });
    expect(raw.body.error_description).toMatch(
      /^AADSTS9002327: Tokens issued for the 'Single-Page Application' client-type may only be redeemed via cross-origin requests\./,
    );
    const pca = new PublicClientApplication({
      auth: { clientId: PORTAL_APP.appId, authority: `${sb.origin}/${TENANTS.actoncorp}`, knownAuthorities: [sb.host] },
      system: { loggerOptions: { loggerCallback: () => undefined, piiLoggingEnabled: false } },
    });
    await expect(
      pca.acquireTokenByCode({
        code,
        redirectUri: SPA_REDIRECT,
        scopes: [`${PORTAL_APP.identifierUri}/Support.Access`],
        codeVerifier: redeem.code_verifier,
      }),
    ).rejects.toMatchObject({ errorCode: "invalid_request", errorMessage: expect.stringContaining("AADSTS9002327") });
  });

  it("refuses a secret on SPA redemption (AADSTS700025)", async () => {
    const { redeem } = await signIn(SPA_REDIRECT);
    const res = await postToken(sb.origin, TENANTS.actoncorp, { ...redeem, client_secret: PORTAL_APP_SECRET }, { origin: CONSOLE_ORIGIN });
    expect(res.body).toMatchObject({ error: "invalid_client", error_codes: [700025] });
  });

  it("refuses a web-platform code redeemed cross-origin (AADSTS9002326, naming the origin)", async () => {
    const { redeem } = await signIn(WEB_REDIRECT);
    const res = await postToken(sb.origin, TENANTS.actoncorp, { ...redeem, client_secret: PORTAL_APP_SECRET }, { origin: "http://localhost:3000" });
    expect(res.status).toBe(400);
    expect(res.headers.get("access-control-allow-origin")).toBe("*"); // the browser can read the error
    expect(res.body).toMatchObject({ error: "invalid_request", error_codes: [9002326] });
    expect(res.body.error_description).toMatch(
      /^AADSTS9002326: Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type\. Request origin: 'http:\/\/localhost:3000'\./,
    );
    // The same code, redeemed server-side as a web app does, still works.
    const server = await postToken(sb.origin, TENANTS.actoncorp, { ...redeem, client_secret: PORTAL_APP_SECRET });
    expect(server.status).toBe(200);
  });

  it("applies the same rules to SPA refresh tokens, and expires them after 24 hours (AADSTS700084)", async () => {
    const { redeem } = await signIn(SPA_REDIRECT);
    const first = await postToken(sb.origin, TENANTS.actoncorp, redeem, { origin: CONSOLE_ORIGIN });
    const refresh = { grant_type: "refresh_token", client_id: PORTAL_APP.appId, refresh_token: first.body.refresh_token as string, scope: SCOPE };
    const serverSide = await postToken(sb.origin, TENANTS.actoncorp, refresh);
    expect(serverSide.body).toMatchObject({ error: "invalid_request", error_codes: [9002327] });
    const browserSide = await postToken(sb.origin, TENANTS.actoncorp, refresh, { origin: CONSOLE_ORIGIN });
    expect(browserSide.status).toBe(200);
    expect(decodeJwt(browserSide.body.access_token as string).roles).toEqual(["Support.Read"]);

    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 24 * 3600_000 + 60_000 });
    const later = await postToken(
      sb.origin,
      TENANTS.actoncorp,
      { ...refresh, refresh_token: browserSide.body.refresh_token as string },
      { origin: CONSOLE_ORIGIN },
    );
    expect(later.body).toMatchObject({ error: "invalid_grant", error_codes: [700084] });
  });

  it("refuses a SPA redirect URI that is not registered (AADSTS50011) and requires PKCE on it (AADSTS9002325)", async () => {
    const browser = new FetchBrowser(sb.origin);
    const base = { client_id: PORTAL_APP.appId, response_type: "code", scope: SCOPE, state: "s" };
    const unregistered = await browser.go(
      `/${TENANTS.actoncorp}/oauth2/v2.0/authorize?${new URLSearchParams({ ...base, redirect_uri: `${CONSOLE_ORIGIN}/support/elsewhere` })}`,
    );
    expect(unregistered.kind === "page" && unregistered.text).toContain("AADSTS50011");
    const noPkce = expectBackToApp(
      await browser.go(`/${TENANTS.actoncorp}/oauth2/v2.0/authorize?${new URLSearchParams({ ...base, redirect_uri: SPA_REDIRECT })}`),
    );
    expect(noPkce.params.error_description).toMatch(/^AADSTS9002325: /);
  });
});
