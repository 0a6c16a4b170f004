import { createHash, randomBytes } from "node:crypto";
import { expect, test } from "../fixtures/test";
import { SANDBOX } from "../fixtures/worker-ports";
import { PORTAL_APP, PORTAL_APP_SECRET } from "../../emulator/scenarios/ids";

// The sandbox's identity pages in a real browser: an admin signs in to the portal app for the first time, consents
// for the organization, and the authorization code comes back to the redirect URI with the state, as from Entra ID.
const sandbox = SANDBOX;

test("a first-time admin signs in, consents for the organization, and the code redeems with PKCE", async ({ page, request, baseURL }) => {
  await request.post(`${sandbox}/__emulator/reset`, { data: { scenario: "default" } });
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const state = "eyJpZCI6IjEyMyJ9+/=|user-state"; // MSAL-style: standard base64 with + / =, echoed exactly
  const redirectUri = `${baseURL}/auth/callback`; // registered as http://localhost/auth/callback; Entra ignores the port
  const authorize = new URL(`${sandbox}/organizations/oauth2/v2.0/authorize`);
  for (const [k, v] of Object.entries({
    client_id: PORTAL_APP.appId,
    response_type: "code",
    redirect_uri: redirectUri,
    response_mode: "query",
    scope: "openid profile offline_access https://graph.microsoft.com/User.Read",
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
  }))
    authorize.searchParams.set(k, v);

  await page.goto(authorize.toString());
  await page.getByLabel("Email, phone, or Skype").fill("admin@contoso.onmicrosoft.com");
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByLabel("Password").fill("Sandbox-Passw0rd!");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("Permissions requested")).toBeVisible();
  await page.getByLabel("Consent on behalf of your organization").check();
  // This test plays the client itself: it reads the redirect Entra sends to the callback address and redeems the code
  // (the portal's own callback, which has no sign-in pending for this browser, refuses it without redeeming it).
  const callback = page.waitForRequest((r) => new URL(r.url()).pathname === "/auth/callback");
  await page.getByRole("button", { name: "Accept" }).click();

  const back = new URL((await callback).url());
  expect(back.searchParams.get("state")).toBe(state);
  const code = back.searchParams.get("code");
  expect(code).toBeTruthy();
  expect(back.searchParams.get("client_info")).toBeTruthy();

  const token = await request.post(`${sandbox}/organizations/oauth2/v2.0/token`, {
    form: {
      grant_type: "authorization_code",
      client_id: PORTAL_APP.appId,
      client_secret: PORTAL_APP_SECRET,
      code: code!,
      redirect_uri: redirectUri,
      code_verifier: verifier,
      scope: "openid profile offline_access https://graph.microsoft.com/User.Read",
    },
  });
  expect(token.status()).toBe(200);
  expect(await token.json()).toMatchObject({
    token_type: "Bearer",
    access_token: expect.any(String),
    refresh_token: expect.any(String),
    id_token: expect.any(String),
  });

  // The organization-wide consent is now in the directory: a service principal and an AllPrincipals grant.
  const state2 = await (await request.get(`${sandbox}/__emulator/state`)).json();
  const sp = state2.servicePrincipals.find(
    (s: { appId: string; tenantId: string }) => s.appId === PORTAL_APP.appId && s.tenantId === "10000000-0000-4000-8000-000000000001",
  );
  expect(sp).toBeTruthy();
  expect(
    state2.oauth2PermissionGrants.some((g: { clientId: string; consentType: string }) => g.clientId === sp.id && g.consentType === "AllPrincipals"),
  ).toBe(true);
});

test("a wrong password is refused on the page, in Microsoft's words", async ({ page, request, baseURL }) => {
  await request.post(`${sandbox}/__emulator/reset`, { data: { scenario: "default" } });
  const authorize = `${sandbox}/organizations/oauth2/v2.0/authorize?client_id=${PORTAL_APP.appId}&response_type=code&redirect_uri=${encodeURIComponent(`${baseURL}/auth/callback`)}&scope=openid&code_challenge=${"a".repeat(43)}&code_challenge_method=S256`;
  await page.goto(authorize);
  await page.getByLabel("Email, phone, or Skype").fill("admin@contoso.onmicrosoft.com");
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText(/incorrect/i)).toBeVisible();
});
