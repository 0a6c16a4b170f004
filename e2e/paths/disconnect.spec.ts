import { jwtVerify } from "jose";
import { expect as baseExpect, test } from "../fixtures/test";
import {
  connectionIdOf,
  Journey,
  PORTAL,
  resetSandbox,
  RETURN_ORIGIN,
  standInForActOn,
  sandboxState,
  signInAtMicrosoft,
  type SandboxState,
} from "../journey/journey-support";
import { ADMIN, connectAsAdmin } from "./handoff-support";

// Disconnect with "delete the app": from the status page, a confirmation that lists what goes; afterwards the
// sandbox holds no secret and no app for the connection, the application user is disabled, the connection shows
// disconnected, and Return to Act-On carries the outcome signed.
const expect = baseExpect.configure({ timeout: 30_000 });

const tagged = (state: SandboxState, connectionId: string) => state.applications.filter((a) => a.tags.includes(`acton-connection:${connectionId}`));

test("disconnect with the application user disabled and the app deleted: nothing left at Microsoft, disconnected, outcome to Act-On", async ({
  page,
  request,
}, testInfo) => {
  // Two journeys in one test (the connect, then the disconnect): three times the config's 120 s.
  test.slow();
  const started = Date.now();
  await resetSandbox(request);
  const returned = await standInForActOn(page);
  const j = new Journey(page, testInfo);
  await connectAsAdmin(j, "disconnect");
  const connectionId = connectionIdOf(page);
  const before = await sandboxState(request);
  const [app] = tagged(before, connectionId);
  // A certificate by default: one key credential and no client secret.
  expect(app.keyCredentials ?? []).toHaveLength(1);
  expect(app.passwordCredentials).toHaveLength(0);
  const env = before.environments.find((e) => e.urlName === "contoso-sales")!;
  const appUser = env.systemUsers.find((u) => u.applicationid === app.appId)!;
  expect(appUser.isdisabled).toBeFalsy();

  // From the status page's Disconnect; removing the secret at Microsoft acts as the admin, who signs in again.
  await page.goto(`/connect/${connectionId}/status`);
  await j.checkpoint("status");
  await j.click(page.getByRole("link", { name: "Disconnect" }));
  await expect(page).toHaveURL(/\/disconnect$/);
  const signIn = page.getByRole("link", { name: "sign in with Microsoft" });
  if (await signIn.isVisible()) {
    await j.checkpoint("disconnect-sign-in-first");
    await j.click(signIn);
    await page.getByRole("button", { name: "Continue to Microsoft" }).click();
    await signInAtMicrosoft(j, ADMIN);
    // Back at /connect/<id>, which sends the browser on (client-side, after streaming): let it land first.
    await page.waitForURL(/\/connect\/[^/]+\/[a-z-]+(\?.*)?$/);
    await page.goto(`/connect/${connectionId}/disconnect`);
  }
  await expect(page.getByRole("heading", { name: "What will be removed" })).toBeVisible();
  await expect(page.getByRole("listitem").filter({ hasText: /^The (client secret|certificate)/ })).toBeVisible();
  await page.getByLabel(/Disable the application user/).check();
  await page.getByLabel(/Delete the .* app registration/).check();
  await j.checkpoint("disconnect-confirmation");
  await j.click(page.getByRole("button", { name: "Disconnect" }));
  // No action waits for the run: the checklist follows the disconnect to its end (a wait shows as waiting).
  await expect(page).toHaveURL(new RegExp(`/connect/${connectionId}/progress$`));
  await expect(page.getByText("Disconnected. Act-On no longer holds any credential for this connection.")).toBeVisible({ timeout: 60_000 });
  await j.checkpoint("disconnect-checklist");
  await j.click(page.getByRole("link", { name: "Continue" }));
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Disconnected");
  await j.checkpoint("disconnected");

  // Microsoft: no credential, no app (deleted), and the application user disabled.
  const after = await sandboxState(request);
  expect(tagged(after, connectionId)).toEqual([]);
  expect(after.applications.some((a) => a.appId === app.appId)).toBe(false);
  const keyIds = new Set((app.keyCredentials ?? []).map((k) => k.keyId));
  expect(after.applications.flatMap((a) => a.keyCredentials ?? []).some((k) => keyIds.has(k.keyId))).toBe(false);
  const user = after.environments.find((e) => e.urlName === "contoso-sales")!.systemUsers.find((u) => u.systemuserid === appUser.systemuserid);
  expect(user?.isdisabled).toBe(true);

  // The portal: the connection shows disconnected; Return to Act-On carries the outcome.
  await page.goto(`/connect/${connectionId}/status`);
  await expect(page.getByText("Disconnected", { exact: true })).toBeVisible();
  await j.checkpoint("status-disconnected");
  await page.goto(`/connect/${connectionId}/disconnect`);
  await j.click(page.getByRole("link", { name: "Return to Act-On" }));
  await expect(page.getByRole("heading", { name: "Act-On settings" })).toBeVisible();
  expect(returned).toHaveLength(1);
  const outcome = new URL(returned[0]).searchParams.get("acton_outcome")!;
  const [, secret] = process.env.E2E_DEEP_LINK_SECRET!.split(/:(.*)/s);
  const { payload } = await jwtVerify(outcome, new TextEncoder().encode(secret), { audience: RETURN_ORIGIN, issuer: PORTAL });
  expect(payload).toMatchObject({ connection_id: connectionId, status: "disconnected" });
  const line = `disconnect: Active → disconnected (app deleted) in ${((Date.now() - started) / 1000).toFixed(1)} s wall (including the connect)`;
  console.log(`[paths] ${line}`);
  testInfo.annotations.push({ type: "disconnect", description: line });
});
