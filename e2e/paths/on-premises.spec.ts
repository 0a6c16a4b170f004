import { createServer, type AddressInfo, type Server } from "node:net";
import type { Page } from "@playwright/test";
import { expect, test } from "../fixtures/test";
import { LISTENER_PORT } from "../fixtures/worker-ports";
import { expectAccessible, launchNewConnection, SANDBOX_ORIGIN, snap } from "./paths-support";
import { SESSION_COOKIE } from "../../lib/sessions/session-cookie";

// The on-premises path in the browser against the sandbox's two on-premises orgs: "Contoso On-Prem" (IIS with Windows
// authentication: NTLM, CONTOSO\crmadmin, Web API 9.1) and "Contoso IFD" (Internet-facing, AD FS, Web API 9.0). Both
// refuse HTTP Basic as IIS does. The sandbox's host is the only private host the e2e portal may reach
// (ONPREM_ALLOWED_PRIVATE_HOSTS); a local listener stands in for a server on a private address and proves no
// connection (so no password) reached it.
const ONPREM_URL = `${SANDBOX_ORIGIN}/dynamics/contoso-onprem`;
const IFD_URL = `${SANDBOX_ORIGIN}/dynamics/contoso-ifd`;
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

async function askServer(page: Page, serverUrl: string) {
  await page.getByLabel("Server address").fill(serverUrl);
  await page.getByRole("button", { name: "Continue" }).click();
}

async function signIn(page: Page, username: string, password: string) {
  await page.getByLabel("Domain user").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Connect", exact: true }).click();
}

test("the sandbox refuses HTTP Basic as IIS does (Windows org) and as an IFD does (AD FS bearer challenge)", async ({ request }) => {
  const basic = { authorization: `Basic ${Buffer.from(`CONTOSO\\crmadmin:${PASSWORD}`).toString("base64")}` };
  const windows = await request.get(`${ONPREM_URL}/api/data/v9.1/WhoAmI`, { headers: basic });
  expect(windows.status()).toBe(401);
  expect(
    windows
      .headersArray()
      .filter((h) => h.name.toLowerCase() === "www-authenticate")
      .map((h) => h.value),
  ).toEqual(["Negotiate", "NTLM"]);
  const ifd = await request.get(`${IFD_URL}/api/data/v9.0/WhoAmI`, { headers: basic });
  expect(ifd.status()).toBe(401);
  expect(ifd.headers()["www-authenticate"]).toBe(`Bearer authorization_uri=${SANDBOX_ORIGIN}/adfs/oauth2/authorize, resource_id=${IFD_URL}/`);
});

test("Windows org: refusals in plain words, no credential sent to a private address, the sign-in named, then Active with CONTOSO\\crmadmin", async ({
  page,
  baseURL,
}, testInfo) => {
  const connectionId = await launchNewConnection(page, baseURL);
  await page.goto(`/connect/${connectionId}/on-premises`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Connect an on-premises Dynamics 365 server");
  await expectAccessible(page);
  await snap(page, testInfo, "1-form");

  // http:// is refused by the form's own schema, before anything else; no password is asked for yet.
  await expect(page.getByLabel("Password")).toHaveCount(0);
  await askServer(page, ONPREM_URL.replace("https:", "http:"));
  await expect(page.locator("form [role=alert]")).toContainText("Not connected");
  await expect(page.locator("#serverUrl-error")).toContainText("https://");
  await expectAccessible(page);
  await snap(page, testInfo, "2-http-refused");

  // A private (RFC 1918) address and a loopback address (the local listener): refused, and nothing connected.
  await askServer(page, "https://10.1.2.3/contoso");
  await expect(page.locator("form [role=alert]")).toContainText("private network address");
  await snap(page, testInfo, "3-private-refused");
  const port = (listener.address() as AddressInfo).port;
  await askServer(page, `https://localhost:${port}/contoso`);
  await expect(page.locator("form [role=alert]")).toContainText("loopback address");
  expect(connectionsSeen).toBe(0);
  await expectAccessible(page);
  await snap(page, testInfo, "4-loopback-refused");

  // The real server is asked how it signs in, and the page says so before asking for the user.
  await askServer(page, ONPREM_URL);
  await expect(page.getByText("Your server signs in with Windows authentication (NTLM)")).toBeVisible();
  await expect(page.getByLabel("AD FS client id")).toHaveCount(0);
  await expectAccessible(page);
  await snap(page, testInfo, "5-windows-sign-in-named");

  // A wrong password: the run goes to the checklist (no action waits for it), whose failed step gives the server's
  // answer in words and the way back to the form; the password is not echoed.
  await signIn(page, "CONTOSO\\crmadmin", "not-the-password");
  await expect(page).toHaveURL(new RegExp(`/connect/${connectionId}/progress$`));
  await expect(page.getByRole("list", { name: "Setup steps" })).toContainText("did not accept that user name and password", { timeout: 60_000 });
  expect(await page.content()).not.toContain("not-the-password");
  await snap(page, testInfo, "6-wrong-password");
  await page.getByRole("link", { name: "Try another server address or user" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Connect an on-premises Dynamics 365 server");

  // The right password: the checklist follows the run to the end, then leads to the connection.
  await askServer(page, ONPREM_URL);
  await signIn(page, "CONTOSO\\crmadmin", PASSWORD);
  await expect(page).toHaveURL(new RegExp(`/connect/${connectionId}/progress$`));
  await expect(page.getByText("Connected. Your Dynamics connection is active.")).toBeVisible({ timeout: 60_000 });
  await page.getByRole("link", { name: "See the connection" }).click();
  await expect(page.getByRole("heading", { name: "Connected" })).toBeVisible();
  await expect(page.getByText(ONPREM_URL)).toBeVisible();
  await expect(page.getByText("CONTOSO\\crmadmin")).toBeVisible();
  await expect(page.getByText("Windows authentication (NTLM)")).toBeVisible();
  await expect(page.getByText("v9.1")).toBeVisible();
  expect(await page.content()).not.toContain(PASSWORD);
  await expectAccessible(page);
  await snap(page, testInfo, "7-connected");
  // The status page lists what an on-premises connection has: its server and domain user, no tenant, app or role.
  await page.goto(`/connect/${connectionId}/status`);
  const facts = page.locator("dl");
  await expect(facts).toContainText("Dynamics 365 server");
  await expect(facts).toContainText("CONTOSO\\crmadmin");
  await expect(facts).not.toContainText(/App \(client\) id|Security role|Microsoft tenant|Client secret/);
  await expect(page.getByText("Do not delete the “Act-On Integration” app registration")).toHaveCount(0);

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

test("IFD org: the AD FS named with the exact Add-AdfsClient PowerShell; an unregistered client is said so; once registered, Active", async ({
  page,
  baseURL,
  request,
}, testInfo) => {
  const connectionId = await launchNewConnection(page, baseURL);
  await page.goto(`/connect/${connectionId}/on-premises`);
  await askServer(page, IFD_URL);
  await expect(page.getByText(`Your server signs in through AD FS (${new URL(SANDBOX_ORIGIN).host})`)).toBeVisible();
  const clientId = await page.getByLabel("AD FS client id").inputValue();
  expect(clientId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const script = page.getByRole("region", { name: "Register Act-On with your AD FS" }).locator("pre");
  await expect(script).toContainText(
    `Add-AdfsClient -ClientId '${clientId}' -Name 'Act-On Dynamics connector' -RedirectUri '${baseURL}/connect/adfs'`,
  );
  await expect(script).toContainText("Set-CrmSetting -Setting $ClaimsSettings");
  await expect(page.getByRole("button", { name: "Copy PowerShell commands" })).toBeVisible();
  await expectAccessible(page);
  await snap(page, testInfo, "1-adfs-named");

  // Before the administrator has run Add-AdfsClient: AD FS refuses the client, and the checklist says what to do.
  await signIn(page, "crmadmin@contoso.local", PASSWORD);
  await expect(page).toHaveURL(new RegExp(`/connect/${connectionId}/progress$`));
  await expect(page.getByRole("list", { name: "Setup steps" })).toContainText(`does not know the client id ${clientId}`, { timeout: 60_000 });
  await snap(page, testInfo, "2-client-not-registered");

  // The administrator runs Add-AdfsClient (the sandbox's control API), then the admin connects again.
  const added = await request.post(`${SANDBOX_ORIGIN}/__emulator/adfs/clients`, {
    data: { clientId, name: "Act-On Dynamics connector", redirectUri: `${baseURL}/connect/adfs` },
  });
  expect([201, 409]).toContain(added.status());
  await page.getByRole("link", { name: "Try another server address or user" }).click();
  await askServer(page, IFD_URL);
  await signIn(page, "crmadmin@contoso.local", PASSWORD);
  await expect(page).toHaveURL(new RegExp(`/connect/${connectionId}/progress$`));
  await expect(page.getByText("Connected. Your Dynamics connection is active.")).toBeVisible({ timeout: 60_000 });
  await page.getByRole("link", { name: "See the connection" }).click();
  await expect(page.getByRole("heading", { name: "Connected" })).toBeVisible();
  await expect(page.getByText(IFD_URL)).toBeVisible();
  await expect(page.getByText("AD FS", { exact: true })).toBeVisible();
  await expect(page.getByText("v9.0")).toBeVisible();
  expect(await page.content()).not.toContain(PASSWORD);
  await expectAccessible(page);
  await snap(page, testInfo, "3-connected");
});

test("a damaged hand-off link is refused with its own page and a 4xx, and opens no session", async ({ page }) => {
  const response = await page.goto("/handoff?t=not-a-link");
  expect(response?.status()).toBe(400);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("This hand-off link cannot be opened");
  expect((await page.context().cookies()).map((c) => c.name)).not.toContain(SESSION_COOKIE);
  await expectAccessible(page);
});
