import type { APIRequestContext } from "@playwright/test";
import { expect as baseExpect, test } from "../fixtures/test";
import { DIRECTORY_ROLES } from "../../emulator/core/state";
import { buildConsentedScenario } from "../../emulator/scenarios/consented";
import { storedConnection, storedCredentials } from "../fixtures/portal-db";
import {
  connectionIdOf,
  connectionObjects,
  CONTOSO,
  deepLink,
  freshAccount,
  Journey,
  PASSWORD,
  resetSandbox,
  SANDBOX,
  sandboxState,
  signInAtMicrosoft,
  writableFootprint,
} from "../journey/journey-support";

// The cloud legacy path (user name and password) and the move from it to OAuth, in Debian's Chromium against the
// sandbox, as an admin would: Act-On's link, the path chooser, Microsoft's real sign-in, the engine's plan, the live
// checklist. Screenshots of every step are test artifacts; axe-core runs on every portal page. Each test resets its
// worker's own sandbox and uses a fresh account, so the tests are spread over the workers.
test.describe.configure({ mode: "parallel" });
const expect = baseExpect.configure({ timeout: 20_000 });

const ADMIN = `admin@${CONTOSO}`;
const MFA_ADMIN = `mfa.admin@${CONTOSO}`;
/** Advice the portal must never give. */
const NEVER_ADVISED = /turn (per-user )?MFA off|disable (MFA|multi-factor)|turn security defaults off/i;

type LoggedRequest = { service: string; method: string; path: string; status: number };

async function requestsSince(request: APIRequestContext, since: string): Promise<LoggedRequest[]> {
  const res = await request.get(`${SANDBOX}/__emulator/requests?since=${encodeURIComponent(since)}`);
  expect(res.ok()).toBe(true);
  return ((await res.json()) as { value: LoggedRequest[] }).value;
}

/** Writes at Microsoft: anything but a read to Graph or Dataverse (token requests at the identity service are not). */
const writesIn = (log: LoggedRequest[]) => log.filter((r) => (r.service === "graph" || r.service === "dataverse") && r.method !== "GET");

/** The legacy form, filled and submitted. */
async function submitLegacy(j: Journey, user: string, password: string) {
  const { page } = j;
  await page.getByRole("radio", { name: /Contoso Sales/ }).check();
  await page.getByRole("textbox", { name: "Integration user", exact: true }).fill(user);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await j.click(page.getByRole("button", { name: "Check and show the plan" }));
}

/** From the plan to Active on the live checklist; returns when the verify step is done. */
async function approveToActive(j: Journey, name: string, words = { heading: "Review the plan", button: "Approve and connect" }) {
  const { page } = j;
  await expect(page.getByRole("heading", { name: words.heading })).toBeVisible();
  await j.click(page.getByRole("button", { name: words.button }));
  await page.waitForURL(/\/progress$/);
  await expect(page.getByText("Connected. Your Dynamics connection is active.")).toBeVisible({ timeout: 90_000 });
  await expect(page.locator('li[data-step="verify"]')).toHaveAttribute("data-state", "done");
  await j.checkpoint(name);
}

test("legacy: mfa.admin@ as the integration user is refused before anything is written, with the way out; admin@ then reaches Active", async ({
  page,
  request,
}, testInfo) => {
  await resetSandbox(request);
  const j = new Journey(page, testInfo);
  const started = Date.now();
  await page.goto(await deepLink({ account: freshAccount("legacy"), user: ADMIN, name: "Contoso Marketing" }));
  await expect(page).toHaveURL(/\/connect\/[^/]+\/sign-in$/);

  // The recommended path stays the one main action; the others are one disclosure away, each at its own URL.
  const chooser = page.getByText("Other ways to connect");
  await j.click(chooser);
  const legacyLink = page.getByRole("link", { name: "With a user name and password (legacy)" });
  await expect(legacyLink).toBeVisible();
  await expect(page.getByRole("link", { name: "An on-premises Dynamics 365 server" })).toHaveAttribute("href", /\/on-premises$/);
  await expect(page.getByRole("link", { name: "Set it up yourself (manual)" })).toHaveAttribute("href", /\/manual$/);
  await j.checkpoint("sign-in-with-path-chooser");
  await j.click(legacyLink);
  await expect(page).toHaveURL(/\/connect\/[^/]+\/legacy$/);
  const connectionId = connectionIdOf(page);
  await expect(page.getByRole("heading", { name: "The integration user must not need MFA" })).toBeVisible();
  await expect(page.getByText("Act-On never asks you to turn MFA off for your administrators.")).toBeVisible();
  await j.checkpoint("legacy-sign-in");

  // Microsoft's real sign-in, back to the legacy page (not to the recommended path's environment picker).
  await j.click(page.getByRole("button", { name: "Sign in with Microsoft" }));
  await signInAtMicrosoft(j, ADMIN);
  await expect(page).toHaveURL(new RegExp(`/connect/${connectionId}/legacy$`));
  await expect(page.getByRole("radio", { name: /Contoso Sales/ })).toBeVisible();
  await j.checkpoint("legacy-form");

  // mfa.admin@ must use MFA: refused from the engine's plan, explained, with the ways out; nothing written.
  const footprint = writableFootprint(await sandboxState(request));
  const since = new Date().toISOString();
  await submitLegacy(j, MFA_ADMIN, PASSWORD);
  await expect(page).toHaveURL(/\/legacy\?refused=1$/);
  const refusal = page.locator("[data-refusal=mfa]");
  await expect(refusal.getByRole("heading", { name: "Legacy mode cannot sign in as this integration user" })).toBeVisible();
  await expect(refusal).toContainText(`${MFA_ADMIN} has to use multi-factor authentication (MFA) to sign in.`);
  await expect(refusal).toContainText("Nothing has been written at Microsoft, and the password you entered has been forgotten.");
  await expect(refusal).toContainText("dedicated integration account");
  await expect(refusal).toContainText("Conditional Access policy excludes from MFA");
  await expect(refusal.getByRole("link", { name: "Connect the recommended way" })).toHaveAttribute("href", `/connect/${connectionId}`);
  expect(await refusal.innerText()).not.toMatch(NEVER_ADVISED);
  expect(await page.content()).not.toContain(PASSWORD);
  await expect(page.getByLabel("Password", { exact: true })).toHaveValue("");
  await j.checkpoint("legacy-refused-mfa");
  expect(writableFootprint(await sandboxState(request)), "nothing written at Microsoft").toEqual(footprint);
  expect(writesIn(await requestsSince(request, since)), "no write request reached Graph or Dataverse").toEqual([]);
  expect(storedCredentials(connectionId), "the refused user's password is forgotten").toEqual([
    { kind: "password", status: "revoked", wiped: true, microsoftKeyId: null },
  ]);

  // The same flow with an integration user without MFA: the engine's legacy plan, then Active.
  await submitLegacy(j, ADMIN, PASSWORD);
  await page.waitForURL(/\/plan$/);
  await expect(page.getByText(/public client flows and ID tokens on \(legacy mode\)/)).toBeVisible();
  await expect(page.getByText(`Sign in as ${ADMIN} with the app and call WhoAmI in the environment`)).toBeVisible();
  await expect(page.locator("[data-verb]").filter({ hasText: "client secret" })).toHaveCount(0);
  expect(await page.content()).not.toContain(PASSWORD);
  await j.checkpoint("legacy-plan");
  await approveToActive(j, "legacy-active");
  const wallMs = Date.now() - started;
  const line = `legacy link → refused → Active: ${(wallMs / 1000).toFixed(1)} s wall (incl. screenshots and axe), ${j.clicks} clicks`;
  console.log(`[paths] ${line}`);
  testInfo.annotations.push({ type: "legacy", description: line });

  const objects = connectionObjects(await sandboxState(request), connectionId);
  expect(objects.apps).toHaveLength(1);
  expect(objects.apps[0]).toMatchObject({ isFallbackPublicClient: true });
  expect(objects.secrets, "legacy mode has no client secret").toHaveLength(0);
  expect(objects.users).toHaveLength(1);
  expect(storedConnection(connectionId)).toMatchObject({ authMode: "legacy", status: "active", integrationUsername: ADMIN });
  expect(storedCredentials(connectionId).map((c) => `${c.kind}:${c.status}:${c.wiped}`)).toEqual(["password:revoked:true", "password:active:false"]);
  expect(await page.content()).not.toContain(PASSWORD);
  console.log(`[paths] pages checked by axe-core: ${[...j.audited].join(", ")}`);
});

test("migration: a legacy connection moves to OAuth from a reconnect link; no password stored, verified with its certificate", async ({
  page,
  request,
}, testInfo) => {
  // Two journeys in one test (a legacy connect, then the move to OAuth): three times the config's 120 s.
  test.slow();
  await resetSandbox(request);
  const j = new Journey(page, testInfo);
  const account = freshAccount("migrate");

  // A legacy connection, made through the portal's legacy flow, with its sync options saved.
  await page.goto(await deepLink({ account, user: ADMIN }));
  await expect(page).toHaveURL(/\/connect\/[^/]+\/sign-in$/);
  const connectionId = connectionIdOf(page);
  await page.goto(`/connect/${connectionId}/legacy`);
  await page.getByRole("button", { name: "Sign in with Microsoft" }).click();
  await signInAtMicrosoft(j, ADMIN);
  await expect(page).toHaveURL(/\/legacy$/);
  await submitLegacy(j, ADMIN, PASSWORD);
  await page.waitForURL(/\/plan$/);
  // Another role on a legacy plan: the password was kept only for the plan it was given for, so it is asked again.
  await page.getByRole("radio", { name: /System Administrator/ }).click();
  await page.getByRole("button", { name: "Approve and connect" }).click();
  await expect(page).toHaveURL(/\/legacy\?role=systemAdministrator$/);
  await expect(page.getByText("You chose System Administrator for the application user.")).toBeVisible();
  await expect(page.getByLabel("Password", { exact: true })).toHaveValue("");
  await j.checkpoint("legacy-role-changed");
  expect(storedCredentials(connectionId).map((c) => `${c.kind}:${c.status}:${c.wiped}`)).toEqual(["password:revoked:true"]);
  await submitLegacy(j, ADMIN, PASSWORD);
  await page.waitForURL(/\/plan$/);
  await expect(page.getByRole("radio", { name: /System Administrator/ })).toBeChecked();
  await expect(page.getByText(/Security role System Administrator/)).toBeVisible();
  await approveToActive(j, "legacy-active");
  await page.getByRole("link", { name: "Continue: choose what syncs" }).click();
  await page.getByRole("button", { name: "Save sync options" }).click();
  await expect(page).toHaveURL(/\/status$/);
  expect(storedConnection(connectionId)).toMatchObject({ authMode: "legacy", status: "active" });
  const legacyApp = connectionObjects(await sandboxState(request), connectionId).apps[0];

  // Act-On's reconnect link for the account opens the connection's status, which offers the move in its own block.
  const started = Date.now();
  const clicksBefore = j.clicks;
  await page.goto(await deepLink({ account, user: ADMIN, intent: "reconnect" }));
  await expect(page).toHaveURL(new RegExp(`/connect/${connectionId}/status$`));
  const block = page.getByRole("region", { name: "This connection signs in with a user name and password" });
  await expect(block).toBeVisible();
  await j.checkpoint("status-offers-move");
  await j.click(block.getByRole("link", { name: "Move to OAuth" }));
  await expect(page).toHaveURL(new RegExp(`/connect/${connectionId}/migrate$`));
  for (const step of [1, 4, 5]) await expect(page.getByText(`Article step ${step}`)).toBeVisible();
  await expect(page.getByText("Only after that sign-in is verified is the stored password forgotten.")).toBeVisible();
  await j.checkpoint("migrate-sign-in");

  // The reconnect session has no Microsoft sign-in yet: sign in, and come back to the move.
  await j.click(page.getByRole("button", { name: "Sign in with Microsoft" }));
  await signInAtMicrosoft(j, ADMIN);
  await expect(page).toHaveURL(new RegExp(`/connect/${connectionId}/migrate$`));
  await j.checkpoint("migrate-ready");
  await j.click(page.getByRole("button", { name: "Show the plan to move to OAuth" }));
  await page.waitForURL(/\/plan$/);
  await expect(page.getByText(`App registration “Act-On Integration” (client id ${legacyApp.appId})`)).toBeVisible();
  await expect(page.getByText("Turn off public client flows and implicit tokens (app-only access does not need them)")).toBeVisible();
  await expect(page.getByText(/A certificate valid until .*No client secret is added/)).toBeVisible();
  await expect(
    page.getByText("Sign in as the app with the new certificate and call WhoAmI in the environment; the connection then becomes Active"),
  ).toBeVisible();
  await j.checkpoint("migrate-plan");
  // The password is still there while the move runs: it is forgotten only once the new sign-in is verified.
  expect(storedCredentials(connectionId).filter((c) => c.kind === "password" && c.status === "active")).toHaveLength(1);
  // The plan says what approving does: a move to OAuth, not a first connect.
  await approveToActive(j, "migrate-active", { heading: "Review the move to OAuth", button: "Approve and move to OAuth" });
  const wallMs = Date.now() - started;
  const line = `reconnect link → moved to OAuth (Active): ${(wallMs / 1000).toFixed(1)} s wall (incl. screenshots and axe), ${j.clicks - clicksBefore} clicks`;
  console.log(`[paths] ${line}`);
  testInfo.annotations.push({ type: "migration", description: line });

  // Afterwards: OAuth, Active, no password stored, and the one live credential is the app's certificate (the default).
  expect(storedConnection(connectionId)).toMatchObject({ authMode: "cloud", status: "active", integrationUsername: null });
  const credentials = storedCredentials(connectionId);
  expect(
    credentials.filter((c) => c.kind === "password").every((c) => c.status === "revoked" && c.wiped),
    "no password stored",
  ).toBe(true);
  const live = credentials.filter((c) => c.status === "active");
  expect(live.map((c) => c.kind)).toEqual(["certificateKey"]);
  const objects = connectionObjects(await sandboxState(request), connectionId);
  expect(objects.apps).toHaveLength(1);
  expect(objects.apps[0].appId).toBe(legacyApp.appId);
  expect(objects.apps[0]).toMatchObject({ isFallbackPublicClient: false });
  expect(objects.certificates.map((s) => s.keyId)).toEqual([live[0].microsoftKeyId]);
  expect(objects.secrets).toHaveLength(0);
  expect(objects.users).toHaveLength(1);
  expect(objects.roleLinks).toHaveLength(1);

  await page.goto(`/connect/${connectionId}/status`);
  await expect(page.getByRole("heading", { name: "Dynamics 365 is connected" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Move to OAuth" })).toHaveCount(0);
  await expect(page.getByText(legacyApp.appId)).toBeVisible();
  await j.checkpoint("status-after-move");
  expect(await page.content()).not.toContain(PASSWORD);
  console.log(`[paths] pages checked by axe-core: ${[...j.audited].join(", ")}`);
});

test("legacy: a tenant with security defaults is refused before anything is written, with the ways out", async ({ page, request }, testInfo) => {
  expect((await request.post(`${SANDBOX}/__emulator/reset`, { data: { scenario: "security-defaults" } })).ok()).toBe(true);
  const j = new Journey(page, testInfo);
  await page.goto(await deepLink({ account: freshAccount("defaults"), user: ADMIN }));
  await expect(page).toHaveURL(/\/connect\/[^/]+\/sign-in$/);
  const connectionId = connectionIdOf(page);
  await page.goto(`/connect/${connectionId}/legacy`);
  await j.click(page.getByRole("button", { name: "Sign in with Microsoft" }));
  await signInAtMicrosoft(j, ADMIN);
  await expect(page).toHaveURL(/\/legacy$/);
  const footprint = writableFootprint(await sandboxState(request));
  await submitLegacy(j, ADMIN, PASSWORD);
  await expect(page).toHaveURL(/\/legacy\?refused=1$/);
  const refusal = page.locator("[data-refusal=mfa]");
  await expect(refusal.getByRole("heading", { name: "Legacy mode cannot work in this tenant" })).toBeVisible();
  await expect(refusal).toContainText("Security defaults are on in your Microsoft tenant");
  await expect(refusal).toContainText("keep MFA required for all administrators");
  await expect(refusal.getByRole("link", { name: "Connect the recommended way" })).toBeVisible();
  expect(await refusal.innerText()).not.toMatch(NEVER_ADVISED);
  await j.checkpoint("legacy-refused-security-defaults");
  expect(writableFootprint(await sandboxState(request)), "nothing written at Microsoft").toEqual(footprint);
  expect(storedCredentials(connectionId).every((c) => c.status === "revoked" && c.wiped)).toBe(true);
});

test("legacy: when the admin may not read MFA, the plan says so and what follows; an MFA user then fails the final check in plain words", async ({
  page,
  request,
}, testInfo) => {
  // admin@ as an Application Administrator (can register apps and grant consent, may not read others' MFA state).
  const state = buildConsentedScenario();
  const admin = state.users.find((u) => u.userPrincipalName === ADMIN)!;
  admin.directoryRoleTemplateIds = [DIRECTORY_ROLES.applicationAdministrator, DIRECTORY_ROLES.dynamics365Administrator];
  expect((await request.post(`${SANDBOX}/__emulator/reset`, { data: { state } })).ok()).toBe(true);
  const j = new Journey(page, testInfo);
  await page.goto(await deepLink({ account: freshAccount("mfa-unknown"), user: ADMIN }));
  await expect(page).toHaveURL(/\/connect\/[^/]+\/sign-in$/);
  const connectionId = connectionIdOf(page);
  await page.goto(`/connect/${connectionId}/legacy`);
  await j.click(page.getByRole("button", { name: "Sign in with Microsoft" }));
  await signInAtMicrosoft(j, ADMIN);
  await expect(page).toHaveURL(/\/legacy$/);
  await submitLegacy(j, MFA_ADMIN, PASSWORD);

  // Not refused (nobody could tell), but the plan says so, why, and the consequence, before anything is written.
  await page.waitForURL(/\/plan$/);
  const note = page.getByText(/We could not check whether multi-factor authentication is on for the integration user/);
  await expect(note).toBeVisible();
  await expect(note).toContainText("Global Reader or Authentication Policy Administrator");
  await expect(note).toContainText("the final check fails with an MFA message");
  expect(await note.innerText()).not.toMatch(NEVER_ADVISED);
  await j.checkpoint("legacy-plan-mfa-unknown");

  // Approved anyway: the app is registered, and the final check says what happened and the ways out.
  await j.click(page.getByRole("button", { name: "Approve and connect" }));
  await page.waitForURL(/\/progress$/);
  const verify = page.locator('li[data-step="verify"]');
  await expect(verify).toHaveAttribute("data-state", "failed", { timeout: 90_000 });
  await expect(verify).toContainText("must complete multi-factor authentication");
  await expect(verify).toContainText("Conditional Access policy excludes from MFA");
  expect(await verify.innerText()).not.toMatch(NEVER_ADVISED);
  await j.checkpoint("legacy-verify-mfa-failed");
  expect(storedConnection(connectionId).status).toBe("failed");
  // Retrying cannot make that user sign in: the checklist offers the form again, for another integration user.
  await page.getByRole("link", { name: "Try another integration user" }).click();
  await expect(page).toHaveURL(new RegExp(`/connect/${connectionId}/legacy$`));
  await expect(page.getByRole("heading", { name: "Connect with a user name and password (legacy)" })).toBeVisible();
});
