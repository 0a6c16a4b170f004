import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { expect, test } from "../fixtures/test";
import { SANDBOX } from "../fixtures/worker-ports";
import { launchUrl, signLaunchToken } from "../../lib/deep-link/launch-link";
import { SESSION_COOKIE } from "../../lib/sessions/session-cookie";

// Sign in with Microsoft from an Act-On link, in a real browser against the sandbox's real sign-in and consent pages.
const sandbox = SANDBOX;
const [kid, ...secret] = (process.env.E2E_DEEP_LINK_SECRET ?? "").split(":");

test.describe.configure({ mode: "serial" }); // they reset the worker's sandbox in turn

async function openLink(page: Page, baseURL: string | undefined) {
  const token = await signLaunchToken({
    keys: [{ kid, secret: secret.join(":") }],
    audience: baseURL!,
    actonAccountId: `e2e-sign-in-${Date.now().toString(36)}`,
    accountName: "Contoso Ltd",
    userEmail: "it@contoso.example",
    intent: "connect",
    returnTo: `${process.env.E2E_ACTON_RETURN_ORIGINS}/settings/connectors/crm`,
  });
  // /launch answers 303 to /connect/<id>, which sends the browser on to the page the connection is at.
  await page.goto(launchUrl(baseURL!, token), { waitUntil: "commit" });
  await page.waitForURL((u) => /^\/connect\/[a-z0-9]+\/[a-z-]+$/.test(u.pathname));
  return new URL(page.url()).pathname.split("/").slice(0, 3).join("/");
}

async function expectNoAxeViolations(page: Page) {
  const axe = await new AxeBuilder({ page }).analyze();
  expect(axe.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
}

async function signInAtMicrosoft(page: Page, username: string) {
  await page.getByLabel("Email, phone, or Skype").fill(username);
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByLabel("Password").fill("Sandbox-Passw0rd!");
  await page.getByRole("button", { name: "Sign in" }).click();
}

test("an admin sees each permission, signs in at Microsoft, consents, and is back on the checklist signed in", async ({ page, request, baseURL }) => {
  await request.post(`${sandbox}/__emulator/reset`, { data: { scenario: "default" } });
  const checklist = await openLink(page, baseURL);
  const confirm = await page.goto("/auth/sign-in");
  expect(confirm?.status()).toBe(200);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Sign in with Microsoft");
  await expect(
    page.getByText(
      "Lets the portal create the “Act-On Integration” app in your directory with its certificate or secret, or add Act-On's own connector app.",
    ),
  ).toBeVisible();
  await expect(page.getByRole("listitem")).toHaveCount(6);
  await expectNoAxeViolations(page);

  await page.getByRole("button", { name: "Continue to Microsoft" }).click();
  await page.waitForURL((url) => url.origin === sandbox);
  const authorize = new URL(page.url());
  await signInAtMicrosoft(page, "admin@contoso.onmicrosoft.com");
  await expect(page.getByText("Permissions requested")).toBeVisible();
  await page.getByLabel("Consent on behalf of your organization").check();
  await page.getByRole("button", { name: "Accept" }).click();
  await page.waitForURL((url) => url.pathname.startsWith(`${checklist}/`));
  expect(page.url()).not.toContain("code=");
  expect(authorize.searchParams.get("prompt")).toBe("select_account");

  await page.goto("/auth/sign-in");
  await expect(page.getByText("You are signed in as admin@contoso.onmicrosoft.com")).toBeVisible();
  await expectNoAxeViolations(page);

  // Sign-out is a same-origin POST only; the button ends the session and clears the cookie.
  const forged = await request.post("/auth/sign-out", { headers: { origin: "https://evil.example" }, maxRedirects: 0 });
  expect(forged.status()).toBe(403);
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL((url) => url.pathname === "/session-ended");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Your session has ended");
  await expectNoAxeViolations(page);
  expect((await page.context().cookies()).find((c) => c.name === SESSION_COOKIE)).toBeUndefined();
  await page.goto("/auth/sign-in");
  expect(new URL(page.url()).pathname).toBe("/session-ended");
});

test("a user whose tenant needs an administrator's approval comes back with the admin-consent link", async ({ page, request, baseURL }) => {
  await request.post(`${sandbox}/__emulator/reset`, { data: { scenario: "default" } });
  const checklist = await openLink(page, baseURL);
  await page.goto("/auth/sign-in");
  await page.getByRole("button", { name: "Continue to Microsoft" }).click();
  await page.waitForURL((url) => url.origin === sandbox);
  await signInAtMicrosoft(page, "user@contoso.onmicrosoft.com");
  const accept = page.getByRole("button", { name: "Accept" });
  await expect(page.getByRole("heading", { name: "Need admin approval" }).or(accept)).toBeVisible();
  if (await accept.isVisible()) await accept.click();
  await expect(page.getByText("Need admin approval")).toBeVisible();
  await page.getByRole("button", { name: "Return to the application without granting consent" }).click();
  await page.waitForURL((url) => url.pathname.startsWith(`${checklist}/`));
  expect(new URL(page.url()).searchParams.get("signin")).toBe("consent_required");

  await page.goto("/auth/sign-in?signin=consent_required");
  await expect(page.getByRole("heading", { name: "Your organization needs an administrator to approve the portal" })).toBeVisible();
  const consentUrl = new URL(await page.getByLabel("Approval link for your Global Administrator").inputValue());
  expect(`${consentUrl.origin}${consentUrl.pathname}`).toBe(`${sandbox}/organizations/v2.0/adminconsent`);
  expect(consentUrl.searchParams.get("redirect_uri")).toBe(`${baseURL}/auth/callback`);
  await expectNoAxeViolations(page);
});
