import { expect as baseExpect, test } from "../fixtures/test";
import { signInToConsole } from "../fixtures/support-console";
import { connectionIdOf, connectionObjects, deepLink, Journey, resetSandbox, sandboxState, signInAtMicrosoft } from "../journey/journey-support";
import { ADMIN, connectAsAdmin, deleteApplicationUser } from "../paths/handoff-support";

// Connection health where people look: someone deletes the application user of an Active connection; Support.Admin's
// Probe now finds it failing with the cause, the console shows the cause, the customer's fix and the probe history, and
// the customer's status page says what broke and leads to the repair; after the repair, a probe finds it healthy.
const expect = baseExpect.configure({ timeout: 30_000 });

test("a deleted application user: Probe now → failing with its cause in the console and on the status page → repair → healthy", async ({
  browser,
  page,
  request,
}, testInfo) => {
  // A first connect, the console's sign-in and a repair: two journeys and a third sign-in.
  test.slow();
  await resetSandbox(request);
  const account = await connectAsAdmin(new Journey(page, testInfo), "health");
  const connectionId = connectionIdOf(page);
  const [user] = connectionObjects(await sandboxState(request), connectionId).users;
  await deleteApplicationUser(request, user.systemuserid);

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

  // Act-On's Reconnect opens the customer's status page: the cause in plain words, the fix, and the way to it.
  const customerContext = await browser.newContext({ ignoreHTTPSErrors: true });
  const admin = new Journey(await customerContext.newPage(), testInfo);
  const customer = admin.page;
  await customer.goto(await deepLink({ account, user: ADMIN, intent: "reconnect" }));
  await expect(customer).toHaveURL(new RegExp(`/connect/${connectionId}/status$`));
  const notice = customer.getByTestId("health-notice");
  await expect(customer.getByRole("heading", { level: 1, name: "Your Dynamics 365 connection needs attention" })).toBeVisible();
  await expect(notice.getByRole("heading", { name: "Act-On cannot reach your Dynamics 365 environment" })).toBeVisible();
  await expect(notice).toContainText("application user is no longer in your Dynamics 365 environment");
  await expect(notice).toContainText("What to do: Plan the repair");
  await expect(customer.getByText("Act-On can now reach your Dynamics 365 environment")).toHaveCount(0);
  await admin.checkpoint("status-failing");

  // The way to it: the repair offer below, which acts as the admin: sign in with Microsoft first.
  await admin.click(notice.getByRole("link", { name: "Go to Plan the repair" }));
  await admin.click(customer.locator('[data-offer="repair"]').getByRole("link", { name: "Sign in with Microsoft first" }));
  await admin.click(customer.getByRole("button", { name: "Sign in with Microsoft" }));
  await signInAtMicrosoft(admin, ADMIN);
  await expect(customer).toHaveURL(/\/status$/);
  await admin.click(customer.getByRole("button", { name: "Plan the repair" }));
  await customer.waitForURL(/\/plan$/);
  await expect(customer.getByTestId("plan-changes").locator("[data-plan-step]")).toHaveCount(1);
  await admin.click(customer.getByRole("button", { name: "Approve and repair" }));
  await customer.waitForURL(/\/progress$/);
  await expect(customer.getByText("Connected. Your Dynamics connection is active.")).toBeVisible({ timeout: 60_000 });

  // Verified since the probe: the status page says so, without alarm, until the next probe confirms it.
  await customer.goto(`/connect/${connectionId}/status`);
  await expect(notice.getByRole("heading", { name: "Fixed since the last health check" })).toBeVisible();

  await supportPage.getByRole("button", { name: "Probe now" }).click();
  await expect(supportPage.getByRole("status").getByText(/Probed in \d+ ms: Healthy, was Failing\./)).toBeVisible();
  await expect(healthPanel).toHaveAttribute("data-health", "healthy");
  await expect(history.getByRole("row")).toHaveCount(3);
  await support.checkpoint("console-healthy");

  await customer.reload();
  await expect(customer.getByRole("heading", { level: 1, name: "Dynamics 365 is connected" })).toBeVisible();
  await expect(notice).toHaveCount(0);
  await expect(customer.getByText("Act-On can now reach your Dynamics 365 environment")).toBeVisible();
  await admin.checkpoint("status-healthy");

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
  await customerContext.close();
});
