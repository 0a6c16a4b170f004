import { createServer } from "node:http";
import type { ConsoleMessage, Page, Response } from "@playwright/test";
import { expect as baseExpect, test } from "../fixtures/test";
import { LISTENER_PORT } from "../fixtures/worker-ports";
import { SESSION_COOKIE } from "../../lib/sessions/session-cookie";
import { CONTOSO, deepLink, freshAccount, Journey, PORTAL, resetSandbox, SALES_URL, SANDBOX, signInAtMicrosoft } from "../journey/journey-support";

// What the browser is told about every page of the portal, in Debian's Chromium: a nonce-based CSP that the page's own
// scripts satisfy (no violation anywhere on the journey), no framing by any other origin, no sniffing, a Referer only
// where no token is in the URL; the session cookie is a __Host- cookie replaced at the Microsoft sign-in; a server
// action posted from another origin is refused 403 and changes nothing.
test.describe.configure({ mode: "serial" }); // both reset the worker's sandbox
const expect = baseExpect.configure({ timeout: 20_000 });

/**
 * Another origin of the same site as the portal (same host, another port), as a sibling subdomain is: the browser
 * sends the portal's SameSite=Lax cookie with a frame's request from it, so only the portal's headers stop the frame.
 */
const SIBLING = `http://localhost:${LISTENER_PORT}`;
const ADMIN = `admin@${CONTOSO}`;

const TOKEN_PATHS = /^\/(launch|handoff|auth\/callback|auth\/sign-in\/start|return-to-acton|redirect-bridge)(\/|$)/;
/** The support console's redirect bridge: framed by the portal's own console, so framable by the portal only, and no COOP. */
const BRIDGE = "/redirect-bridge";

/** The headers every portal response carries, and the Referrer-Policy its path calls for. */
function expectHardened(response: Response) {
  const url = new URL(response.url());
  const where = `${response.request().method()} ${url.pathname} (${response.status()})`;
  const h = response.headers();
  const csp = h["content-security-policy"] ?? "";
  const bridge = url.pathname === BRIDGE;
  expect(csp, where).toMatch(/(^|; )script-src 'self' 'nonce-[A-Za-z0-9+/]+=*' 'strict-dynamic'(;|$)/);
  for (const directive of [
    "object-src 'none'",
    "base-uri 'none'",
    bridge ? "frame-ancestors 'self'" : "frame-ancestors 'none'",
    `form-action 'self' ${SANDBOX}`,
    `connect-src 'self' ${SANDBOX}`,
  ]) {
    expect(csp, where).toContain(directive);
  }
  expect(csp, `${where}: production has no eval`).not.toContain("unsafe-eval");
  expect(h["x-frame-options"], where).toBe(bridge ? "SAMEORIGIN" : "DENY");
  expect(h["x-content-type-options"], where).toBe("nosniff");
  expect(h["cross-origin-opener-policy"], where).toBe(bridge ? undefined : "same-origin");
  expect(h["permissions-policy"], where).toContain("camera=()");
  // The e2e portal is plain-http localhost: no HSTS there (it is sent when PORTAL_BASE_URL is https).
  expect(h["strict-transport-security"], where).toBeUndefined();
  expect(h["referrer-policy"], where).toBe(TOKEN_PATHS.test(url.pathname) ? "no-referrer" : "strict-origin-when-cross-origin");
}

/** Every document (and redirect) the portal answered this page with, and every CSP / policy complaint Chromium logged. */
function watch(page: Page) {
  const documents: Response[] = [];
  const complaints: string[] = [];
  page.on("response", (r) => {
    if (r.url().startsWith(PORTAL) && r.request().resourceType() === "document") documents.push(r);
  });
  page.on("console", (m: ConsoleMessage) => {
    if (/Content Security Policy|Permissions-Policy|Refused to|Cross-Origin-Opener-Policy/i.test(m.text()))
      complaints.push(`${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => complaints.push(`pageerror: ${e.message}`));
  return { documents, complaints };
}

/** Every script Next.js rendered carries this response's nonce (the browser hides it from getAttribute, not `.nonce`). */
async function expectScriptsNonced(page: Page, response: Response | null) {
  const nonce = /'nonce-([^']+)'/.exec(response?.headers()["content-security-policy"] ?? "")?.[1];
  expect(nonce, "a nonce in the CSP").toBeTruthy();
  const nonces = await page.evaluate(() => [...document.querySelectorAll("script")].map((s) => s.nonce));
  expect(nonces.length).toBeGreaterThan(0);
  expect(new Set(nonces)).toEqual(new Set([nonce]));
  return nonce!;
}

test("every page of the journey carries the security headers, its scripts run under the nonce, and Chromium reports no violation", async ({
  page,
  request,
}, testInfo) => {
  test.setTimeout(240_000);
  await resetSandbox(request);
  const seen = watch(page);
  const j = new Journey(page, testInfo);

  await page.goto(await deepLink({ account: freshAccount("headers"), user: ADMIN, environment: SALES_URL }));
  await expect(page).toHaveURL(/\/connect\/[^/]+\/sign-in$/);
  const connection = new URL(page.url()).pathname.split("/").slice(0, 3).join("/");
  const before = (await page.context().cookies()).find((c) => c.name === SESSION_COOKIE);
  // Chromium keeps a Secure, __Host- cookie from http://localhost (a secure context).
  expect(before).toMatchObject({ secure: true, httpOnly: true, sameSite: "Lax", path: "/", domain: "localhost" });

  // The sign-in form posts to the portal, which sends the browser on to Microsoft (form-action allows the authority).
  await page.getByRole("button", { name: "Sign in with Microsoft" }).click();
  await signInAtMicrosoft(j, ADMIN, { expectConsent: true });
  await page.waitForURL(/\/plan\?environment=acton$/);
  await expect(page.getByRole("heading", { name: "Review the plan" })).toBeVisible();

  // The sign-in rotated the session: a new cookie, and the one from before it opens nothing any more.
  const after = (await page.context().cookies()).find((c) => c.name === SESSION_COOKIE);
  expect(after?.value).toBeTruthy();
  expect(after!.value).not.toBe(before!.value);
  const stale = await page.context().browser()!.newContext();
  await stale.addCookies([{ ...before!, sameSite: "Lax" }]);
  const stalePage = await stale.newPage();
  await stalePage.goto(`${PORTAL}${connection}/plan`);
  await expect(stalePage).toHaveURL(/\/session-ended$/);
  await stale.close();

  // Each request gets its own nonce, and every script on the page carries it (hydration then works: the forms below).
  const plan = await page.goto(`${PORTAL}${connection}/plan`);
  const first = await expectScriptsNonced(page, plan);
  const again = await page.reload();
  expect(await expectScriptsNonced(page, again)).not.toBe(first);

  await page.getByRole("button", { name: "Approve and connect" }).click();
  await page.waitForURL(/\/progress$/);
  await expect(page.getByText("Connected. Your Dynamics connection is active.")).toBeVisible({ timeout: 90_000 });
  for (const path of ["progress", "sync", "status", "disconnect", "environment", "manual", "on-premises", "legacy", "migrate"]) {
    await page.goto(`${PORTAL}${connection}/${path}`);
    await page.waitForLoadState("networkidle");
  }
  for (const path of [
    "/",
    "/auth/sign-in",
    "/session-ended",
    "/support",
    "/support/callback",
    BRIDGE,
    "/handoff?t=not-a-link",
    "/launch?t=not-a-link",
  ]) {
    await page.goto(`${PORTAL}${path}`);
    await page.waitForLoadState("networkidle");
  }

  const paths = new Set(seen.documents.map((r) => new URL(r.url()).pathname.replace(/^\/connect\/[^/]+/, "/connect/[id]")));
  for (const expected of [
    "/launch",
    "/connect/[id]",
    "/connect/[id]/sign-in",
    "/auth/sign-in/start",
    "/auth/callback",
    "/connect/[id]/plan",
    "/connect/[id]/progress",
    "/connect/[id]/sync",
    "/connect/[id]/status",
    "/connect/[id]/disconnect",
    "/",
    "/auth/sign-in",
    "/session-ended",
    "/support",
    "/support/callback",
    BRIDGE,
    "/handoff",
  ]) {
    expect([...paths], `a document answered at ${expected}`).toContain(expected);
  }
  expect(
    [...paths].some((p) => p.startsWith("/launch/refused/")),
    "a refused link's page",
  ).toBe(true);
  for (const response of seen.documents) expectHardened(response);
  testInfo.annotations.push({ type: "pages checked", description: [...paths].sort().join(", ") });
  expect(seen.complaints, "CSP / policy complaints in Chromium's console").toEqual([]);
});

test("a page of the same site cannot frame the plan, so a click there approves nothing; a server action from another origin is refused 403", async ({
  page,
  request,
}, testInfo) => {
  test.setTimeout(180_000);
  await resetSandbox(request);
  const j = new Journey(page, testInfo);
  await page.goto(await deepLink({ account: freshAccount("framing"), user: ADMIN, environment: SALES_URL }));
  await expect(page).toHaveURL(/\/connect\/[^/]+\/sign-in$/);
  await page.getByRole("button", { name: "Sign in with Microsoft" }).click();
  await signInAtMicrosoft(j, ADMIN, { expectConsent: true });
  await page.waitForURL(/\/plan\?environment=acton$/);
  const planUrl = page.url();
  const approve = page.getByRole("button", { name: "Approve and connect" });
  await expect(approve).toBeVisible();

  // The attack: a sibling origin frames the plan (nearly invisible) under its own bait. A real server on this machine,
  // so Chromium's local-network checks let its page frame the portal and only the portal's own headers decide.
  const framer = await page.context().newPage();
  const bait = `<!doctype html><html lang="en"><title>Claim your prize</title><h1>Click anywhere to claim your prize</h1>
<iframe id="victim" title="victim" src="${planUrl}" style="width:900px;height:1400px;border:2px dashed red"></iframe></html>`;
  const sibling = createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end(bait));
  await new Promise<void>((resolve) => sibling.listen(LISTENER_PORT, "localhost", resolve));
  try {
    await framer.goto(`${SIBLING}/prize`);
    await framer.waitForLoadState("load");
    // The portal answered the frame's request, and Chromium refused to show the answer there.
    // (Chromium reports the refusal in DevTools' Issues, not the console: the frame is left on its error page.)
    const victimFrame = () => framer.frames().find((f) => f !== framer.mainFrame());
    await expect
      .poll(() => victimFrame()?.url(), { message: "Chromium replaced the framed plan by its error page" })
      .toBe("chrome-error://chromewebdata/");
    const victim = framer.frameLocator("#victim");
    await expect(victim.getByRole("heading", { name: "Review the plan" })).toHaveCount(0);
    await expect(victim.getByRole("button", { name: "Approve and connect" })).toHaveCount(0);
    // Click everywhere the approve button could have been.
    const box = (await framer.locator("#victim").boundingBox())!;
    for (let y = 40; y < box.height; y += 80) await framer.mouse.click(box.x + box.width / 2, box.y + y);
    const shot = testInfo.outputPath("framed-plan-blocked.png");
    await framer.screenshot({ path: shot, fullPage: true });
    await testInfo.attach("a sibling origin framing the plan: Chromium shows nothing", { path: shot, contentType: "image/png" });
    await framer.close();
  } finally {
    await new Promise((resolve) => sibling.close(resolve));
  }

  // A server action posted with another origin's Origin (the browser's own approve request, only its Origin changed).
  let foreign: { status: number; body: string } | undefined;
  await page.route(planUrl, async (route) => {
    const r = route.request();
    if (r.method() !== "POST" || !r.headers()["next-action"]) return route.continue();
    // Chromium will not let a route rewrite Origin, so the same request (cookie, action id, body) goes out from here.
    const response = await route.fetch({ headers: { ...(await r.allHeaders()), origin: SIBLING } });
    foreign = { status: response.status(), body: await response.text() };
    await route.fulfill({ response });
  });
  await approve.click();
  await expect.poll(() => foreign?.status, { message: "the portal's answer to the foreign server action" }).toBe(403);
  expect(foreign!.body).toContain("did not come from the portal");
  await page.unroute(planUrl);

  // Nothing was approved: the plan still waits for its approval.
  await page.goto(planUrl);
  await expect(page).toHaveURL(/\/plan(\?|$)/);
  await expect(page.getByRole("button", { name: "Approve and connect" })).toBeVisible();
});
