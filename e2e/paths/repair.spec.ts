import { expect as baseExpect, test } from "../fixtures/test";
import { signInToConsole } from "../fixtures/support-console";
import { connectionIdOf, connectionObjects, deepLink, Journey, resetSandbox, sandboxState, signInAtMicrosoft } from "../journey/journey-support";
import { TENANTS } from "../../emulator/scenarios/ids";
import { SANDBOX } from "../fixtures/worker-ports";
import { ADMIN, connectAsAdmin, deleteApplicationUser } from "./handoff-support";

// Someone deletes the application user of an Active connection in Dynamics 365. Support.Admin's Probe now finds it
// failing with the cause; the console shows the cause, the customer's fix and the probe history. Act-On's Reconnect
// link opens the customer's status page, which says what broke; re-running verification shows the break; the repair's
// plan lists only the re-creation of the application user (the app, consent and credential are kept); the run restores
// Active, and the next probe finds it healthy. One journey: a connect and a repair are the slow part of each half.
const expect = baseExpect.configure({ timeout: 30_000 });

test("a deleted application user: Probe now → failing in the console → reconnect link → verification fails → repair of only the application user → Active → healthy", async ({
  browser,
  page,
  request,
}, testInfo) => {
  // The first connect, the console's sign-in, an intruder's browser and a repair: three times the config's 120 s.
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

  // Support.Admin probes it from the console.
  const supportContext = await browser.newContext({ ignoreHTTPSErrors: true });
  const support = new Journey(await supportContext.newPage(), testInfo);
  const supportPage = support.page;
  await supportPage.goto(`/support/connections/${connectionId}`);
  await signInToConsole(supportPage, "support.admin@actoncorp.onmicrosoft.com");
  const healthPanel = supportPage.getByRole("region", { name: /^Health/ });
  await expect(healthPanel).toContainText("Not probed yet");
  await supportPage.getByRole("button", { name: "Probe now" }).click();
  await expect(supportPage.getByRole("status").getByText(/Probed in \d+ ms: Failing \(Application user missing\)/)).toBeVisible();
  await expect(healthPanel).toHaveAttribute("data-health", "failing");
  await expect(healthPanel).toContainText("application_user_missing");
  await expect(healthPanel).toContainText("Customer's fix: The Act-On Integration application user is no longer in the Dynamics 365 environment");
  const history = supportPage.getByRole("region", { name: "Probe history table" });
  await expect(history.getByRole("row")).toHaveCount(2);
  await expect(history).toContainText("0x80072560");
  await support.checkpoint("console-failing");

  // Act-On's Reconnect, in a fresh browser: the status page says what broke, the fix, and what fits.
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const admin = await context.newPage();
  const j = new Journey(admin, testInfo);
  await admin.goto(await deepLink({ account, user: ADMIN, intent: "reconnect" }));
  await expect(admin).toHaveURL(new RegExp(`/connect/${connectionId}/status$`));
  const notice = admin.getByTestId("health-notice");
  await expect(admin.getByRole("heading", { level: 1, name: "Your Dynamics 365 connection needs attention" })).toBeVisible();
  await expect(notice.getByRole("heading", { name: "Act-On cannot reach your Dynamics 365 environment" })).toBeVisible();
  await expect(notice).toContainText("application user is no longer in your Dynamics 365 environment");
  await expect(notice).toContainText("What to do: Plan the repair");
  await expect(notice.getByRole("link", { name: "Go to Plan the repair" })).toBeVisible();
  await expect(admin.getByText("Act-On can now reach your Dynamics 365 environment")).toHaveCount(0);
  // With a failing probe on record, the offers are headed as fixes, not as a routine check.
  await expect(admin.getByRole("heading", { name: "Fix the connection" })).toBeVisible();
  await expect(admin.locator('[data-offer="verify"]')).toBeVisible();
  await expect(admin.locator('[data-offer="repair"]')).toBeVisible();
  await expect(admin.locator('[data-offer="start-over"]')).toBeVisible();
  await j.checkpoint("status-reconnect-failing");

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

  // Verified since the probe: the status page says so, without alarm, until the next probe confirms it.
  await admin.goto(`/connect/${connectionId}/status`);
  await expect(notice.getByRole("heading", { name: "Fixed since the last health check" })).toBeVisible();

  await supportPage.getByRole("button", { name: "Probe now" }).click();
  await expect(supportPage.getByRole("status").getByText(/Probed in \d+ ms: Healthy, was Failing\./)).toBeVisible();
  await expect(healthPanel).toHaveAttribute("data-health", "healthy");
  await expect(history.getByRole("row")).toHaveCount(3);
  await support.checkpoint("console-healthy");

  await admin.reload();
  await expect(admin.getByRole("heading", { level: 1, name: "Dynamics 365 is connected" })).toBeVisible();
  await expect(notice).toHaveCount(0);
  await expect(admin.getByText("Act-On can now reach your Dynamics 365 environment")).toBeVisible();
  await j.checkpoint("status-healthy");

  // The connection list shows health beside status, and filters by it.
  await supportPage.goto("/support?health=failing&healthCause=application_user_missing");
  const table = supportPage.getByRole("region", { name: "Connections table" });
  await expect(supportPage.getByLabel("Health", { exact: true })).toHaveValue("failing");
  await expect(table.or(supportPage.getByText("No connection matches."))).toBeVisible();
  await expect(supportPage.locator(`a[href="/support/connections/${connectionId}"]`)).toHaveCount(0);
  await supportPage.goto("/support?health=healthy");
  await expect(table.locator(`a[href="/support/connections/${connectionId}"]`)).toBeVisible();
  await support.checkpoint("console-list-healthy");
  await supportContext.close();
  await context.close();
  const line = `repair: deleted application user → Active in ${((Date.now() - started) / 1000).toFixed(1)} s wall (including the first connect and both probes)`;
  console.log(`[paths] ${line}`);
  testInfo.annotations.push({ type: "repair", description: line });
});
