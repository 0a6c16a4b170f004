import { describe, expect, it } from "vitest";
import { buildDefaultScenario } from "@/emulator/scenarios/default";
import { isMicrosoftError, MicrosoftError } from "./errors";
import { addClientSecret, createApplication, createServicePrincipal, type GraphContext } from "./graph";
import { completeSignIn as driveSignInPages, FetchBrowser } from "@/emulator/testing/fetch-browser";
import {
  completeSignIn,
  getAdminAccessToken,
  getAdminToken,
  getSignInUrl,
  AdminSession,
  hasAdminSessionChanged,
  restoreAdminSession,
  serializeAdminSession,
  signInWithDeviceCode,
  signInWithPassword,
} from "./admin-session";
import { decodeJwt } from "@/emulator/testing/raw-oauth";
import { getAppToken } from "./app-tokens";
import { getUserTokenByPassword } from "./password-sign-in";
import {
  callLog,
  CONTOSO_ADMIN,
  CONTOSO_MFA_ADMIN,
  ENVIRONMENTS,
  FAST_RETRY,
  PORTAL_APP,
  SANDBOX_PASSWORD,
  signInAs,
  TENANTS,
  useMicrosoftSandbox,
} from "@/test/support/microsoft-sandbox";

const fx = useMicrosoftSandbox();

async function expectCode(p: Promise<unknown>, code: string): Promise<MicrosoftError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(MicrosoftError);
  expect((e as MicrosoftError).appError.code).toBe(code);
  return e as MicrosoftError;
}

describe("admin session (delegated, MSAL cache)", () => {
  it("signs the admin in with a password and gets a Graph token for the admin's tenant", async () => {
    const session = await signInAs(fx);
    expect(session).toMatchObject({ clientType: "public", tenantId: TENANTS.contoso, username: CONTOSO_ADMIN });
    const token = await getAdminToken(session, "graph", { config: fx.config });
    expect(decodeJwt(token)).toMatchObject({ tid: TENANTS.contoso, appid: PORTAL_APP.appId });
  });

  it("is an opaque object: token(resource) and serialize() on the session itself; a copy is no session", async () => {
    const session = await signInAs(fx);
    expect(session).toBeInstanceOf(AdminSession);
    expect(decodeJwt(await session.token("graph"))).toMatchObject({ tid: TENANTS.contoso });
    const restored = AdminSession.restore(session.serialize(), { config: fx.config });
    expect(decodeJwt(await restored.token("discovery")).aud).toBe(fx.discoveryUrl);
    // A spread copy carries the public fields only: it cannot get tokens or pass for the session.
    const copy = { ...session } as unknown as AdminSession;
    expect(copy).not.toBeInstanceOf(AdminSession);
    expect(typeof (copy as { token?: unknown }).token).toBe("undefined");
    expect(Object.isFrozen(session)).toBe(true);
  });

  it("serialises, restores on another 'instance', and refreshes for Discovery and a Dataverse environment", async () => {
    const session = await signInAs(fx);
    const stored = serializeAdminSession(session);
    expect(stored).not.toContain(SANDBOX_PASSWORD);
    const restored = restoreAdminSession(stored, { config: fx.config });
    expect(restored).toMatchObject({ tenantId: TENANTS.contoso, username: CONTOSO_ADMIN, homeAccountId: session.homeAccountId });

    const log = callLog();
    const envUrl = fx.environmentUrl(ENVIRONMENTS.contosoSales.urlName);
    const disco = await getAdminToken(restored, "discovery", { config: fx.config, recorder: log });
    const dataverse = await getAdminToken(restored, { environmentUrl: envUrl }, { config: fx.config, recorder: log });
    expect(decodeJwt(disco).aud).toBe(fx.discoveryUrl);
    expect(decodeJwt(dataverse)).toMatchObject({ aud: envUrl, scp: "user_impersonation" });
    // Refresh-token redemptions went to the admin's tenant, not to /organizations.
    expect(log.calls.filter((c) => c.method === "POST").every((c) => c.path === `/${TENANTS.contoso}/oauth2/v2.0/token`)).toBe(true);
    expect(hasAdminSessionChanged(restored)).toBe(true);

    // A second ask is served from the cache: no network call.
    const before = log.calls.length;
    await getAdminToken(restored, { environmentUrl: envUrl }, { config: fx.config, recorder: log });
    expect(log.calls.length).toBe(before);
  });

  /** A stored session with each cached access token edited (or dropped when `edit` answers null), as another instance reads it. */
  function restoreEdited(session: AdminSession, edit: (token: Record<string, string>) => Record<string, string> | null): AdminSession {
    const outer = JSON.parse(serializeAdminSession(session)) as { cache: string };
    const cache = JSON.parse(outer.cache) as { AccessToken: Record<string, Record<string, string>> };
    const kept = Object.entries(cache.AccessToken).flatMap(([key, token]) => {
      const edited = edit(token);
      return edited ? [[key, edited] as const] : [];
    });
    cache.AccessToken = Object.fromEntries(kept);
    return restoreAdminSession(JSON.stringify({ ...outer, cache: JSON.stringify(cache) }), { config: fx.config });
  }
  const tokenRequests = (log: ReturnType<typeof callLog>) => log.calls.filter((c) => c.method === "POST" && c.path.endsWith("/token")).length;
  const isGraphToken = (token: Record<string, string>) => token.target.toLowerCase().includes(fx.config.graphUrl.toLowerCase());

  it("a restored session acts with the Graph token it was stored with while it lives five more minutes: no refresh", async () => {
    const session = await signInAs(fx);
    const restored = restoreAdminSession(serializeAdminSession(session), { config: fx.config });
    const log = callLog();
    const { token, expiresOn } = await getAdminAccessToken(restored, "graph", { config: fx.config, recorder: log });
    expect(tokenRequests(log)).toBe(0);
    expect(decodeJwt(token)).toMatchObject({ tid: TENANTS.contoso, appid: PORTAL_APP.appId, aud: "https://graph.microsoft.com" });
    expect(expiresOn!.getTime()).toBeGreaterThan(Date.now() + 5 * 60_000);
  });

  it("refreshes a Graph token that expires within five minutes, and one asked to be refreshed", async () => {
    const session = await signInAs(fx);
    const soon = String(Math.floor((Date.now() + 4 * 60_000) / 1000));
    const restored = restoreEdited(session, (t) => (isGraphToken(t) ? { ...t, expires_on: soon } : t));
    const log = callLog();
    const { expiresOn } = await getAdminAccessToken(restored, "graph", { config: fx.config, recorder: log });
    expect(tokenRequests(log)).toBe(1);
    expect(expiresOn!.getTime()).toBeGreaterThan(Date.now() + 30 * 60_000);
    await getAdminAccessToken(restored, "graph", { config: fx.config, recorder: log, forceRefresh: true });
    expect(tokenRequests(log)).toBe(2);
  });

  it("never acts with a cached token of another tenant, account or resource: it refreshes instead", async () => {
    const session = await signInAs(fx);
    const cases: [string, (t: Record<string, string>) => Record<string, string> | null][] = [
      ["another tenant", (t) => ({ ...t, realm: TENANTS.fabrikam })],
      ["another account", (t) => ({ ...t, home_account_id: `00000000-0000-0000-0000-000000000001.${TENANTS.contoso}` })],
      // Only Discovery's token is left: it must not pass for Graph's.
      ["another resource", (t) => (isGraphToken(t) ? null : t)],
    ];
    await getAdminToken(session, "discovery", { config: fx.config });
    for (const [what, edit] of cases) {
      const log = callLog();
      const token = await getAdminToken(restoreEdited(session, edit), "graph", { config: fx.config, recorder: log });
      expect(tokenRequests(log), what).toBe(1);
      expect(decodeJwt(token), what).toMatchObject({ tid: TENANTS.contoso, aud: "https://graph.microsoft.com" });
    }
  });

  it("an MFA-enforced admin cannot use the password path: mfa_required", async () => {
    const e = await expectCode(signInAs(fx, CONTOSO_MFA_ADMIN), "mfa_required");
    expect(e.upstreamCode).toBe("AADSTS50076");
    expect(e.appError.userMessage).toMatch(/must not require MFA in legacy mode/);
  });

  it("a wrong password is invalid_credentials, and the password never reaches the error", async () => {
    const e = await expectCode(
      signInWithPassword({ config: fx.config, tenant: TENANTS.contoso, username: CONTOSO_ADMIN, password: "Wrong-Passw0rd!" }),
      "invalid_credentials",
    );
    expect(JSON.stringify({ m: e.message, a: e.appError })).not.toContain("Wrong-Passw0rd!");
  });

  it("an unknown tenant is not_found (AADSTS90002)", async () => {
    const e = await expectCode(
      signInWithPassword({ config: fx.config, tenant: "nope.onmicrosoft.com", username: CONTOSO_ADMIN, password: SANDBOX_PASSWORD }),
      "not_found",
    );
    expect(e.upstreamCode).toBe("AADSTS90002");
  });

  it("before the tenant consented to the portal, sign-in asks for consent (AADSTS65001)", async () => {
    const state = buildDefaultScenario();
    state.applications.find((a) => a.appId === PORTAL_APP.appId)!.isFallbackPublicClient = true;
    await fx.control.reset({ state });
    await expectCode(signInAs(fx), "consent_required");
  });

  it("retries a throttled token request after Retry-After", async () => {
    await fx.control.addFault({
      service: "identity",
      method: "POST",
      path: `/${TENANTS.contoso}/oauth2/v2.0/token`,
      kind: "throttle",
      retryAfterSeconds: 1,
      remaining: 1,
    });
    const log = callLog();
    const started = Date.now();
    const session = await signInWithPassword({
      config: fx.config,
      tenant: TENANTS.contoso,
      username: CONTOSO_ADMIN,
      password: SANDBOX_PASSWORD,
      recorder: log,
      retry: FAST_RETRY,
    });
    expect(session.username).toBe(CONTOSO_ADMIN);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(log.calls.filter((c) => c.method === "POST").map((c) => c.status)).toEqual([429, 200]);
  });

  it("builds a PKCE sign-in URL on the configured authority without a network call", async () => {
    const log = callLog();
    const req = await getSignInUrl({ config: fx.config, redirectUri: "http://localhost:3000/auth/callback", state: "s-1" });
    const url = new URL(req.url);
    expect(url.origin).toBe(fx.origin);
    expect(url.pathname).toBe("/organizations/oauth2/v2.0/authorize");
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("client_id")).toBe(PORTAL_APP.appId);
    expect(url.searchParams.get("state")).toBe("s-1");
    expect(req.codeVerifier.length).toBeGreaterThanOrEqual(43);
    expect(log.calls).toHaveLength(0);
  });
});

describe("interactive sign-in through the sandbox's pages", () => {
  const REDIRECT = "http://localhost:3000/auth/callback";

  it("authorization code + PKCE: first run meets consent, the code is redeemed into a confidential session", async () => {
    await fx.control.reset({ scenario: "default" }); // nobody in Contoso has consented to the portal yet
    const request = await getSignInUrl({ config: fx.config, redirectUri: REDIRECT, state: "st-42" });
    const browser = new FetchBrowser(fx.origin);
    const back = await driveSignInPages(browser, await browser.go(request.url), {
      username: CONTOSO_ADMIN,
      password: SANDBOX_PASSWORD,
      consent: "accept-for-organization",
    });
    if (back.kind !== "back-to-app") throw new Error(`expected the redirect back, got: ${back.text.slice(0, 200)}`);
    expect(back.params.state).toBe("st-42");

    const session = await completeSignIn({ config: fx.config, code: back.params.code, codeVerifier: request.codeVerifier, redirectUri: REDIRECT });
    expect(session).toMatchObject({ clientType: "confidential", tenantId: TENANTS.contoso, username: CONTOSO_ADMIN });
    const restored = restoreAdminSession(serializeAdminSession(session), { config: fx.config });
    const token = await getAdminToken(restored, { environmentUrl: fx.environmentUrl(ENVIRONMENTS.contosoSales.urlName) }, { config: fx.config });
    expect(decodeJwt(token)).toMatchObject({ tid: TENANTS.contoso, scp: "user_impersonation" });

    // A code is single-use: redeeming it again is refused, and not retried.
    const log = callLog();
    const again = await completeSignIn({
      config: fx.config,
      code: back.params.code,
      codeVerifier: request.codeVerifier,
      redirectUri: REDIRECT,
      recorder: log,
    }).catch((x: unknown) => x);
    expect(again).toBeInstanceOf(MicrosoftError);
    expect(log.calls.filter((c) => c.method === "POST")).toHaveLength(1);
  });

  it("device code: the CLI shows the code, the admin signs in elsewhere, the CLI gets a public-client session", async () => {
    const browser = new FetchBrowser(fx.origin);
    let drive: Promise<unknown> | undefined;
    const shown: string[] = [];
    const session = await signInWithDeviceCode({
      config: fx.config,
      tenant: TENANTS.contoso,
      onCode: (message, userCode, verificationUri) => {
        shown.push(message);
        drive = (async () => {
          const page = await browser.go(verificationUri);
          const afterCode = await browser.submit(page, { otc: userCode });
          return driveSignInPages(browser, afterCode, { username: CONTOSO_ADMIN, password: SANDBOX_PASSWORD, consent: "accept" });
        })();
      },
    });
    await drive;
    expect(shown[0]).toMatch(/devicelogin/);
    expect(session).toMatchObject({ clientType: "public", tenantId: TENANTS.contoso, username: CONTOSO_ADMIN });
    expect(decodeJwt(await getAdminToken(session, "graph", { config: fx.config })).tid).toBe(TENANTS.contoso);
  });
});

describe("the Act-On app's tokens", () => {
  async function createdApp(legacy = false) {
    const session = await signInAs(fx);
    const graph: GraphContext = { baseUrl: fx.graphUrl, getToken: () => getAdminToken(session, "graph", { config: fx.config }) };
    const app = await createApplication(graph, { displayName: "Act-On Integration", tags: ["acton-test"], legacy });
    await createServicePrincipal(graph, { appId: app.appId, justCreated: true });
    const secret = await addClientSecret(graph, {
      objectId: app.objectId,
      displayName: "acton",
      endDateTime: new Date(Date.now() + 86_400_000),
      justCreated: true,
    });
    return { app, secret };
  }

  it("gets an app-only Dataverse token with client credentials", async () => {
    const { app, secret } = await createdApp();
    const envUrl = fx.environmentUrl(ENVIRONMENTS.contosoSales.urlName);
    const token = await getAppToken({
      config: fx.config,
      tenantId: TENANTS.contoso,
      clientId: app.appId,
      clientSecret: secret.secretText,
      resource: { environmentUrl: envUrl },
    });
    expect(decodeJwt(token)).toMatchObject({ aud: envUrl, appid: app.appId, tid: TENANTS.contoso });
  });

  it("an invalid secret is client_secret_invalid, or replication_pending right after the secret was made", async () => {
    const { app } = await createdApp();
    const options = { config: fx.config, tenantId: TENANTS.contoso, clientId: app.appId, clientSecret: "not-the-secret", resource: "graph" as const };
    const e = await expectCode(getAppToken(options), "client_secret_invalid");
    expect(e.upstreamCode).toBe("AADSTS7000215");
    expect(e.message).not.toContain("not-the-secret");
    const fresh = await expectCode(getAppToken({ ...options, justCreated: true }), "replication_pending");
    expect(fresh.appError.retryable).toBe(true);
  });

  it("an unknown app is not_found (AADSTS700016)", async () => {
    const e = await expectCode(
      getAppToken({
        config: fx.config,
        tenantId: TENANTS.contoso,
        clientId: "31000000-0000-4000-8000-00000000dead",
        clientSecret: "x",
        resource: "graph",
      }),
      "not_found",
    );
    expect(e.upstreamCode).toBe("AADSTS700016");
  });

  it("legacy verification: ROPC as a user on the Act-On app needs public client flows", async () => {
    const envUrl = fx.environmentUrl(ENVIRONMENTS.contosoSales.urlName);
    const appOnly = await createdApp(false);
    await expectCode(
      getUserTokenByPassword({
        config: fx.config,
        tenantId: TENANTS.contoso,
        clientId: appOnly.app.appId,
        username: CONTOSO_ADMIN,
        password: SANDBOX_PASSWORD,
        environmentUrl: envUrl,
      }),
      "public_client_not_allowed",
    );
  });

  it("legacy verification: an MFA user is refused with mfa_required", async () => {
    const envUrl = fx.environmentUrl(ENVIRONMENTS.contosoSales.urlName);
    const legacy = await createdApp(true);
    const e = await getUserTokenByPassword({
      config: fx.config,
      tenantId: TENANTS.contoso,
      clientId: legacy.app.appId,
      username: CONTOSO_MFA_ADMIN,
      password: SANDBOX_PASSWORD,
      environmentUrl: envUrl,
    }).catch((x: unknown) => x);
    // Either MFA (the user) or consent (nobody consented to the new app for this user) stops it; MFA is checked first.
    expect(isMicrosoftError(e, "mfa_required", "consent_required")).toBe(true);
  });
});
