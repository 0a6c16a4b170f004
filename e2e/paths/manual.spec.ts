import type { APIRequestContext } from "@playwright/test";
import { expect as baseExpect, test } from "../fixtures/test";
import { ROLE_TEMPLATES, SERVICE_PRINCIPALS } from "../../emulator/scenarios/ids";
import { Journey, resetSandbox, SANDBOX } from "../journey/journey-support";
import { launchNewConnection } from "./paths-support";
import { dataverseAsAdmin, graphAsAdmin, SALES_URL } from "./handoff-support";

// The manual path: the admin does every step by hand in Microsoft's admin centers (here: Graph and the
// Dataverse Web API with the admin's own token, as those admin centers call them), then pastes what they made. The
// portal proves it and names the wrong part: first the secret, then the missing application user; then Active.
const expect = baseExpect.configure({ timeout: 30_000 });
const DYNAMICS_CRM = "00000007-0000-0000-c000-000000000000";
const USER_IMPERSONATION = "78ce3f0f-a1ce-49c2-8cde-64b5c0896db4";

/** Steps 1–3 of the article by hand: app registration with Dynamics CRM user_impersonation, consent, a client secret. */
async function registerAppByHand(request: APIRequestContext) {
  const app = await graphAsAdmin(request, "POST", "applications", {
    displayName: "Act-On Integration",
    signInAudience: "AzureADMyOrg",
    requiredResourceAccess: [{ resourceAppId: DYNAMICS_CRM, resourceAccess: [{ id: USER_IMPERSONATION, type: "Scope" }] }],
  });
  expect(app.status(), await app.text()).toBe(201);
  const { id, appId } = (await app.json()) as { id: string; appId: string };
  const sp = await graphAsAdmin(request, "POST", "servicePrincipals", { appId });
  expect(sp.status(), await sp.text()).toBe(201);
  const spId = ((await sp.json()) as { id: string }).id;
  const grant = await graphAsAdmin(request, "POST", "oauth2PermissionGrants", {
    clientId: spId,
    consentType: "AllPrincipals",
    resourceId: SERVICE_PRINCIPALS.contosoDataverse,
    scope: "user_impersonation",
  });
  expect(grant.status(), await grant.text()).toBe(201);
  const secret = await graphAsAdmin(request, "POST", `applications/${id}/addPassword`, { passwordCredential: { displayName: "Act-On" } });
  expect(secret.status(), await secret.text()).toBe(200);
  return { appId, secretText: ((await secret.json()) as { secretText: string }).secretText };
}

/** Step 4 by hand: the application user in the root business unit with System Administrator. */
async function createApplicationUserByHand(request: APIRequestContext, appId: string) {
  const created = await dataverseAsAdmin(request, "POST", "systemusers", { applicationid: appId });
  expect(created.status(), await created.text()).toBe(204);
  const state = (await (await request.get(`${SANDBOX}/__emulator/state`)).json()) as {
    environments: {
      urlName: string;
      systemUsers: { systemuserid: string; applicationid?: string | null; businessunitid: string }[];
      roles: { roleid: string; roletemplateid?: string | null; businessunitid: string }[];
    }[];
  };
  const env = state.environments.find((e) => e.urlName === "contoso-sales")!;
  const user = env.systemUsers.find((u) => u.applicationid === appId)!;
  const role = env.roles.find((r) => r.roletemplateid === ROLE_TEMPLATES.systemAdministrator && r.businessunitid === user.businessunitid)!;
  const linked = await dataverseAsAdmin(request, "POST", `systemusers(${user.systemuserid})/systemuserroles_association/$ref`, {
    "@odata.id": `${SALES_URL}/api/data/v9.2/roles(${role.roleid})`,
  });
  expect(linked.status(), await linked.text()).toBe(204);
}

test("manual path: a wrong secret names the secret, a missing application user names it, then everything right is Active", async ({
  page,
  request,
  baseURL,
}, testInfo) => {
  const started = Date.now();
  await resetSandbox(request);
  const j = new Journey(page, testInfo);
  const connectionId = await launchNewConnection(page, baseURL);
  await page.goto(`/connect/${connectionId}/manual`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Set up Act-On by hand");
  await j.checkpoint("manual-steps");
  const { appId, secretText } = await registerAppByHand(request);

  const submit = async (secret: string) => {
    await page.getByLabel("Directory (tenant) ID").fill("contoso.onmicrosoft.com");
    await page.getByLabel("Application (client) ID").fill(appId);
    await page.getByLabel("Client secret value").fill(secret);
    await page.getByLabel("Environment URL").fill(SALES_URL);
    await j.click(page.getByRole("button", { name: "Check and connect" }));
  };

  // 1. A wrong secret: the message names the secret, and the secret is never echoed back.
  await submit("not-the-secret-value~0123456789abcdef");
  await expect(page.locator("form [role=alert]").first()).toContainText("Wrong client secret");
  await expect(page.locator("form [role=alert]").first()).toContainText("client secret");
  await expect(page.getByLabel("Client secret value")).toHaveValue("");
  expect(await page.content()).not.toContain("not-the-secret-value");
  await j.checkpoint("manual-wrong-secret");

  // 2. The right secret, but no application user in the environment: named, with where to create it.
  await submit(secretText);
  await expect(page.locator("form [role=alert]").first()).toContainText("No application user for this app");
  await expect(page.getByText(/Application users > New app user/)).toBeVisible();
  expect(await page.content()).not.toContain(secretText);
  await j.checkpoint("manual-no-application-user");

  // 3. The admin creates it by hand; everything right: Active.
  await createApplicationUserByHand(request, appId);
  await submit(secretText);
  await expect(page.getByRole("heading", { name: "Connected" })).toBeVisible();
  await expect(page.getByText(`Act-On signed in as app ${appId}`)).toBeVisible();
  expect(await page.content()).not.toContain(secretText);
  await j.checkpoint("manual-connected");
  await page.goto(`/connect/${connectionId}/status`);
  await expect(page.getByText("Active", { exact: true })).toBeVisible();
  await j.checkpoint("manual-status");
  const line = `manual: three submissions → Active in ${((Date.now() - started) / 1000).toFixed(1)} s wall`;
  console.log(`[paths] ${line}`);
  testInfo.annotations.push({ type: "manual", description: line });
});
