import { expect, test } from "../fixtures/test";

test("the home page says what the portal is and how an admin starts", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Connect Microsoft Dynamics 365 to Act-On");
  await expect(page.getByText("Settings › Connectors › CRM › MS Dynamics")).toBeVisible();
  await expect(page.getByRole("heading", { name: "What the portal does for you" })).toBeVisible();
  await expect(page.getByText("Create the application user")).toBeVisible();
  // Tailwind is applied (the heading is bold), so the stylesheet was built and served.
  await expect(page.getByRole("heading", { level: 1 })).toHaveCSS("font-weight", "700");
});

test("the health endpoint reports the version and a reachable database", async ({ request }) => {
  const response = await request.get("/api/health");
  expect(response.status()).toBe(200);
  expect(response.headers()["cache-control"]).toContain("no-store");
  const body = await response.json();
  expect(body).toMatchObject({ status: "ok", version: expect.stringMatching(/^\d+\.\d+\.\d+/), database: { provider: "sqlite", reachable: true } });
});
