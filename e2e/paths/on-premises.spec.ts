import { createServer, type AddressInfo, type Server } from "node:net";
import { expect, test } from "../fixtures/test";
import { LISTENER_PORT } from "../fixtures/worker-ports";
import { expectAccessible, launchNewConnection, SANDBOX_ORIGIN, snap } from "./paths-support";
import { SESSION_COOKIE } from "../../lib/sessions/session-cookie";

// The on-premises path in the browser against the sandbox's "Contoso On-Prem" org (HTTP Basic, CONTOSO\crmadmin).
// The sandbox's host is the only private host the e2e portal may reach (ONPREM_ALLOWED_PRIVATE_HOSTS); a local
// listener stands in for a server on a private address and proves no connection (so no password) reached it.
const ONPREM_URL = `${SANDBOX_ORIGIN}/dynamics/contoso-onprem`;
const PASSWORD = "Sandbox-Passw0rd!";

let listener: Server;
let connectionsSeen = 0;
test.beforeAll(async () => {
  listener = createServer((socket) => {
    connectionsSeen += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(LISTENER_PORT, "127.0.0.1", resolve));
});
test.afterAll(async () => {
  await new Promise((resolve) => listener.close(resolve));
});

test("on-premises: refusals in plain words, no credential sent to a private address, then Active with CONTOSO\\crmadmin", async ({
  page,
  baseURL,
}, testInfo) => {
  const connectionId = await launchNewConnection(page, baseURL);
  await page.goto(`/connect/${connectionId}/on-premises`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Connect an on-premises Dynamics 365 server");
  await expectAccessible(page);
  await snap(page, testInfo, "1-form");

  const submit = async (serverUrl: string, username: string, password: string) => {
    await page.getByLabel("Server address").fill(serverUrl);
    await page.getByLabel("Domain user").fill(username);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Connect" }).click();
  };

  // http:// is refused by the form's own schema, before anything else.
  await submit(ONPREM_URL.replace("https:", "http:"), "CONTOSO\\crmadmin", PASSWORD);
  await expect(page.locator("form [role=alert]")).toContainText("Not connected");
  await expect(page.locator("#serverUrl-error")).toContainText("https://");
  await expect(page.getByLabel("Password")).toHaveValue("");
  await expectAccessible(page);
  await snap(page, testInfo, "2-http-refused");

  // A private (RFC 1918) address and a loopback address (the local listener): refused, and nothing connected.
  await submit("https://10.1.2.3/contoso", "CONTOSO\\crmadmin", PASSWORD);
  await expect(page.locator("form [role=alert]")).toContainText("private network address");
  await snap(page, testInfo, "3-private-refused");
  const port = (listener.address() as AddressInfo).port;
  await submit(`https://localhost:${port}/contoso`, "CONTOSO\\crmadmin", PASSWORD);
  await expect(page.locator("form [role=alert]")).toContainText("loopback address");
  expect(connectionsSeen).toBe(0);
  await expectAccessible(page);
  await snap(page, testInfo, "4-loopback-refused");

  // The real server with a wrong password: the run goes to the checklist (no action waits for it), whose failed step
  // gives the server's answer in words and the way back to the form; the password is not echoed.
  await submit(ONPREM_URL, "CONTOSO\\crmadmin", "not-the-password");
  await expect(page).toHaveURL(new RegExp(`/connect/${connectionId}/progress$`));
  await expect(page.getByRole("list", { name: "Setup steps" })).toContainText("did not accept that user name and password", { timeout: 60_000 });
  expect(await page.content()).not.toContain("not-the-password");
  await snap(page, testInfo, "5-wrong-password");
  await page.getByRole("link", { name: "Try another server address or user" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Connect an on-premises Dynamics 365 server");

  // The right password: the checklist follows the run to the end, then leads to the connection.
  await submit(ONPREM_URL, "CONTOSO\\crmadmin", PASSWORD);
  await expect(page).toHaveURL(new RegExp(`/connect/${connectionId}/progress$`));
  await expect(page.getByText("Connected. Your Dynamics connection is active.")).toBeVisible({ timeout: 60_000 });
  await page.getByRole("link", { name: "See the connection" }).click();
  await expect(page.getByRole("heading", { name: "Connected" })).toBeVisible();
  await expect(page.getByText(ONPREM_URL)).toBeVisible();
  await expect(page.getByText("CONTOSO\\crmadmin")).toBeVisible();
  expect(await page.content()).not.toContain(PASSWORD);
  await expectAccessible(page);
  await snap(page, testInfo, "6-connected");

  // Disconnect from the status page's link: the confirmation lists exactly what goes (an on-premises connection has
  // no app or application user to offer), then the connection is disconnected and Act-On is one click away.
  await page.goto(`/connect/${connectionId}/disconnect`);
  await expect(page.getByRole("heading", { name: "What will be removed" })).toBeVisible();
  await expect(page.getByRole("listitem").filter({ hasText: "The stored password" })).toBeVisible();
  await expect(page.getByLabel(/Disable the application user/)).toHaveCount(0);
  await expect(page.getByLabel(/Delete the .* app registration/)).toHaveCount(0);
  await expectAccessible(page);
  await snap(page, testInfo, "7-disconnect-confirmation");
  await page.getByRole("button", { name: "Disconnect" }).click();
  // The disconnect run is followed on the checklist to its end, then the disconnected page.
  await expect(page).toHaveURL(new RegExp(`/connect/${connectionId}/progress$`));
  await expect(page.getByText("Disconnected. Act-On no longer holds any credential for this connection.")).toBeVisible({ timeout: 60_000 });
  await page.getByRole("link", { name: "Continue" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Disconnected");
  await expect(page.getByRole("link", { name: "Return to Act-On" })).toHaveAttribute("href", "/return-to-acton");
  await expectAccessible(page);
  await snap(page, testInfo, "8-disconnected");
});

test("a damaged hand-off link is refused with its own page and a 4xx, and opens no session", async ({ page }) => {
  const response = await page.goto("/handoff?t=not-a-link");
  expect(response?.status()).toBe(400);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("This hand-off link cannot be opened");
  expect((await page.context().cookies()).map((c) => c.name)).not.toContain(SESSION_COOKIE);
  await expectAccessible(page);
});
