import { expect as baseExpect, test } from "../fixtures/test";
import {
  connectionIdOf,
  deepLink,
  freshAccount,
  Journey,
  PORTAL,
  resetSandbox,
  sandboxState,
  signInAtMicrosoft,
  writableFootprint,
  connectionObjects,
} from "../journey/journey-support";
import { ADMIN, consentPortalForOrganization, ADMIN_ACTOR, auditEventsOf, handoffLinkCount, USER, USER_ACTOR } from "./handoff-support";

// Hand-off to a colleague, in Debian's Chromium against the sandbox: user@ (no admin role) starts, is told
// which roles are missing and who can grant them, creates a hand-off link; admin@ opens it in another browser, signs in
// with their own account, sees only what they were asked to do, approves; user@'s page follows to Active. Both are in
// the audit log. A colleague who lacks the role too is told so. Each test resets its worker's own sandbox.
test.describe.configure({ mode: "parallel" });
const expect = baseExpect.configure({ timeout: 30_000 });

/** user@ signs in and lands on the blocked plan of Contoso Sales (the one environment Microsoft lists for them). */
async function startBlocked(j: Journey, account: string) {
  const { page } = j;
  await page.goto(await deepLink({ account, user: USER }));
  await j.click(page.getByRole("button", { name: "Sign in with Microsoft" }));
  await signInAtMicrosoft(j, USER, { expectConsent: false });
  await page.waitForURL(/\/plan\?environment=only$/);
  await expect(page.getByRole("heading", { name: "Fix these first" })).toBeVisible();
}

async function createLink(j: Journey): Promise<string> {
  const { page } = j;
  await j.click(page.getByRole("button", { name: "Create a hand-off link" }));
  const field = page.getByLabel("Hand-off link for your colleague");
  await expect(field).toBeVisible();
  const url = await field.inputValue();
  expect(url).toMatch(new RegExp(`^${PORTAL}/handoff\\?t=`));
  return url;
}

test("user@ hands off to admin@, who completes the same connection in another browser; user@'s page ends Active; both in the audit log", async ({
  browser,
  page,
  request,
}, testInfo) => {
  // Two people, two browsers, one journey each (the hand-off, then the colleague's): three times the config's 120 s.
  test.slow();
  const started = Date.now();
  await resetSandbox(request);
  await consentPortalForOrganization(browser, testInfo);
  const before = writableFootprint(await sandboxState(request));

  // user@: the plan names both missing roles and who can grant each, and offers a hand-off link.
  const j = new Journey(page, testInfo);
  await startBlocked(j, freshAccount("handoff"));
  const connectionId = connectionIdOf(page);
  const roles = page.getByTestId("missing-role");
  await expect(roles.filter({ hasText: "Application Administrator" })).toBeVisible();
  await expect(roles.filter({ hasText: "System Administrator of the Dynamics 365 environment" })).toBeVisible();
  await expect(page.getByText(/Who can grant it:/).first()).toBeVisible();
  await expect(page.getByText(/Power Platform admin center › Environments › Users/).first()).toBeVisible();
  await expect(page.getByRole("button", { name: "Approve and connect" })).toHaveCount(0);
  await j.checkpoint("user-plan-blocked");
  // The form exactly as user@'s page has it (its action, bound to this connection), kept to replay from the colleague.
  // (Read without JavaScript, as the server renders it for progressive enhancement.)
  const noScript = await browser.newContext({ javaScriptEnabled: false, storageState: await page.context().storageState() });
  const plain = await noScript.newPage();
  await plain.goto(`/connect/${connectionId}/plan`);
  const handoffForm = await plain
    .locator("form", { has: plain.getByRole("button", { name: "Create a hand-off link" }) })
    .evaluate((form: HTMLFormElement) => Object.fromEntries(Array.from(new FormData(form)).map(([k, v]) => [k, String(v)])));
  await noScript.close();
  expect(Object.keys(handoffForm).some((k) => k.startsWith("$ACTION"))).toBe(true);
  const link = await createLink(j);
  await expect(page.getByTestId("handoff-expiry")).toContainText("(in 24 hours)");
  await expect(page.getByRole("button", { name: "Copy hand-off link" })).toBeVisible();
  await expect(page.getByTestId("handoff-status")).toContainText("waiting to be opened", { timeout: 15_000 });
  await j.checkpoint("user-handoff-link");
  expect(writableFootprint(await sandboxState(request))).toEqual(before);

  // admin@, in another browser: the link → their own sign-in → only what they were asked to do.
  const colleagueContext = await browser.newContext({ ignoreHTTPSErrors: true });
  const colleague = await colleagueContext.newPage();
  const cj = new Journey(colleague, testInfo);
  await colleague.goto(link);
  await expect(colleague).toHaveURL(new RegExp(`/connect/${connectionId}/sign-in$`));
  await expect(colleague.getByText(/asked for your help/)).toBeVisible();
  await expect(colleague.getByText(/Application Administrator/).first()).toBeVisible();
  await cj.checkpoint("colleague-sign-in");
  await cj.click(colleague.getByRole("button", { name: "Sign in with Microsoft" }));
  await signInAtMicrosoft(cj, ADMIN);
  await expect(colleague).toHaveURL(/\/plan$/);
  await expect(colleague.getByRole("heading", { name: "Your colleague needs your help" })).toBeVisible();
  const asked = colleague.getByTestId("handoff-steps");
  await expect(asked).toContainText("Register the “Act-On Integration” app");
  await expect(asked).toContainText("Grant admin consent");
  await expect(asked).toContainText("Create the Dynamics application user");
  await expect(colleague.getByRole("button", { name: "Choose another environment" })).toHaveCount(0);
  await expect(colleague.getByRole("link", { name: /sync/i })).toHaveCount(0);
  await cj.checkpoint("colleague-asked");

  // user@'s page follows: the colleague opened the link and signed in.
  await expect(page.getByTestId("handoff-status")).toContainText("admin@contoso.onmicrosoft.com", { timeout: 30_000 });
  await j.checkpoint("user-follows-colleague");

  // Server-side scope, not hidden buttons: the colleague's browser replays user@'s "Create a hand-off link" form (a
  // valid action of this very connection and plan) and gets nothing: no new link.
  const linksBefore = handoffLinkCount(connectionId);
  const replay = await colleague.request.post(`${PORTAL}/connect/${connectionId}/plan`, {
    multipart: handoffForm,
    headers: { origin: PORTAL },
    maxRedirects: 0,
  });
  expect(replay.status()).toBeLessThan(500);
  expect(await replay.text()).not.toContain("/handoff?t=");
  expect(handoffLinkCount(connectionId)).toBe(linksBefore);
  // The same replay from user@'s own browser does create one: the refusal above is the scope check, not a broken form.
  const own = await page.request.post(`${PORTAL}/connect/${connectionId}/plan`, {
    multipart: handoffForm,
    headers: { origin: PORTAL },
    maxRedirects: 0,
  });
  expect(own.status()).toBeLessThan(500);
  expect(handoffLinkCount(connectionId)).toBe(linksBefore + 1);

  await cj.click(colleague.getByRole("button", { name: "Check the plan with my account" }));
  await expect(colleague.getByRole("button", { name: "Approve and connect" })).toBeVisible();
  await expect(colleague.getByRole("heading", { name: "What will happen" })).toBeVisible();
  await cj.checkpoint("colleague-plan");
  // Pinned to the plan it was made for: the role is shown, not offered; a role change sent anyway is refused in words
  // and starts nothing.
  await expect(colleague.getByTestId("locked-role")).toContainText("Least privilege");
  await expect(colleague.getByRole("radio")).toHaveCount(0);
  await colleague.locator("input[type=hidden][name=role]").evaluate((input: HTMLInputElement) => {
    input.value = "systemAdministrator";
  });
  await colleague.getByRole("button", { name: "Approve and connect" }).click();
  await expect(
    colleague.getByText(/^Your colleague asked you to approve the plan to connect Act-On to .* ask them for a new link to change it\.$/),
  ).toBeVisible();
  await expect(colleague).toHaveURL(/\/plan$/);
  await colleague.reload();
  await cj.click(colleague.getByRole("button", { name: "Approve and connect" }));
  await colleague.waitForURL(/\/progress$/);
  await expect(colleague.getByText("Connected. Your Dynamics connection is active.")).toBeVisible({ timeout: 60_000 });
  await expect(colleague.getByText(/that was everything your colleague asked for/)).toBeVisible();
  await expect(colleague.getByRole("link", { name: "Continue: choose what syncs" })).toHaveCount(0);
  await cj.checkpoint("colleague-done");

  // The first admin's page moved on by itself to the checklist and ends Active.
  await expect(page).toHaveURL(/\/progress$/, { timeout: 30_000 });
  await expect(page.getByText("Connected. Your Dynamics connection is active.")).toBeVisible({ timeout: 60_000 });
  await j.checkpoint("user-active");
  const objects = connectionObjects(await sandboxState(request), connectionId);
  expect([objects.apps.length, objects.users.length, objects.secrets.length + objects.certificates.length]).toEqual([1, 1, 1]);

  // Outside its scope, the colleague's session finds nothing: sync options and status send it back, the other paths are not found.
  await colleague.goto(`/connect/${connectionId}/sync`);
  await expect(colleague).toHaveURL(/\/progress$/);
  await colleague.goto(`/connect/${connectionId}/status`);
  await expect(colleague).toHaveURL(/\/progress$/);
  // A 404, as for another account's connection; the actions behind these pages refuse the same way.
  for (const path of ["disconnect", "manual", "on-premises"]) {
    const res = await colleague.goto(`/connect/${connectionId}/${path}`);
    expect(res?.status(), path).toBe(404);
    await expect(colleague.getByRole("heading", { level: 1 }), path).toHaveText("Connection not found");
    await expect(colleague.getByRole("button", { name: /Disconnect|Check and connect|Connect/ }), path).toHaveCount(0);
  }
  await colleagueContext.close();

  // Both actors in the audit log: user@ asked, admin@ signed in, re-planned and approved.
  const events = auditEventsOf(connectionId);
  const by = (action: string) => events.filter((e) => e.action === action).map((e) => e.actorId);
  expect(by("handoff.created")).toEqual([USER_ACTOR, USER_ACTOR]);
  expect(by("handoff.opened")).toHaveLength(1);
  expect(by("session.signed_in")).toEqual(expect.arrayContaining([USER_ACTOR, ADMIN_ACTOR]));
  expect(by("run.approved")).toEqual([ADMIN_ACTOR]);
  expect(JSON.stringify(events)).not.toContain(new URL(link).searchParams.get("t")!);
  const line = `hand-off: link → Active in ${((Date.now() - started) / 1000).toFixed(1)} s wall (two browsers, screenshots and axe included)`;
  console.log(`[paths] ${line}`);
  testInfo.annotations.push({ type: "hand-off", description: line });
});

test("a colleague who lacks the role too is told so; the link is spent, but their browser may sign in with another account", async ({
  browser,
  page,
  request,
}, testInfo) => {
  await resetSandbox(request);
  await consentPortalForOrganization(browser, testInfo);
  const j = new Journey(page, testInfo);
  await startBlocked(j, freshAccount("handoff-lacks"));
  const link = await createLink(j);
  const before = writableFootprint(await sandboxState(request));

  const otherContext = await browser.newContext({ ignoreHTTPSErrors: true });
  const other = await otherContext.newPage();
  const oj = new Journey(other, testInfo);
  await other.goto(link);
  await oj.click(other.getByRole("button", { name: "Sign in with Microsoft" }));
  await signInAtMicrosoft(oj, USER);
  await expect(other).toHaveURL(/\/plan$/);
  // The scenario's only account without an admin role is user@ itself, whose account the plan was already checked with.
  await expect(other.getByRole("button", { name: "Check the plan with my account" })).toHaveCount(0);
  await expect(other.getByRole("heading", { name: "Your account lacks this role too" })).toBeVisible();
  await expect(other.getByTestId("handoff-also-lacks")).toContainText(`${USER} does not have`);
  await expect(other.getByRole("button", { name: "Approve and connect" })).toHaveCount(0);
  await expect(other.getByRole("button", { name: "Sign in with another account" })).toBeVisible();
  await oj.checkpoint("colleague-also-lacks");
  expect(writableFootprint(await sandboxState(request))).toEqual(before);

  // Single-use: a third browser gets the "already used" page.
  const thirdContext = await browser.newContext({ ignoreHTTPSErrors: true });
  const third = await thirdContext.newPage();
  const res = await third.goto(link);
  expect(res?.status()).toBe(409);
  await expect(third.getByRole("heading", { level: 1 })).toHaveText("This hand-off link has already been used");
  await new Journey(third, testInfo).checkpoint("link-used");
  await thirdContext.close();
  await otherContext.close();
});
