/**
 * Support for the hand-off, repair, manual and disconnect specs: an admin's whole cloud journey to Active, what an
 * admin does by hand in Microsoft's admin centers (through Graph and the Dataverse Web API, with an access token the
 * sandbox signs for that admin), and a test-only read of the e2e portal's audit log.
 */
import Database from "better-sqlite3";
import { DATABASE_FILE } from "../fixtures/worker-ports";
import { expect as baseExpect, type APIRequestContext, type Browser, type TestInfo } from "@playwright/test";
import { TENANTS, USERS, PORTAL_APP } from "../../emulator/scenarios/ids";
import { CONTOSO, deepLink, freshAccount, Journey, SALES_URL, SANDBOX, signInAtMicrosoft } from "../journey/journey-support";

const expect = baseExpect.configure({ timeout: 30_000 });

export const ADMIN = `admin@${CONTOSO}`;
export const USER = `user@${CONTOSO}`;
export const ADMIN_ACTOR = `${TENANTS.contoso}:${USERS.contosoAdmin}`;
export const USER_ACTOR = `${TENANTS.contoso}:${USERS.contosoUser}`;
export { SALES_URL };

/** admin@ from a fresh Act-On link to an Active connection on Contoso Sales (the issue-7 journey). Returns the account. */
export async function connectAsAdmin(j: Journey, label: string): Promise<string> {
  const { page } = j;
  const account = freshAccount(label);
  await page.goto(await deepLink({ account, user: ADMIN }));
  await page.getByRole("button", { name: "Sign in with Microsoft" }).click();
  await signInAtMicrosoft(j, ADMIN);
  await page.getByRole("button", { name: "Connect Contoso Sales" }).click();
  await page.waitForURL(/\/plan$/);
  await page.getByRole("button", { name: "Approve and connect" }).click();
  await page.waitForURL(/\/progress$/);
  await expect(page.getByText("Connected. Your Dynamics connection is active.")).toBeVisible({ timeout: 60_000 });
  return account;
}

/**
 * A delegated access token for a Contoso user, signed by the sandbox's control API: what Microsoft's admin centers hold
 * when the admin acts there by hand (tests only; the portal never sees it).
 */
async function handToken(request: APIRequestContext, input: { aud: string; scp: string; oid?: string }): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const res = await request.post(`${SANDBOX}/__emulator/tokens/sign`, {
    data: {
      claims: {
        aud: input.aud,
        iss: `https://sts.windows.net/${TENANTS.contoso}/`,
        iat: now,
        nbf: now,
        exp: now + 3600,
        tid: TENANTS.contoso,
        oid: input.oid ?? USERS.contosoAdmin,
        sub: input.oid ?? USERS.contosoAdmin,
        appid: PORTAL_APP.appId,
        ver: "1.0",
        scp: input.scp,
      },
    },
  });
  expect(res.ok(), await res.text()).toBe(true);
  return ((await res.json()) as { token: string }).token;
}

/** A call to the Dataverse Web API of Contoso Sales as admin@ (Power Platform admin center's own calls). */
export async function dataverseAsAdmin(request: APIRequestContext, method: string, path: string, body?: unknown) {
  const token = await handToken(request, { aud: SALES_URL, scp: "user_impersonation" });
  return request.fetch(`${SALES_URL}/api/data/v9.2/${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json", "if-match": "*" },
    data: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** A call to Microsoft Graph as admin@ (the Entra admin center's own calls). */
export async function graphAsAdmin(request: APIRequestContext, method: string, path: string, body?: unknown) {
  const token = await handToken(request, {
    aud: "https://graph.microsoft.com",
    scp: "Application.ReadWrite.All DelegatedPermissionGrant.ReadWrite.All Directory.Read.All",
  });
  return request.fetch(`${SANDBOX}/graph/v1.0/${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    data: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** What the admin does in Power Platform admin center to delete an application user: disable, delete, purge. */
export async function deleteApplicationUser(request: APIRequestContext, systemUserId: string) {
  expect((await dataverseAsAdmin(request, "PATCH", `systemusers(${systemUserId})`, { isdisabled: true })).status()).toBe(204);
  expect((await dataverseAsAdmin(request, "DELETE", `systemusers(${systemUserId})`)).status()).toBe(204);
  expect((await dataverseAsAdmin(request, "DELETE", `systemusers(${systemUserId})`)).status()).toBe(204);
}

export type AuditRow = { action: string; actorType: string; actorId: string; outcome: string | null };

/** Test-only read of the e2e portal's audit log for one connection (the SQLite file the portal's start command migrated). */
export function auditEventsOf(connectionId: string): AuditRow[] {
  const db = new Database(DATABASE_FILE, { readonly: true });
  try {
    return db
      .prepare(`SELECT "action", "actorType", "actorId", "outcome" FROM "AuditEvent" WHERE "connectionId" = ? ORDER BY "occurredAt", "id"`)
      .all(connectionId) as AuditRow[];
  } finally {
    db.close();
  }
}

/** Test-only: how many hand-off links the e2e portal holds for a connection. */
export function handoffLinkCount(connectionId: string): number {
  const db = new Database(DATABASE_FILE, { readonly: true });
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM "HandoffLink" WHERE "connectionId" = ?`).get(connectionId) as { n: number }).n;
  } finally {
    db.close();
  }
}

/** A Global Administrator consented to the portal for the organization earlier (else user@ could not sign in at all). */
export async function consentPortalForOrganization(browser: Browser, testInfo: TestInfo) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  const j = new Journey(page, testInfo);
  await page.goto(await deepLink({ account: freshAccount("consent"), user: ADMIN }));
  await page.getByRole("button", { name: "Sign in with Microsoft" }).click();
  await signInAtMicrosoft(j, ADMIN, { consentForOrganization: true });
  await expect(page).toHaveURL(/\/environment$/);
  await context.close();
}
