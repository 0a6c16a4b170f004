import AxeBuilder from "@axe-core/playwright";
import type { Page, Response } from "@playwright/test";
import { expect, test } from "../fixtures/test";
import { launchUrl, signLaunchToken, type SignLaunchLinkInput } from "../../lib/deep-link/launch-link";
import { SESSION_COOKIE } from "../../lib/sessions/session-cookie";

// Act-On's launch links, refused: each kind of bad link gets its own page and 4xx status, sets no session cookie, never
// links to the (untrusted) return URL, and passes axe-core. playwright.config.ts shares the deep-link key with us.
const [kid, ...secret] = (process.env.E2E_DEEP_LINK_SECRET ?? "").split(":");
const RETURN_ORIGIN = process.env.E2E_ACTON_RETURN_ORIGINS ?? "";

function link(baseURL: string | undefined, overrides: Partial<SignLaunchLinkInput> = {}) {
  return signLaunchToken({
    keys: [{ kid, secret: secret.join(":") }],
    audience: baseURL!,
    actonAccountId: `e2e-links-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
    accountName: "Contoso Ltd",
    userEmail: "admin@contoso.onmicrosoft.com",
    intent: "connect",
    returnTo: `${RETURN_ORIGIN}/settings/connectors/crm`,
    ...overrides,
  }).then((token) => launchUrl(baseURL!, token));
}

async function expectRefusal(page: Page, response: Response | null, expected: { path: string; status: number; heading: string | RegExp }) {
  expect(response?.status()).toBe(expected.status);
  expect(new URL(page.url()).pathname).toBe(expected.path);
  expect(page.url()).not.toContain("t="); // the link left the address bar
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(expected.heading);
  await expect(page.getByRole("heading", { name: "What to do" })).toBeVisible();
  // No refusal page links anywhere but the portal itself.
  for (const href of await page.locator("a").evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href))) {
    expect(new URL(href).origin).toBe(new URL(page.url()).origin);
  }
  expect((await page.context().cookies()).map((c) => c.name)).not.toContain(SESSION_COOKIE);
  const axe = await new AxeBuilder({ page }).analyze();
  expect(axe.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
}

test("a tampered link is refused as not verified (401)", async ({ page, baseURL }) => {
  const url = new URL(await link(baseURL));
  const [h, p, s] = url.searchParams.get("t")!.split(".");
  const claims = JSON.parse(Buffer.from(p, "base64url").toString());
  claims.account_id = "someone-elses-account";
  url.searchParams.set("t", [h, Buffer.from(JSON.stringify(claims)).toString("base64url"), s].join("."));
  const response = await page.goto(url.toString());
  await expectRefusal(page, response, { path: "/launch/refused/invalid-signature", status: 401, heading: "This link could not be verified" });
});

test("an expired link is refused (401) and says how to get a new one from Act-On", async ({ page, baseURL }) => {
  const response = await page.goto(await link(baseURL, { now: new Date(Date.now() - 20 * 60_000), lifetimeSeconds: 10 * 60 }));
  await expectRefusal(page, response, { path: "/launch/refused/expired", status: 401, heading: "This link has expired" });
  await expect(page.getByText("open Settings › Connectors › CRM › MS Dynamics and choose Connect")).toBeVisible();
});

test("a link reopened in its own browser continues; in another browser it is refused (409)", async ({ page, browser, baseURL }) => {
  const url = await link(baseURL);
  const launches: Response[] = [];
  page.on("response", (r) => {
    if (new URL(r.url()).pathname === "/launch") launches.push(r);
  });
  // /launch answers 303 to /connect/<id>, which sends the browser on to the page the connection is at.
  const atConnection = /^\/connect\/[a-z0-9]+\/[a-z-]+$/;
  await page.goto(url, { waitUntil: "commit" });
  await page.waitForURL((u) => atConnection.test(u.pathname));
  const checklist = page.url();
  const cookie = (await page.context().cookies()).find((c) => c.name === SESSION_COOKIE);
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax", secure: true, path: "/" });
  expect(launches[0].status()).toBe(303);
  expect(launches[0].headers()["referrer-policy"]).toBe("no-referrer");

  await page.goto(url, { waitUntil: "commit" }); // the back button, or a second click in Act-On's tab
  await page.waitForURL((u) => atConnection.test(u.pathname));
  expect(page.url()).toBe(checklist);
  expect((await page.context().cookies()).find((c) => c.name === SESSION_COOKIE)?.value).toBe(cookie!.value);

  const other = await browser.newContext();
  const otherPage = await other.newPage();
  const response = await otherPage.goto(url);
  await expectRefusal(otherPage, response, { path: "/launch/refused/reused", status: 409, heading: "This link was already used in another browser" });
  await other.close();
});

test("a link made for another portal is refused (403)", async ({ page, baseURL }) => {
  const token = new URL(await link(baseURL, { audience: "https://other-portal.example.com" })).searchParams.get("t")!;
  const response = await page.goto(`/launch?t=${token}`);
  await expectRefusal(page, response, { path: "/launch/refused/wrong-audience", status: 403, heading: "This link is for a different portal" });
});

test("a link whose return URL is not Act-On's is refused (400) and does not link there", async ({ page, baseURL }) => {
  const response = await page.goto(await link(baseURL, { returnTo: "https://phishing.example/act-on/settings" }));
  await expectRefusal(page, response, {
    path: "/launch/refused/return-not-allowed",
    status: 400,
    heading: "This link points back to a site that is not Act-On",
  });
  expect(await page.content()).not.toContain("phishing.example");
});

test("a link missing a claim is refused as incomplete (400)", async ({ page, baseURL }) => {
  const response = await page.goto(await link(baseURL, { overrides: { user_email: undefined } }));
  await expectRefusal(page, response, { path: "/launch/refused/malformed", status: 400, heading: "This link is incomplete" });
});
