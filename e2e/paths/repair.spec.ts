import { expect as baseExpect, test } from "../fixtures/test";
import { connectionIdOf, connectionObjects, deepLink, Journey, resetSandbox, sandboxState, signInAtMicrosoft } from "../journey/journey-support";
import { TENANTS } from "../../emulator/scenarios/ids";
import { SANDBOX } from "../fixtures/worker-ports";
import { ADMIN, connectAsAdmin, deleteApplicationUser } from "./handoff-support";

// Reconnect and fix: someone deletes the application user in Dynamics 365; Act-On's Reconnect link opens the
// connection's status page, where re-running verification shows the break and the repair's plan lists only the
// re-creation of the application user (the app, consent and client secret are kept); the run restores Active.
const expect = baseExpect.configure({ timeout: 30_000 });

test("a deleted application user: reconnect link → status → verification fails → repair plans only the re-creation → Active", async ({
  browser,
  page,
  request,
}, testInfo) => {
  // Two journeys in one test (the first connect, then the repair) and a third browser: three times the config's 120 s.
  test.slow();
  const started = Date.now();
  await resetSandbox(request);
  const setup = new Journey(page, testInfo);
  const account = await connectAsAdmin(setup, "repair");
  const connectionId = connectionIdOf(page);
  const before = connectionObjects(await sandboxState(request), connectionId);
  expect(before.users).toHaveLength(1);

  // In Power Platform admin center, someone deletes the application user.
  await deleteApplicationUser(request, before.users[0].systemuserid);
  expect(connectionObjects(await sandboxState(request), connectionId).users).toHaveLength(0);

  // Act-On's Reconnect, in a fresh browser: the status page with what fits.
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const admin = await context.newPage();
  const j = new Journey(admin, testInfo);
  await admin.goto(await deepLink({ account, user: ADMIN, intent: "reconnect" }));
  await expect(admin).toHaveURL(new RegExp(`/connect/${connectionId}/status$`));
  await expect(admin.getByRole("heading", { name: "Check or fix the connection" })).toBeVisible();
  await expect(admin.locator('[data-offer="verify"]')).toBeVisible();
  await expect(admin.locator('[data-offer="repair"]')).toBeVisible();
  await expect(admin.locator('[data-offer="start-over"]')).toBeVisible();
  await j.checkpoint("status-reconnect");

  // Re-run verification: no sign-in needed; the stored secret signs in, but there is no application user any more.
  await j.click(admin.getByRole("button", { name: "Re-run verification" }));
  await admin.waitForURL(/\/progress$/);
  await expect(admin.locator('li[data-step="verify"]')).toHaveAttribute("data-state", "failed", { timeout: 60_000 });
  // It says what broke and what to do, not "still enabling, will retry" (nothing was just created).
  await expect(admin.locator('li[data-step="verify"]')).toContainText("application user is no longer in this Dynamics 365 environment");
  await expect(admin.getByText(/retry automatically/)).toHaveCount(0);
  // A re-check, not a setup: it says so, checks again without a Microsoft sign-in, and points to the repair.
  await expect(admin.getByRole("heading", { level: 1, name: "Checking your Dynamics connection" })).toBeVisible();
  await expect(admin.getByRole("link", { name: "Sign in with Microsoft to retry" })).toHaveCount(0);
  await expect(admin.locator('li[data-step="verify"]').getByRole("button", { name: "Retry this step" })).toBeVisible();
  await j.checkpoint("verification-failed");

  // Tenant binding: once the connection has a tenant, its sign-in goes to that tenant's authority (and offers no other
  // organization), so Microsoft admits only Contoso's own members and guests there; an administrator of Fabrikam who
  // opens Act-On's link cannot sign in to their own organization from this connection. The portal's refusal of a token
  // from another tenant is proven in lib/sessions/microsoft-sign-in.integration.test.ts.
  const intruderContext = await browser.newContext({ ignoreHTTPSErrors: true });
  const intruder = await intruderContext.newPage();
  const k = new Journey(intruder, testInfo);
  await intruder.goto(await deepLink({ account, user: "admin@fabrikam.onmicrosoft.com", intent: "reconnect" }));
  await expect(intruder).toHaveURL(new RegExp(`/connect/${connectionId}/status$`));
  await k.click(intruder.locator('[data-offer="repair"]').getByRole("link", { name: "Sign in with Microsoft first" }));
  await expect(intruder.getByText("Sign in to another organization")).toHaveCount(0);
  await k.click(intruder.getByRole("button", { name: "Sign in with Microsoft" }));
  await intruder.waitForURL((url) => url.origin === SANDBOX);
  expect(new URL(intruder.url()).pathname).toMatch(new RegExp(`^/${TENANTS.contoso}/`));
  await intruderContext.close();

  // Back on the status page: the connection is broken; repairing acts as the admin, who signs in first.
  await j.click(admin.getByRole("link", { name: "Open the connection's status page" }));
  await expect(admin).toHaveURL(/\/status$/);
  await expect(admin.getByRole("heading", { name: "Fix the connection" })).toBeVisible();
  await j.click(admin.locator('[data-offer="repair"]').getByRole("link", { name: "Sign in with Microsoft first" }));
  await j.click(admin.getByRole("button", { name: "Sign in with Microsoft" }));
  await signInAtMicrosoft(j, ADMIN);
  await expect(admin).toHaveURL(/\/status$/);
  await j.checkpoint("status-signed-in");
  await j.click(admin.getByRole("button", { name: "Plan the repair" }));
  await admin.waitForURL(/\/plan$/);

  // The plan: only the application user (and its role) is work; everything else is kept or only checked.
  await expect(admin.getByRole("heading", { name: "Review the repair" })).toBeVisible();
  const changes = admin.getByTestId("plan-changes");
  await expect(changes.locator("[data-plan-step]")).toHaveCount(1);
  await expect(changes.locator('[data-plan-step="applicationUser"]')).toContainText("Application user for the app");
  await expect(changes.locator('[data-verb]:not([data-verb="create"])')).toHaveCount(0);
  const kept = admin.getByTestId("plan-kept");
  await expect(kept).toContainText("App registration “Act-On Integration”");
  await expect(kept).toContainText("Admin consent for Dynamics CRM user_impersonation, already granted");
  await expect(kept).toContainText(/The (client secret|certificate) .*Microsoft still has it/);
  await j.checkpoint("repair-plan");

  await j.click(admin.getByRole("button", { name: "Approve and repair" }));
  await admin.waitForURL(/\/progress$/);
  await expect(admin.getByText("Connected. Your Dynamics connection is active.")).toBeVisible({ timeout: 60_000 });
  await j.checkpoint("repaired-active");
  const after = connectionObjects(await sandboxState(request), connectionId);
  expect(after.users).toHaveLength(1);
  expect(after.roleLinks).toHaveLength(1);
  expect(after.apps.map((a) => a.appId)).toEqual(before.apps.map((a) => a.appId));
  expect(after.secrets.map((s) => s.keyId)).toEqual(before.secrets.map((s) => s.keyId));
  await context.close();
  const line = `repair: deleted application user → Active in ${((Date.now() - started) / 1000).toFixed(1)} s wall (including the first connect)`;
  console.log(`[paths] ${line}`);
  testInfo.annotations.push({ type: "repair", description: line });
});
