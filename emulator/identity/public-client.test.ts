/**
 * Public-client flows with msal-node's PublicClientApplication: ROPC (what legacy connectors use, and what MFA
 * breaks) and the device code flow completed through the /devicelogin page.
 */
import { PublicClientApplication } from "@azure/msal-node";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Application } from "../core/state";
import { buildDefaultScenario, sha256Hex } from "../scenarios/default";
import { SANDBOX_PASSWORD, SERVICE_PRINCIPALS, TENANTS } from "../scenarios/ids";
import { completeSignIn, FetchBrowser } from "../testing/fetch-browser";
import { useSandbox } from "@/test/support/sandbox";
import { decodeJwt, postToken } from "../testing/raw-oauth";
import { contosoApplicationDefaults } from "../testing/contoso-application";

const sb = useSandbox();
const silentLogger = { loggerCallback: () => undefined, piiLoggingEnabled: false };
const CLI_APP = { appId: "39000000-0000-4000-8000-000000000002", spId: "48000000-0000-4000-8000-000000000002" };

/** A Contoso app with "Allow public client flows" on (or off), consented for Graph User.Read and Dataverse. */
async function withCliApp(opts: { publicClient: boolean; consented?: boolean; withSecret?: boolean }): Promise<void> {
  const state = buildDefaultScenario();
  const app: Application = {
    id: "38000000-0000-4000-8000-000000000002",
    appId: CLI_APP.appId,
    ...contosoApplicationDefaults(),
    displayName: "Contoso CLI",
    isFallbackPublicClient: opts.publicClient,
    publicClient: { redirectUris: ["http://localhost"] },
    passwordCredentials: opts.withSecret
      ? [
          {
            keyId: "37000000-0000-4000-8000-000000000009",
            displayName: null,
            hint: "Cli",
            startDateTime: "2024-01-01T00:00:00Z",
            endDateTime: "2099-01-01T00:00:00Z",
            secretSha256: sha256Hex("Cli8Q~secret"),
          },
        ]
      : [],
    createdDateTime: "2024-01-01T00:00:00Z",
  };
  state.applications.push(app);
  state.servicePrincipals.push({
    id: CLI_APP.spId,
    appId: CLI_APP.appId,
    tenantId: TENANTS.contoso,
    displayName: "Contoso CLI",
    appOwnerOrganizationId: TENANTS.contoso,
    servicePrincipalNames: [CLI_APP.appId],
    accountEnabled: true,
    appRoleAssignmentRequired: false,
    tags: [],
    createdDateTime: "2024-01-01T00:00:00Z",
  });
  if (opts.consented !== false) {
    state.oauth2PermissionGrants.push(
      {
        id: "58000000-0000-4000-8000-000000000011",
        tenantId: TENANTS.contoso,
        clientId: CLI_APP.spId,
        consentType: "AllPrincipals",
        principalId: null,
        resourceId: SERVICE_PRINCIPALS.contosoGraph,
        scope: "openid profile offline_access email User.Read",
      },
      {
        id: "58000000-0000-4000-8000-000000000012",
        tenantId: TENANTS.contoso,
        clientId: CLI_APP.spId,
        consentType: "AllPrincipals",
        principalId: null,
        resourceId: SERVICE_PRINCIPALS.contosoDataverse,
        scope: "user_impersonation",
      },
    );
  }
  await sb.control.reset({ state });
}

function pca(tenant = "contoso.onmicrosoft.com") {
  return new PublicClientApplication({
    auth: { clientId: CLI_APP.appId, authority: `${sb.origin}/${tenant}`, knownAuthorities: [sb.host] },
    system: { loggerOptions: silentLogger },
  });
}

const ropc = (form: Record<string, string>, tenant = "contoso.onmicrosoft.com") =>
  postToken(sb.origin, tenant, {
    grant_type: "password",
    client_id: CLI_APP.appId,
    scope: "User.Read openid profile offline_access",
    username: "admin@contoso.onmicrosoft.com",
    password: SANDBOX_PASSWORD,
    ...form,
  });

describe("resource owner password credentials (ROPC)", () => {
  it("signs a user in with username and password when public client flows are allowed", async () => {
    await withCliApp({ publicClient: true });
    const result = await pca().acquireTokenByUsernamePassword({
      scopes: [`${sb.origin}/dynamics/contoso-sales/user_impersonation`],
      username: "admin@contoso.onmicrosoft.com",
      password: SANDBOX_PASSWORD,
    });
    expect(result!.account?.homeAccountId).toBe(`${result!.account?.localAccountId}.${TENANTS.contoso}`);
    expect(decodeJwt(result!.accessToken)).toMatchObject({
      aud: `${sb.origin}/dynamics/contoso-sales`,
      scp: "user_impersonation",
      appidacr: "0",
      amr: ["pwd"],
    });
  });

  it("refuses a client that is not a public client and sends no secret (AADSTS7000218, HTTP 401)", async () => {
    await withCliApp({ publicClient: false });
    await expect(
      pca().acquireTokenByUsernamePassword({ scopes: ["User.Read"], username: "admin@contoso.onmicrosoft.com", password: SANDBOX_PASSWORD }),
    ).rejects.toMatchObject({
      errorCode: "invalid_client",
      errorMessage: expect.stringContaining("AADSTS7000218"),
    });
    const raw = await ropc({});
    expect(raw.status).toBe(401);
    expect(raw.body).toMatchObject({ error: "invalid_client", error_codes: [7000218] });
  });

  it("fails with AADSTS50076 for a user with per-user MFA, and for everyone when security defaults are on", async () => {
    await withCliApp({ publicClient: true });
    await expect(
      pca().acquireTokenByUsernamePassword({ scopes: ["User.Read"], username: "mfa.admin@contoso.onmicrosoft.com", password: SANDBOX_PASSWORD }),
    ).rejects.toMatchObject({
      errorMessage: expect.stringContaining("AADSTS50076"),
    });
    const raw = await ropc({ username: "mfa.admin@contoso.onmicrosoft.com" });
    expect(raw.status).toBe(400);
    expect(raw.body).toMatchObject({ error: "invalid_grant", error_codes: [50076], suberror: "basic_action" });

    const state = await sb.control.getState();
    expect(state.users.find((u) => u.userPrincipalName === "admin@contoso.onmicrosoft.com")?.perUserMfaState).toBe("disabled");
    await sb.control.reset({ scenario: "security-defaults" });
    const sd = await postToken(sb.origin, "contoso.onmicrosoft.com", {
      grant_type: "password",
      client_id: "31000000-0000-4000-8000-000000000001",
      client_secret: "Pq8Q~sandbox-portal-secret-not-for-production",
      scope: "User.Read",
      username: "admin@contoso.onmicrosoft.com",
      password: SANDBOX_PASSWORD,
    });
    expect(sd.body).toMatchObject({ error_codes: [50076] });
  });

  it.each([
    ["a wrong password", { password: "wrong" }, "contoso.onmicrosoft.com", 400, "invalid_grant", 50126],
    ["an unknown user", { username: "ghost@contoso.onmicrosoft.com" }, "contoso.onmicrosoft.com", 400, "invalid_grant", 50034],
    ["the /common endpoint", {}, "common", 400, "invalid_request", 9001023],
    ["an unknown tenant", {}, "northwind.onmicrosoft.com", 400, "invalid_request", 90002],
    ["a public client sending a secret", { client_secret: "anything" }, "contoso.onmicrosoft.com", 400, "invalid_client", 700025],
    ["an invalid scope", { scope: "https://graph.microsoft.com/Not.A.Scope" }, "contoso.onmicrosoft.com", 400, "invalid_scope", 70011],
  ])("refuses %s", async (_name, form, tenant, status, error, code) => {
    await withCliApp({ publicClient: true });
    const res = await ropc(form as Record<string, string>, tenant);
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ error, error_codes: [code] });
  });

  it("accepts a confidential client's own secret, and answers AADSTS65001 when nobody consented", async () => {
    await withCliApp({ publicClient: false, withSecret: true, consented: false });
    const res = await ropc({ client_secret: "Cli8Q~secret" });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: "invalid_grant", suberror: "consent_required", error_codes: [65001] });
    await withCliApp({ publicClient: false, withSecret: true });
    expect((await ropc({ client_secret: "Cli8Q~secret" })).status).toBe(200);
  });

  it("rotates refresh tokens and keeps the old one usable, as Entra does", async () => {
    await withCliApp({ publicClient: true });
    const first = await ropc({});
    const rt = first.body.refresh_token as string;
    const refreshed = await postToken(sb.origin, "contoso.onmicrosoft.com", {
      grant_type: "refresh_token",
      client_id: CLI_APP.appId,
      refresh_token: rt,
      scope: `${sb.origin}/dynamics/contoso-eu/.default`,
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).not.toBe(rt);
    expect(decodeJwt(refreshed.body.access_token as string).aud).toBe(`${sb.origin}/dynamics/contoso-eu`);
    const again = await postToken(sb.origin, "contoso.onmicrosoft.com", {
      grant_type: "refresh_token",
      client_id: CLI_APP.appId,
      refresh_token: rt,
      scope: "User.Read",
    });
    expect(again.status).toBe(200);
  });
});

describe("device code flow", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("completes acquireTokenByDeviceCode once the user signs in on /devicelogin", async () => {
    await withCliApp({ publicClient: true });
    const browser = new FetchBrowser(sb.origin);
    let message = "";
    const pending = pca("organizations").acquireTokenByDeviceCode({
      scopes: ["User.Read"],
      deviceCodeCallback: (response) => {
        message = response.message;
        void (async () => {
          expect(response.verificationUri).toBe(`${sb.origin}/devicelogin`);
          const entry = await browser.go(response.verificationUri);
          const afterCode = await browser.submit(entry, { otc: response.userCode }, "Next");
          const done = await completeSignIn(browser, afterCode, { username: "admin@contoso.onmicrosoft.com", password: SANDBOX_PASSWORD });
          expect(done.kind === "page" && done.text).toContain("You have signed in to the Contoso CLI application on your device");
        })();
      },
    });
    const result = await pending;
    expect(message).toMatch(
      /^To sign in, use a web browser to open the page https:\/\/localhost:\d+\/devicelogin and enter the code [A-Z0-9]{9} to authenticate\.$/,
    );
    expect(result!.account?.username).toBe("admin@contoso.onmicrosoft.com");
    expect(decodeJwt(result!.accessToken).aud).toBe("https://graph.microsoft.com");
  });

  it("answers authorization_pending, then authorization_declined or expired_token on the polling endpoint", async () => {
    await withCliApp({ publicClient: true, consented: false });
    const start = await fetch(`${sb.origin}/organizations/oauth2/v2.0/devicecode`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ client_id: CLI_APP.appId, scope: "User.Read offline_access" }),
    });
    const dc = (await start.json()) as Record<string, string | number>;
    expect(Object.keys(dc).sort()).toEqual(["device_code", "expires_in", "interval", "message", "user_code", "verification_uri"]);
    const poll = () =>
      postToken(sb.origin, "organizations", {
        grant_type: "urn:ietf:params:oauth:grant-type:device_code",
        client_id: CLI_APP.appId,
        device_code: String(dc.device_code),
      });
    expect((await poll()).body).toMatchObject({ error: "authorization_pending", error_codes: [70016] });

    const browser = new FetchBrowser(sb.origin);
    const entry = await browser.submit(await browser.go("/devicelogin"), { otc: String(dc.user_code) }, "Next");
    const consent = await completeSignIn(browser, entry, { username: "user@contoso.onmicrosoft.com", password: SANDBOX_PASSWORD });
    const declined = await completeSignIn(browser, consent, { username: "", password: "", consent: "cancel" });
    expect(declined.kind === "page" && declined.text).toContain("declined");
    expect((await poll()).body).toMatchObject({ error: "authorization_declined" });

    const second = (await (
      await fetch(`${sb.origin}/organizations/oauth2/v2.0/devicecode`, {
        method: "POST",
        body: new URLSearchParams({ client_id: CLI_APP.appId, scope: "User.Read" }),
      })
    ).json()) as Record<string, string | number>;
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + (Number(second.expires_in) + 1) * 1000);
    const expired = await postToken(sb.origin, "organizations", {
      grant_type: "urn:ietf:params:oauth:grant-type:device_code",
      client_id: CLI_APP.appId,
      device_code: String(second.device_code),
    });
    expect(expired.body).toMatchObject({ error: "expired_token", error_codes: [70019] });
  });
});
