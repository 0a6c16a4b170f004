import { dirname } from "node:path";
import { jwtVerify } from "jose";
import { ACTON_SERVICES, TENANTS } from "../../emulator/scenarios/ids";
import { actOnServiceToken } from "../fixtures/acton-service";
import { startConnectorPortal } from "../fixtures/worker-stack";
import type { Page } from "@playwright/test";
import { expect as baseExpect, test } from "../fixtures/test";
import {
  addFault,
  clearFaults,
  connectionIdOf,
  connectionObjects,
  CONTOSO,
  deepLink,
  freshAccount,
  Journey,
  objectCounts,
  PORTAL,
  resetSandbox,
  RETURN_ORIGIN,
  standInForActOn,
  sandboxState,
  signInAtMicrosoft,
  SALES_URL,
  writableFootprint,
} from "./journey-support";

// The customer admin's journey on the recommended path (cloud OAuth), in Debian's Chromium against the sandbox, as a
// new user would: Act-On's signed link, Microsoft's real sign-in and consent pages, the plan, the live checklist,
// sync options, the status page and back to Act-On. Each test resets its worker's own sandbox and uses a fresh account,
// so the tests are spread over the workers.
test.describe.configure({ mode: "parallel" });
// The shared 2-core machine can be slow to render a page; a missing element still fails, just later.
const expect = baseExpect.configure({ timeout: 20_000 });

const ADMIN = `admin@${CONTOSO}`;
// A test that switches the sandbox to another scenario must not leave it there for the next spec file.
test.afterEach(async ({ request }) => resetSandbox(request));

/** From the plan to Active: approve, then watch the checklist (which must update without a reload). */
async function approveAndWatch(j: Journey, options: { keyboard?: boolean } = {}) {
  const { page } = j;
  await expect(page.getByRole("heading", { name: "Review the plan" })).toBeVisible();
  await expect(page.getByText("Least privilege (recommended)")).toBeVisible();
  await expect(page.getByRole("radio", { name: /Least privilege/ })).toBeChecked();
  await j.checkpoint("plan");
  const approve = page.getByRole("button", { name: "Approve and connect" });
  if (options.keyboard) {
    await approve.focus();
    await j.press(approve);
  } else await j.click(approve);
  await page.waitForURL(/\/progress$/);
  await expect(page.getByRole("list", { name: "Setup steps" })).toBeVisible();
  await j.checkpoint("checklist-started");
}

async function expectActive(page: Page) {
  await expect(page.getByText("Connected. Your Dynamics connection is active.")).toBeVisible({ timeout: 60_000 });
  for (const step of ["environment", "preconditions", "appRegistration", "adminConsent", "clientSecret", "applicationUser", "verify"]) {
    await expect(page.locator(`li[data-step="${step}"]`)).toHaveAttribute("data-state", "done");
  }
}

test("admin@: from Act-On's link to an Active connection, sync options, status and back to Act-On", async ({ page, request }, testInfo) => {
  await resetSandbox(request);
  const j = new Journey(page, testInfo);
  // Act-On knows the account's environment (its MS Dynamics settings hold the URL) and names it in the link.
  const link = await deepLink({ account: freshAccount("admin"), user: ADMIN, name: "Contoso Marketing", environment: SALES_URL });
  const returned = await standInForActOn(page);

  const started = Date.now();
  await page.goto(link);
  await expect(page).toHaveURL(/\/connect\/[^/]+\/sign-in$/);
  await expect(page.getByText(/create the “Act-On Integration” app in your directory/)).toBeVisible();
  await expect(page.getByText("(Dynamics 365: user_impersonation)")).toBeVisible();
  await j.checkpoint("sign-in");
  await j.click(page.getByRole("button", { name: "Sign in with Microsoft" }));
  await signInAtMicrosoft(j, ADMIN, { expectConsent: true });

  // Contoso has two environments; Act-On named Contoso Sales, which Microsoft lists for admin@: its plan is next.
  await page.waitForURL(/\/plan\?environment=acton$/);
  await expect(page.getByTestId("environment-chosen")).toContainText("Act-On named this environment for your account: Contoso Sales");
  await expect(page.getByText("prvCreateLead")).toBeVisible();
  await approveAndWatch(j);
  await expectActive(page);
  const wallMs = Date.now() - started;
  const adminMs = wallMs - j.instrumentationMs;
  const clicks = j.clicks;
  await j.checkpoint("checklist-active");
  const line = `admin@ link → Active: ${(adminMs / 1000).toFixed(1)} s of the admin's time (${(wallMs / 1000).toFixed(1)} s wall including the test's screenshots and axe scans), ${clicks} clicks`;
  console.log(`[journey] ${line}`);
  testInfo.annotations.push({ type: "link to Active", description: line });
  // The goal is 60 s; on a loaded shared machine set E2E_ENFORCE_TIMING=0 to only report it (a generous bound stays).
  expect(adminMs, "goal: at most 60 s from opening the link to Active").toBeLessThanOrEqual(
    process.env.E2E_ENFORCE_TIMING === "0" ? 180_000 : 60_000,
  );
  expect(clicks, "clicks from opening the link to Active (goal: 5)").toBeLessThanOrEqual(5);

  // Sync options (defaults are sensible), then the status page.
  await page.getByRole("link", { name: "Continue: choose what syncs" }).click();
  await expect(page).toHaveURL(/\/sync$/);
  await expect(page.getByRole("checkbox", { name: "Leads" })).toBeChecked();
  await expect(page.getByRole("radio", { name: "Every 4 hours" })).toBeChecked();
  await expect(page.getByRole("radio", { name: "Every 2 hours" })).toHaveCount(0);
  await j.checkpoint("sync-options");
  await page.getByRole("checkbox", { name: "Accounts" }).click();
  await page.getByRole("radio", { name: "Every 12 hours" }).click();
  await page.getByRole("button", { name: "Save sync options" }).click();
  await expect(page).toHaveURL(/\/status$/);
  await expect(page.getByRole("heading", { name: "Dynamics 365 is connected" })).toBeVisible();
  await expect(page.getByText("leads, contacts, accounts; score to leads and contacts; every 12 hours")).toBeVisible();
  await expect(page.getByText("Act-On Integration (least privilege)")).toBeVisible();
  await j.checkpoint("status");

  // The sandbox holds exactly one of each object for this connection.
  const connectionId = connectionIdOf(page);
  const objects = connectionObjects(await sandboxState(request), connectionId);
  expect(objects.apps).toHaveLength(1);
  expect(objects.sps).toHaveLength(1);
  expect(objects.grants).toHaveLength(1);
  expect(objects.grants[0]).toMatchObject({ consentType: "AllPrincipals", scope: expect.stringContaining("user_impersonation") });
  expect(objects.users).toHaveLength(1);
  expect(objects.roleLinks).toHaveLength(1);
  // A certificate by default: the app holds one and no client secret; the status page says so.
  expect(objects.secrets).toHaveLength(0);
  expect(objects.certificates).toHaveLength(1);
  await expect(page.getByText(objects.apps[0].appId)).toBeVisible();
  await expect(page.getByText("A certificate, no client secret", { exact: false })).toBeVisible();

  // Return to Act-On: the session's return URL with the outcome signed like the launch link.
  await page.getByRole("link", { name: "Return to Act-On" }).click();
  await expect(page.getByRole("heading", { name: "Act-On settings" })).toBeVisible();
  expect(returned).toHaveLength(1);
  const back = new URL(returned[0]);
  expect(back.origin + back.pathname).toBe(`${RETURN_ORIGIN}/settings/connectors/crm/dynamics`);
  const outcome = back.searchParams.get("acton_outcome");
  expect(outcome).toBeTruthy();
  const [kid, secret] = process.env.E2E_DEEP_LINK_SECRET!.split(/:(.*)/s);
  const { payload, protectedHeader } = await jwtVerify(outcome!, new TextEncoder().encode(secret), { audience: RETURN_ORIGIN, issuer: PORTAL });
  expect(protectedHeader.kid).toBe(kid);
  expect(payload).toMatchObject({ connection_id: connectionId, status: "active" });
  console.log(`[journey] pages checked by axe-core: ${[...j.audited].join(", ")}`);
});

test("appadmin@ in the realistic Contoso: one environment, so the plan follows the sign-in; Active in five clicks", async ({
  page,
  request,
}, testInfo) => {
  // The realistic scenario: directory replication lag, Dataverse's late admission of new application users, and an
  // Application Administrator who is a user of one environment only (Contoso Sales, as its System Administrator).
  await resetSandbox(request, "realistic");
  const j = new Journey(page, testInfo);
  const user = `appadmin@${CONTOSO}`;
  const started = Date.now();
  await page.goto(await deepLink({ account: freshAccount("one-env"), user }));
  await expect(page).toHaveURL(/\/sign-in$/);
  await j.click(page.getByRole("button", { name: "Sign in with Microsoft" }));
  await signInAtMicrosoft(j, user, { expectConsent: true });
  await page.waitForURL(/\/plan\?environment=only$/);
  await expect(page.getByTestId("environment-chosen")).toContainText("Contoso Sales");
  await expect(page.getByRole("button", { name: "Choose another environment" })).toBeVisible();
  await approveAndWatch(j);
  await expectActive(page);
  const adminMs = Date.now() - started - j.instrumentationMs;
  const line = `appadmin@ (one environment) link → Active: ${(adminMs / 1000).toFixed(1)} s of the admin's time, ${j.clicks} clicks`;
  console.log(`[journey] ${line}`);
  testInfo.annotations.push({ type: "link to Active", description: line });
  expect(j.clicks, "clicks from opening the link to Active (goal: 5)").toBeLessThanOrEqual(5);
  expect(adminMs).toBeLessThanOrEqual(process.env.E2E_ENFORCE_TIMING === "0" ? 180_000 : 60_000);
  expect(objectCounts(connectionObjects(await sandboxState(request), connectionIdOf(page)))).toEqual([1, 1, 1, 1, 1, 1]);
});

test("mfa.admin@, keyboard only: MFA stays on and the cloud path works", async ({ page, request }, testInfo) => {
  await resetSandbox(request);
  const j = new Journey(page, testInfo);
  const user = `mfa.admin@${CONTOSO}`;
  // Act-On's link names an environment Microsoft does not list for mfa.admin@: offered, never swapped for another.
  const unlisted = "https://contoso-archive.crm.dynamics.com";
  await page.goto(await deepLink({ account: freshAccount("mfa"), user, environment: unlisted }));
  await expect(page).toHaveURL(/\/sign-in$/);
  await j.checkpoint("sign-in");
  // Tab from the top of the page to the sign-in link: a visible focus ring, then Enter.
  const signIn = page.getByRole("button", { name: "Sign in with Microsoft" });
  for (let i = 0; i < 30 && !(await signIn.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press("Tab");
  await expect(signIn).toBeFocused();
  expect(await signIn.evaluate((el) => getComputedStyle(el).boxShadow)).not.toBe("none");
  await j.press(signIn);
  await signInAtMicrosoft(j, user, { keyboard: true, expectConsent: true });
  await expect(page).toHaveURL(/\/environment$/);
  await expect(page.getByTestId("unlisted-suggestion")).toContainText(unlisted);
  await expect(page.getByLabel("Or paste the environment's URL")).toHaveValue(unlisted);
  await j.checkpoint("environment");
  const sales = page.getByRole("button", { name: "Connect Contoso Sales" });
  for (let i = 0; i < 40 && !(await sales.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press("Tab");
  await expect(sales).toBeFocused();
  await j.press(sales);
  await page.waitForURL(/\/plan$/);
  await approveAndWatch(j, { keyboard: true });
  await expectActive(page);
  await j.checkpoint("checklist-active");

  // The admin's MFA requirement is untouched by the cloud path.
  const state = await sandboxState(request);
  const users = (state as unknown as { users: { userPrincipalName: string; perUserMfaState?: string; strongAuthenticationRequirements?: unknown }[] })
    .users;
  const mfaAdmin = users?.find((u) => u.userPrincipalName === user);
  if (mfaAdmin?.perUserMfaState !== undefined) expect(mfaAdmin.perUserMfaState).toBe("enforced");

  // Keyboard through the sync options: Space toggles, arrows move within a radio group, Enter submits.
  await page.getByRole("link", { name: "Continue: choose what syncs" }).focus();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/sync$/);
  await j.checkpoint("sync-options");
  await page.getByRole("button", { name: "Save sync options" }).focus();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/status$/);
  // The URL changes before the page has streamed in (the route's loading state has no heading): wait for the page.
  await expect(page.getByRole("heading", { level: 1, name: "Dynamics 365 is connected" })).toBeVisible();
  await j.checkpoint("status");
});

test("user@ (no admin role): told which role is missing and who can grant it; nothing is written at Microsoft", async ({
  browser,
  page,
  request,
}, testInfo) => {
  await resetSandbox(request);
  // A Global Administrator consented to the portal for the organization earlier (otherwise user@ could not sign in to
  // it at all: Microsoft would ask for an admin's approval).
  const adminContext = await browser.newContext({ ignoreHTTPSErrors: true });
  const adminPage = await adminContext.newPage();
  const aj = new Journey(adminPage, testInfo);
  await adminPage.goto(await deepLink({ account: freshAccount("consent"), user: `admin@${CONTOSO}` }));
  await adminPage.getByRole("button", { name: "Sign in with Microsoft" }).click();
  await signInAtMicrosoft(aj, `admin@${CONTOSO}`, { consentForOrganization: true, expectConsent: true });
  await expect(adminPage).toHaveURL(/\/environment$/);
  await adminContext.close();

  const before = writableFootprint(await sandboxState(request));
  const j = new Journey(page, testInfo);
  const user = `user@${CONTOSO}`;
  await page.goto(await deepLink({ account: freshAccount("user"), user }));
  await j.checkpoint("sign-in");
  await j.click(page.getByRole("button", { name: "Sign in with Microsoft" }));
  await signInAtMicrosoft(j, user, { expectConsent: false });
  // Microsoft lists one environment for user@ (Contoso Sales, as a basic user): no choice to make, the plan is next.
  await page.waitForURL(/\/plan\?environment=only$/);
  await expect(page.getByTestId("environment-chosen")).toContainText("Contoso Sales");
  const blockers = page
    .getByRole("region", { name: "Fix these first" })
    .or(page.locator("section", { has: page.getByRole("heading", { name: "Fix these first" }) }));
  await expect(blockers.first()).toBeVisible();
  await expect(page.getByText(/Application Administrator or Cloud Application Administrator role/)).toBeVisible();
  await expect(page.getByText(/cannot register apps/).and(page.getByText(/Ask a Global Administrator/))).toBeVisible();
  await expect(page.getByText(/System Administrator/).first()).toBeVisible();
  await expect(page.getByRole("button", { name: "Approve and connect" })).toHaveCount(0);
  await j.checkpoint("plan-blocked");
  console.log(`[journey] user@ link → blocked plan: ${j.clicks} clicks`);

  // Another environment is still one button away; bad input there is answered in plain words and changes nothing.
  await j.click(page.getByRole("button", { name: "Choose another environment" }));
  await expect(page).toHaveURL(/\/environment$/);
  await expect(page.getByRole("button", { name: "Connect Contoso Sales" })).toBeVisible();
  await j.checkpoint("environment");
  await page.getByLabel("Or paste the environment's URL").fill("http://contoso.crm.dynamics.com");
  await page.getByRole("button", { name: "Use this URL" }).click();
  await expect(page.getByText("Paste the environment's full address, starting with https://").first()).toBeVisible();
  await expect(page).toHaveURL(/\/environment$/);
  await j.checkpoint("environment-bad-url");
  await j.click(page.getByRole("button", { name: "Connect Contoso Sales" }));
  await page.waitForURL(/\/plan$/);
  await expect(blockers.first()).toBeVisible();
  await expect(page.getByTestId("environment-chosen")).toHaveCount(0);
  expect(writableFootprint(await sandboxState(request))).toEqual(before);
});

test("a 503 in the application-user step: the checklist shows the failure live, survives a reload and a reopened tab, and Retry completes", async ({
  context,
  page,
  request,
}, testInfo) => {
  await resetSandbox(request);
  await clearFaults(request);
  const j = new Journey(page, testInfo);
  await page.goto(await deepLink({ account: freshAccount("retry"), user: ADMIN }));
  await j.click(page.getByRole("button", { name: "Sign in with Microsoft" }));
  await signInAtMicrosoft(j, ADMIN, { expectConsent: true });
  await j.click(page.getByRole("button", { name: "Connect Contoso Sales" }));
  await page.waitForURL(/\/plan$/);
  // Dataverse answers 503 to every application-user write until the fault is cleared.
  await addFault(request, { service: "dataverse", method: "POST", path: "/api/data/v9.2/systemusers", kind: "unavailable", remaining: null });
  await approveAndWatch(j);
  const appUser = page.locator('li[data-step="applicationUser"]');
  await expect(appUser).toHaveAttribute("data-state", /retrying|failed/, { timeout: 30_000 });
  await expect(page.locator('li[data-step="clientSecret"]')).toHaveAttribute("data-state", "done");
  // The page watched the steps change without a reload, and told screen readers (aria-live) as they did.
  await expect(page.getByTestId("checklist-announcer")).toContainText(/Create the Dynamics application user: (Waiting for Microsoft|Failed)/);
  await j.checkpoint("application-user-503");

  // A reload in the middle of the run lands on the same checklist, at the same step.
  await page.reload();
  await expect(page).toHaveURL(/\/progress$/);
  await expect(page.locator('li[data-step="clientSecret"]')).toHaveAttribute("data-state", "done");
  await expect(appUser).toHaveAttribute("data-state", /retrying|failed/);
  await j.checkpoint("after-reload");

  // Closing the tab and opening the connection again (same browser) resumes there too.
  const connectionId = connectionIdOf(page);
  await page.close();
  const reopened = await context.newPage();
  const rj = new Journey(reopened, testInfo);
  await reopened.goto(`${PORTAL}/connect/${connectionId}`);
  await expect(reopened).toHaveURL(/\/progress$/);
  const appUserAgain = reopened.locator('li[data-step="applicationUser"]');
  await expect(reopened.locator('li[data-step="clientSecret"]')).toHaveAttribute("data-state", "done");

  // The step's budget runs out: failed, with the reason, the code and Microsoft's request ids, and Retry.
  await expect(appUserAgain).toHaveAttribute("data-state", "failed", { timeout: 60_000 });
  await expect(appUserAgain.getByText(/Microsoft|Dynamics/).first()).toBeVisible();
  await appUserAgain.getByRole("button", { name: "Details for support" }).click();
  await expect(appUserAgain.getByText("upstream_unavailable")).toBeVisible();
  await expect(appUserAgain.getByText("Microsoft request ids")).toBeVisible();
  await rj.checkpoint("application-user-failed");

  await clearFaults(request);
  // The engine deleted the admin's stored sign-in when the run failed: the retry acts only after a fresh sign-in
  // (the browser is still signed in at Microsoft, so it is the account picker).
  const signInAgain = reopened.getByRole("link", { name: "Sign in with Microsoft to retry" });
  if (await signInAgain.isVisible()) {
    await signInAgain.click();
    await reopened.getByRole("button", { name: "Sign in with Microsoft" }).click();
    await signInAtMicrosoft(rj, ADMIN, { expectConsent: false });
    await expect(reopened).toHaveURL(/\/progress$/);
  }
  await reopened.locator('li[data-step="applicationUser"]').getByRole("button", { name: "Retry this step" }).click();
  await expectActive(reopened);
  await rj.checkpoint("retried-active");
  expect(objectCounts(connectionObjects(await sandboxState(request), connectionId))).toEqual([1, 1, 1, 1, 1, 1]);
});

test("another account's connection is not found, and pages without a session send the admin to start from Act-On", async ({
  browser,
  page,
  request,
}, testInfo) => {
  await resetSandbox(request);
  const j = new Journey(page, testInfo);
  await page.goto(await deepLink({ account: freshAccount("owner"), user: ADMIN }));
  await expect(page).toHaveURL(/\/sign-in$/);
  const theirs = connectionIdOf(page);

  const other = await browser.newContext();
  const otherPage = await other.newPage();
  const oj = new Journey(otherPage, testInfo);
  await otherPage.goto(await deepLink({ account: freshAccount("intruder"), user: ADMIN }));
  await expect(otherPage).toHaveURL(/\/sign-in$/);
  for (const sub of ["", "/environment", "/plan", "/progress", "/sync", "/status"]) {
    const res = await otherPage.goto(`${PORTAL}/connect/${theirs}${sub}`);
    expect(res?.status(), sub).toBe(404);
    await expect(otherPage.getByRole("heading", { name: "Connection not found" })).toBeVisible();
  }
  await oj.checkpoint("not-found");
  const state = await otherPage.request.get(`${PORTAL}/connect/${theirs}/progress/state`);
  expect(state.status()).toBe(404);
  await other.close();

  const anonymous = await browser.newContext();
  const anon = await anonymous.newPage();
  await anon.goto(`${PORTAL}/connect/${theirs}/status`);
  await expect(anon).not.toHaveURL(/\/status$/);
  expect((await anon.request.get(`${PORTAL}/connect/${theirs}/progress/state`)).status()).toBe(401);
  await anonymous.close();
  await j.checkpoint("owner-still-fine");
});

test("admin@ connects with the Act-On Connector: no app or credential in Contoso, and Act-On's service gets tokens Dataverse accepts", async ({
  page,
  request,
}, testInfo) => {
  test.slow();
  await resetSandbox(request);
  // A portal configured with the sandbox's Act-On Connector, as `npm run demo` is (this worker's portal is not).
  const connectorPortal = await startConnectorPortal(dirname(testInfo.config.configFile ?? `${process.cwd()}/playwright.config.ts`));
  try {
    const j = new Journey(page, testInfo, connectorPortal.portal);
    await page.goto(await deepLink({ account: freshAccount("connector"), user: ADMIN, environment: SALES_URL, portal: connectorPortal.portal }));
    await expect(page).toHaveURL(/\/sign-in$/);
    await j.click(page.getByRole("button", { name: "Sign in with Microsoft" }));
    await signInAtMicrosoft(j, ADMIN, { expectConsent: true });
    await page.waitForURL(/\/plan\?environment=acton$/);
    // The plan says exactly what the connector is granted, and that nothing needs rotating; no app is registered.
    await expect(page.getByText(/Approve the Act-On Connector, Act-On's own app \(client id 31000000-0000-4000-8000-000000000002\)/)).toBeVisible();
    await expect(page.getByText(/Nothing needs rotating/)).toBeVisible();
    await expect(page.getByText(/App registration “Act-On Integration”/)).toHaveCount(0);
    await approveAndWatch(j);
    await expect(page.getByText("Connected. Your Dynamics connection is active.")).toBeVisible({ timeout: 60_000 });
    for (const step of ["environment", "preconditions", "adminConsent", "applicationUser", "verify"])
      await expect(page.locator(`li[data-step="${step}"]`)).toHaveAttribute("data-state", "done");
    for (const step of ["appRegistration", "clientSecret"]) await expect(page.locator(`li[data-step="${step}"]`)).toHaveCount(0);
    await j.checkpoint("connector-checklist-active");
    const connectionId = connectionIdOf(page);

    await page.goto(`${connectorPortal.portal}/connect/${connectionId}/status`);
    await expect(page.getByText(/Act-On's own Act-On Connector app, approved for your organization/)).toBeVisible();
    await expect(page.getByText(/Never: nothing is stored for this connection/)).toBeVisible();
    await j.checkpoint("connector-status");

    // Contoso holds no app of Act-On's, one service principal for the connector's app id and one application user for it.
    const state = await sandboxState(request);
    expect(connectionObjects(state, connectionId).apps).toHaveLength(0);
    const contosoApps = (state as unknown as { applications: { tenantId: string; displayName: string }[] }).applications;
    expect(contosoApps.filter((a) => a.tenantId === TENANTS.contoso && a.displayName === "Act-On Integration")).toEqual([]);
    const sps = (state as unknown as { servicePrincipals: { tenantId: string; appId: string }[] }).servicePrincipals;
    expect(sps.filter((sp) => sp.tenantId === TENANTS.contoso && sp.appId === ACTON_SERVICES.connector.appId)).toHaveLength(1);
    const sales = state.environments.find((e) => e.urlName === "contoso-sales")!;
    expect(sales.systemUsers.filter((u) => u.applicationid === ACTON_SERVICES.connector.appId)).toHaveLength(1);

    // Act-On's service (its own token from actoncorp) asks the portal for a Dataverse token; Dataverse accepts it.
    const serviceToken = await actOnServiceToken();
    const minted = await fetch(`${connectorPortal.portal}/api/v1/connections/${connectionId}/access-tokens`, {
      method: "POST",
      headers: { authorization: `Bearer ${serviceToken}` },
      signal: AbortSignal.timeout(60_000),
    });
    expect(minted.status).toBe(200);
    const { accessToken, tenantId } = (await minted.json()) as { accessToken: string; tenantId: string };
    expect(tenantId).toBe(TENANTS.contoso);
    const whoAmI = await fetch(`${SALES_URL}/api/data/v9.2/WhoAmI`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(whoAmI.status).toBe(200);
    // The credentials route has nothing to hand out for a connector connection.
    const credentials = await fetch(`${connectorPortal.portal}/api/v1/connections/${connectionId}/credentials`, {
      headers: { authorization: `Bearer ${serviceToken}` },
    });
    expect(credentials.status).toBe(409);
  } finally {
    await connectorPortal.stop();
  }
});
