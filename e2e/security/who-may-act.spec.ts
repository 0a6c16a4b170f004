import Database from "better-sqlite3";
import type { Browser, BrowserContext, Page } from "@playwright/test";
import { expect as baseExpect, test } from "../fixtures/test";
import { DATABASE_FILE } from "../fixtures/worker-ports";
import { storedConnection } from "../fixtures/portal-db";
import { connectionIdOf, deepLink, Journey, resetSandbox, sandboxState, signInAtMicrosoft, type SandboxState } from "../journey/journey-support";
import { ADMIN, connectAsAdmin, consentPortalForOrganization, USER } from "../paths/handoff-support";

// "Who may act", replayed in Chromium as the attacks that found it: each is refused, nothing changes at Microsoft or
// in the portal, and the page says why. Screenshots of each refusal are attached to the report.
const expect = baseExpect.configure({ timeout: 30_000 });

const tagged = (state: SandboxState, connectionId: string) => state.applications.filter((a) => a.tags.includes(`acton-connection:${connectionId}`));

/** A second person's browser (its own cookies), arriving by their own Act-On link to the same account. */
async function personFromActOn(browser: Browser, account: string, user: string, intent?: "connect" | "reconnect" | "status") {
  const context: BrowserContext = await browser.newContext();
  const page: Page = await context.newPage();
  await page.goto(await deepLink({ account, user, intent }));
  return { context, page };
}

/** As the attack left it: a disconnect run awaiting approval, planned by someone else (a copy of the connection's last run). */
function leaveDisconnectPlan(connectionId: string): string {
  const db = new Database(DATABASE_FILE, { fileMustExist: true });
  db.pragma("busy_timeout = 5000");
  try {
    const id = `e2eleftover${Date.now().toString(36)}`;
    const options = JSON.stringify({
      mode: "cloud",
      disconnect: { removeApplicationUser: true, deleteAppRegistration: true },
      requestedBy: "acton-user:someone@contoso.example",
    });
    const plan = JSON.stringify({
      steps: [
        { step: "clientSecret", label: "Client secret", actions: [{ verb: "remove", what: "Remove the client secret at Microsoft and here" }] },
        { step: "applicationUser", label: "Application user", actions: [{ verb: "disable", what: "Disable the application user" }] },
        { step: "appRegistration", label: "App registration", actions: [{ verb: "delete", what: "Delete the app registration" }] },
      ],
      blockers: [],
      environment: null,
      notes: [],
      computedAt: new Date().toISOString(),
    });
    db.prepare(
      `INSERT INTO "ProvisioningRun" ("id", "connectionId", "kind", "status", "plan", "options", "tenantId", "version", "createdAt", "updatedAt")
       SELECT ?, "connectionId", 'disconnect', 'awaitingApproval', ?, ?, "tenantId", 0, "updatedAt", "updatedAt"
       FROM "ProvisioningRun" WHERE "connectionId" = ? ORDER BY "createdAt" DESC LIMIT 1`,
    ).run(id, plan, options, connectionId);
    return id;
  } finally {
    db.close();
  }
}

function disconnectRuns(connectionId: string): number {
  const db = new Database(DATABASE_FILE, { readonly: true });
  try {
    return (
      db.prepare(`SELECT COUNT(*) AS n FROM "ProvisioningRun" WHERE "connectionId" = ? AND "kind" = 'disconnect'`).get(connectionId) as { n: number }
    ).n;
  } finally {
    db.close();
  }
}

function runStatus(runId: string): string {
  const db = new Database(DATABASE_FILE, { readonly: true });
  try {
    return (db.prepare(`SELECT "status" FROM "ProvisioningRun" WHERE "id" = ?`).get(runId) as { status: string }).status;
  } finally {
    db.close();
  }
}

test("a disconnect acts only with the clicker's own sign-in: a stale form, after another admin signed in, is refused and nothing is removed", async ({
  page,
  browser,
  request,
}, testInfo) => {
  test.slow();
  await resetSandbox(request);
  // A Global Administrator consented for the organization earlier, so user@ (no admin role) can sign in at all.
  await consentPortalForOrganization(browser, testInfo);
  const admin = new Journey(page, testInfo);
  const account = await connectAsAdmin(admin, "who-disconnect");
  const connectionId = connectionIdOf(page);

  // user@contoso (no admin role) arrives by their own link, signs in, and opens the disconnect confirmation.
  const user = await personFromActOn(browser, account, USER);
  const uj = new Journey(user.page, testInfo);
  // The connection is active, so the link lands past the sign-in step: the user opens it themselves.
  await user.page.goto(`/connect/${connectionId}/sign-in`);
  await user.page.getByRole("button", { name: "Sign in with Microsoft" }).click();
  await signInAtMicrosoft(uj, USER);
  await user.page.goto(`/connect/${connectionId}/disconnect`);
  await user.page.getByLabel(/Delete the .* app registration/).check();

  // Meanwhile the admin signs in again: the sign-in the portal holds for the connection is now the admin's.
  await page.goto(`/connect/${connectionId}/sign-in`);
  await page
    .getByRole("button", { name: /Sign in with Microsoft|Continue to Microsoft/ })
    .first()
    .click();
  await signInAtMicrosoft(admin, ADMIN);
  await page.waitForURL(/\/connect\/[^/]+\/[a-z-]+(\?.*)?$/);

  // The user's stale form: refused, with the way on; the app, its secret and the connection are untouched.
  await user.page.getByRole("button", { name: "Disconnect" }).click();
  await expect(user.page.getByText(/Sign in with Microsoft first/)).toBeVisible();
  await uj.screenshot("disconnect-with-someone-elses-sign-in-refused");
  const state = await sandboxState(request);
  expect(tagged(state, connectionId)).toHaveLength(1);
  expect(storedConnection(connectionId).status).toBe("active");
  expect(disconnectRuns(connectionId)).toBe(0);
  await user.context.close();
});

test("a destructive plan left waiting is shown as a disconnection, approved by nobody else, and cancelled with one click", async ({
  page,
  request,
}, testInfo) => {
  test.slow();
  await resetSandbox(request);
  const j = new Journey(page, testInfo);
  await connectAsAdmin(j, "who-leftover");
  const connectionId = connectionIdOf(page);
  const runId = leaveDisconnectPlan(connectionId);

  // The admin comes back later: their sign-in ended with the run, so they sign in again, then open the plan.
  await page.goto(`/connect/${connectionId}/sign-in`);
  await j.click(page.getByRole("button", { name: "Sign in with Microsoft" }));
  await signInAtMicrosoft(j, ADMIN);
  await page.waitForURL(/\/connect\/[^/]+\/[a-z-]+(\?.*)?$/);
  await page.goto(`/connect/${connectionId}/plan`);
  await expect(page.getByRole("heading", { name: "Review the disconnection" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Approve and connect" })).toHaveCount(0);
  const approve = page.getByRole("button", { name: "Approve and disconnect" });
  await expect(approve).toBeVisible();
  await j.checkpoint("leftover-disconnect-plan");
  // Planned by someone else: the admin's approval is refused, nothing starts.
  await approve.click();
  await expect(page.getByText("Another person asked for this disconnection.", { exact: false })).toBeVisible();
  await j.screenshot("leftover-disconnect-approval-refused");
  expect(runStatus(runId)).toBe("awaitingApproval");
  // It no longer blocks the connection: cancelling keeps the connection as it was.
  await page.getByRole("button", { name: "Cancel: keep the connection" }).click();
  await expect(page).toHaveURL(new RegExp(`/connect/${connectionId}/status`));
  expect(runStatus(runId)).toBe("cancelled");
  expect(storedConnection(connectionId).status).toBe("active");
  expect(tagged(await sandboxState(request), connectionId)).toHaveLength(1);
});

test("a status link only looks; a session without a Microsoft sign-in cannot repoint a connection by hand", async ({
  page,
  browser,
  request,
}, testInfo) => {
  test.slow();
  await resetSandbox(request);
  const j = new Journey(page, testInfo);
  const account = await connectAsAdmin(j, "who-status");
  const connectionId = connectionIdOf(page);

  // A read-only status link: the status page without a single offer to change anything; the change pages are not there.
  const viewer = await personFromActOn(browser, account, "viewer@contoso.example", "status");
  const vj = new Journey(viewer.page, testInfo);
  await expect(viewer.page).toHaveURL(new RegExp(`/connect/${connectionId}/status`));
  await expect(viewer.page.getByTestId("read-only")).toBeVisible();
  for (const name of ["Disconnect", "Change sync options", "Re-run verification", "Plan the repair", "Start over"]) {
    await expect(viewer.page.getByRole("link", { name }).or(viewer.page.getByRole("button", { name }))).toHaveCount(0);
  }
  await vj.checkpoint("status-link-read-only");
  for (const path of ["manual", "disconnect", "on-premises"]) {
    const response = await viewer.page.goto(`/connect/${connectionId}/${path}`);
    expect(response?.status(), path).toBe(404);
  }
  await viewer.page.goto(`/connect/${connectionId}/sync`);
  await expect(viewer.page).toHaveURL(new RegExp(`/connect/${connectionId}/status`));
  await viewer.context.close();

  // An Act-On user who never signed in to Microsoft pastes another setup over the working connection: refused.
  const other = await personFromActOn(browser, account, "someone@contoso.example");
  const oj = new Journey(other.page, testInfo);
  await other.page.goto(`/connect/${connectionId}/manual`);
  await other.page.getByLabel("Directory (tenant) ID").fill("fabrikam.onmicrosoft.com");
  await other.page.getByLabel("Application (client) ID").fill("35000000-0000-4000-8000-0000000000f1");
  await other.page.getByLabel("Client secret value").fill("not-a-real-secret-value");
  await other.page.getByLabel("Environment URL").fill("https://fabrikam.crm.dynamics.com");
  await other.page.getByRole("button", { name: "Check and connect" }).click();
  await expect(other.page.getByText(/Sign in with Microsoft first/)).toBeVisible();
  await oj.screenshot("manual-repoint-without-sign-in-refused");
  expect(storedConnection(connectionId).status).toBe("active");
  await other.context.close();
});
