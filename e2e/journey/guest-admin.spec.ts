import { expect as baseExpect, test } from "../fixtures/test";
import { CONTOSO, deepLink, freshAccount, Journey, resetSandbox, SALES_URL, SANDBOX, signInAtMicrosoft } from "./journey-support";

// A partner's admin, invited into Contoso as a guest (Global Administrator there), connects Contoso: through
// `organizations` Microsoft would sign them in to their own tenant (Fabrikam), so they name Contoso on the sign-in page.
const expect = baseExpect.configure({ timeout: 20_000 });
test.afterEach(async ({ request }) => resetSandbox(request));

test("a Fabrikam guest admin signs in to Contoso by naming it and connects Contoso Sales to Active", async ({ page, request }, testInfo) => {
  await resetSandbox(request);
  const j = new Journey(page, testInfo);
  await page.goto(await deepLink({ account: freshAccount("guest"), user: "it@contoso.example", name: "Contoso Ltd", environment: SALES_URL }));
  await expect(page).toHaveURL(/\/connect\/[^/]+\/sign-in$/);

  await j.click(page.getByText("Sign in to another organization"));
  await page.getByLabel("The organization's domain or tenant id").fill(CONTOSO);
  await j.checkpoint("sign-in-another-organization");
  await j.click(page.getByRole("button", { name: "Sign in to that organization" }));
  await page.waitForURL((url) => url.origin === SANDBOX);
  // Contoso's authority, not `organizations`: Microsoft signs the guest in to Contoso.
  expect(new URL(page.url()).pathname).toMatch(/^\/10000000-0000-4000-8000-000000000001\/(oauth2\/v2\.0\/authorize|login)/);
  await signInAtMicrosoft(j, "admin@fabrikam.onmicrosoft.com", { consentForOrganization: true, expectConsent: true });

  await page.waitForURL(/\/plan\?environment=acton$/);
  await expect(page.getByTestId("environment-chosen")).toContainText("Contoso Sales");
  await j.checkpoint("plan");
  await j.click(page.getByRole("button", { name: "Approve and connect" }));
  await page.waitForURL(/\/progress$/);
  await expect(page.getByText("Connected. Your Dynamics connection is active.")).toBeVisible({ timeout: 60_000 });
  await j.checkpoint("active");
});
