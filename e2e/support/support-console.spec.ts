import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { expect as baseExpect, test } from "../fixtures/test";
import { launchUrl, signLaunchToken } from "../../lib/deep-link/launch-link";
import { revokeSignInSessions, seedFailedWebhookDelivery, seedFailingConnection, signInToConsole as signIn } from "../fixtures/support-console";
import { SANDBOX } from "../fixtures/worker-ports";
import { USERS } from "../../emulator/scenarios/ids";
import { SESSION_COOKIE } from "../../lib/sessions/session-cookie";

// The support console in Chromium, signing Act-On staff in through the sandbox's real sign-in pages (MSAL.js,
// authorization code + PKCE, SPA redirect URI), against data seeded in the e2e portal's database.
const PASSWORD = "Sandbox-Passw0rd!";
// A sign-in is several full page loads (portal → sandbox → callback → start page → API): give each expectation room on
// a loaded 2-core machine.
const expect = baseExpect.configure({ timeout: 20_000 });

async function expectNoAxeViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
}

test("support@ signs in, finds a connection by tenant domain and sees the failing step's cause and request ids", async ({
  page,
  context,
  baseURL,
}) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseURL });
  const seeded = seedFailingConnection();
  await page.goto("/support");
  await expect(page.getByRole("heading", { name: "Act-On support console" })).toBeVisible();
  await expectNoAxeViolations(page);

  await signIn(page, "support@actoncorp.onmicrosoft.com");
  await expect(page.getByRole("heading", { name: "Connections" })).toBeVisible();
  await expect(page.getByText("(Support.Read)")).toBeVisible();
  // MSAL keeps its tokens in this tab's sessionStorage, never in localStorage.
  expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => /token|msal/i.test(k)))).toEqual([]);

  await page.getByLabel("Search", { exact: true }).fill(seeded.tenantDomain.toUpperCase());
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/q=/);
  const table = page.getByRole("region", { name: "Connections table" });
  await expect(table.getByRole("row")).toHaveCount(2); // header + the one match
  await expect(table.getByText("consent_required")).toBeVisible();
  await expectNoAxeViolations(page);

  await table.getByRole("link", { name: seeded.accountName }).click();
  await expect(page.getByRole("heading", { name: seeded.accountName })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Why it failed: Grant admin consent" })).toBeVisible();
  await expect(page.getByText(seeded.message).first()).toBeVisible();
  await expect(page.getByText("AADSTS65001")).toBeVisible();
  for (const id of seeded.requestIds) await expect(page.getByText(id, { exact: true })).toBeVisible();
  await expect(page.getByText("2 attempts")).toBeVisible();
  // Support.Read sees no admin actions.
  await expect(page.getByRole("heading", { name: "Support actions" })).toHaveCount(0);

  await page.getByRole("button", { name: `Copy request id ${seeded.requestIds[0]}` }).click();
  await expect(page.getByText("Copied")).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(seeded.requestIds[0]);
  await expectNoAxeViolations(page);

  await page.getByRole("tab", { name: "Audit log" }).click();
  await expect(page.getByRole("tabpanel")).toBeVisible();
  await expectNoAxeViolations(page);

  // Support.Read sees the webhook deliveries but cannot redeliver.
  seedFailedWebhookDelivery(seeded.connectionId);
  await page.reload();
  await page.getByRole("tab", { name: "Webhook deliveries" }).click();
  const deliveries = page.getByRole("region", { name: "Webhook deliveries table" });
  await expect(deliveries.getByText("connection.step_failed")).toBeVisible();
  await expect(deliveries.getByRole("button", { name: "Redeliver" })).toHaveCount(0);
});

test("support.admin@ re-runs verification and mints a reconnect link for the customer from the connection's page", async ({ page }) => {
  const seeded = seedFailingConnection();
  await page.goto(`/support/connections/${seeded.connectionId}`);
  await signIn(page, "support.admin@actoncorp.onmicrosoft.com");
  // Back on the page where sign-in began.
  await expect(page.getByRole("heading", { name: seeded.accountName })).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`/support/connections/${seeded.connectionId}$`));
  await expect(page.getByRole("heading", { name: "Support actions" })).toBeVisible();

  // Re-run verification: a verify-only run with the stored credential; the seeded connection holds none, so the
  // timeline gains a verify run that fails, and the audit log names the support person.
  await expect(page.getByRole("region", { name: /^verify run of / })).toHaveCount(0);
  await page.getByRole("button", { name: "Re-run verification" }).click();
  await expect(page.getByRole("status").getByText(/Verification started with the stored credential/)).toBeVisible();
  const verifyRun = page.getByRole("region", { name: /^verify run of / });
  await expect(verifyRun).toHaveCount(1);
  await expect(verifyRun.getByText("failed", { exact: true }).first()).toBeVisible();
  await expect(verifyRun.getByText("No client secret is stored for this connection.", { exact: false })).toBeVisible();
  await expectNoAxeViolations(page);

  await page.getByRole("button", { name: "Mint reconnect link" }).click();
  const dialog = page.getByRole("dialog", { name: "Reconnect link" });
  await dialog.getByLabel("Customer admin's e-mail").fill("not-an-address");
  await dialog.getByRole("button", { name: "Mint link" }).click();
  await expect(dialog.getByRole("alert")).toContainText("e-mail");
  await dialog.getByLabel("Customer admin's e-mail").fill("admin@northwind.example");
  await dialog.getByRole("button", { name: "Mint link" }).click();
  const link = dialog.getByLabel(/Link to send/);
  await expect(link).toHaveValue(/\/launch\?t=[\w-]+\.[\w-]+\.[\w-]+$/);
  await expectNoAxeViolations(page);
  await dialog.getByRole("button", { name: "Close" }).click();

  await page.getByRole("tab", { name: "Audit log" }).click();
  const audit = page.getByRole("region", { name: "Audit log table" });
  await expect(audit.getByText("support.reconnect_link.minted")).toBeVisible();
  await expect(audit.getByText("run.started")).toBeVisible();
  await expect(audit.getByText("recipient: admin@northwind.example", { exact: false })).toBeVisible();
  // The link itself is never kept or shown again.
  expect(await audit.textContent()).not.toContain("/launch?t=");
});

test("support.admin@ sees a connection's failed webhook delivery and redelivers it", async ({ page, request }) => {
  const seeded = seedFailingConnection();
  seedFailedWebhookDelivery(seeded.connectionId);
  // The browser's clock, which MSAL.js reads to decide that an access token has expired (moved forward below).
  await page.clock.install();
  await page.goto(`/support/connections/${seeded.connectionId}`);
  await signIn(page, "support.admin@actoncorp.onmicrosoft.com");
  await expect(page.getByRole("heading", { name: seeded.accountName })).toBeVisible();

  await page.getByRole("tab", { name: "Webhook deliveries" }).click();
  const table = page.getByRole("region", { name: "Webhook deliveries table" });
  const row = table.getByRole("row").filter({ hasText: "connection.step_failed" });
  await expect(row).toHaveCount(1);
  await expect(row.getByText("failed", { exact: true })).toBeVisible();
  await expect(row.getByText("503")).toBeVisible();
  await expectNoAxeViolations(page);

  await row.getByRole("button", { name: "Redeliver" }).click();
  await expect(page.getByRole("status").getByText("Queued for delivery again (same webhook-id).")).toBeVisible();
  await expect(row.getByText("pending", { exact: true })).toBeVisible();

  await page.getByRole("tab", { name: "Audit log" }).click();
  await expect(page.getByRole("region", { name: "Audit log table" }).getByText("webhook.redelivery_requested")).toBeVisible();

  // Two hours on, the access token (one hour) has expired: the console renews it silently with its refresh token, and
  // the next page loads with no sign-in page in between.
  const renewals: string[] = [];
  const bridged: string[] = [];
  page.on("request", (r) => {
    if (r.method() === "POST" && r.url().startsWith(`${SANDBOX}/`) && new URL(r.url()).pathname.endsWith("/oauth2/v2.0/token")) {
      renewals.push(new URLSearchParams(r.postData() ?? "").get("grant_type") ?? "");
    }
  });
  // Microsoft's answers sent to the redirect bridge (in the URL's fragment, which no request carries: read the redirect).
  page.on("response", (r) => {
    const location = r.headers()["location"] ?? "";
    if (r.url().startsWith(`${SANDBOX}/`) && location.includes("/redirect-bridge")) bridged.push(location);
  });
  // The hidden frames MSAL.js opens: the bridge must load in them, not be replaced by Chromium's error page.
  const frames: string[] = [];
  page.on("framenavigated", (f) => {
    if (f !== page.mainFrame()) frames.push(f.url());
  });
  await page.clock.fastForward("02:00:00");
  await page.getByRole("link", { name: "Webhook endpoints" }).click();
  await expect(page.getByRole("heading", { name: "Webhook endpoints" })).toBeVisible();
  // The endpoints came from the API with the renewed token (no "Loading", no refusal).
  await expect(
    page
      .getByRole("main")
      .getByRole("listitem", { name: /^Endpoint / })
      .first(),
  ).toBeVisible();
  await expect(page.getByRole("main").getByRole("alert")).toHaveCount(0);
  expect(renewals).toEqual(["refresh_token"]);
  expect(page.url()).not.toContain(SANDBOX);

  // An Act-On administrator revokes this person's sign-in sessions. Once the renewed token has expired too, the
  // refresh token is refused (AADSTS50173) and Microsoft's silent sign-in in the hidden frame answers login_required
  // through the redirect bridge: the console asks to sign in again instead of failing.
  await revokeSignInSessions(request, USERS.actonSupportAdmin);
  await page.clock.fastForward("02:00:00");
  await page.getByRole("link", { name: "Support console" }).click();
  await expect(page.getByRole("heading", { name: "Your sign-in has ended — sign in again" })).toBeVisible();
  await expect(page.getByText("could not start")).toHaveCount(0);
  expect(renewals).toEqual(["refresh_token", "refresh_token"]);
  expect(bridged).toHaveLength(1);
  expect(new URL(bridged[0]).hash).toContain("error=login_required");
  expect(frames.some((u) => new URL(u).pathname === "/redirect-bridge")).toBe(true);
  expect(frames.filter((u) => u.startsWith("chrome-error:"))).toEqual([]);
  await expectNoAxeViolations(page);
  await page.getByRole("button", { name: "Sign in again" }).click();
  await expect(page.getByLabel("Password")).toBeVisible();
  expect(page.url()).toContain(SANDBOX);
});

test("a customer admin gets nothing from the console: their portal session grants nothing and Microsoft refuses them", async ({ page, baseURL }) => {
  // A real customer session: the admin arrives from Act-On with a signed link and holds a session cookie.
  const secret = process.env.E2E_DEEP_LINK_SECRET!;
  const token = await signLaunchToken({
    keys: [{ kid: secret.slice(0, secret.indexOf(":")), secret: secret.slice(secret.indexOf(":") + 1) }],
    audience: baseURL!,
    actonAccountId: `contoso-${Date.now().toString(36)}`,
    accountName: "Contoso",
    userEmail: "admin@contoso.onmicrosoft.com",
    intent: "connect",
    returnTo: `${process.env.E2E_ACTON_RETURN_ORIGINS}/connectors`,
  });
  await page.goto(launchUrl(baseURL!, token));
  await page.waitForURL(/\/connect\/[^/]+\/sign-in$/);
  await page.waitForLoadState("networkidle");
  expect((await page.context().cookies()).some((c) => c.name === SESSION_COOKIE)).toBe(true);

  // The console's API ignores the cookie: without an Act-On staff token it answers 401.
  const api = await page.request.get("/api/support/connections");
  expect(api.status()).toBe(401);
  expect(api.headers()["content-type"]).toBe("application/problem+json");

  await page.goto("/support");
  await expect(page.getByRole("heading", { name: "Act-On support console" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Connections" })).toHaveCount(0);

  // Signing in with the customer's Microsoft account: the console's authority is Act-On's tenant only.
  await page.getByRole("button", { name: "Sign in with your Act-On account" }).click();
  await page.getByLabel("Email, phone, or Skype").fill("admin@contoso.onmicrosoft.com");
  await page.getByRole("button", { name: "Next" }).click();
  const password = page.getByLabel("Password");
  const refusal = page.getByText(/does not exist in tenant/);
  await expect(password.or(refusal)).toBeVisible();
  if (await password.isVisible()) {
    await password.fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
  }
  await expect(refusal).toBeVisible();
  expect(page.url()).not.toContain("/support/connections");
});

test("Act-On staff without a Support role see a clear refusal page", async ({ page }) => {
  await page.goto("/support");
  await signIn(page, "staff@actoncorp.onmicrosoft.com");
  await expect(page.getByRole("heading", { name: "You do not have access to the support console" })).toBeVisible();
  await expect(page.getByText("Signed in as staff@actoncorp.onmicrosoft.com")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Connections" })).toHaveCount(0);
  await expectNoAxeViolations(page);
});
