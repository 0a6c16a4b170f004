import { readFileSync } from "node:fs";
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { expect as baseExpect, test } from "../fixtures/test";
import { RECEIVER_PORT } from "../fixtures/worker-ports";
import { startWebhookReceiver, type WebhookReceiver } from "../../test/support/webhook-receiver";

// The support console's webhook endpoints in Chromium: Support.Admin adds a receiver (a real HTTPS server here that
// verifies each request with the `standardwebhooks` package), sends a test event, rotates the secret, pauses and
// deletes it; Support.Read only looks.
const PASSWORD = "Sandbox-Passw0rd!";
const expect = baseExpect.configure({ timeout: 20_000 });
test.describe.configure({ mode: "serial" });

let receiver: WebhookReceiver;
test.beforeAll(async () => {
  // The sandbox wrote its localhost certificate here (npm test creates it first); the portal trusts its CA.
  const tls = { cert: readFileSync(".data/sandbox/server.pem"), key: readFileSync(".data/sandbox/server-key.pem") };
  receiver = await startWebhookReceiver({
    port: RECEIVER_PORT,
    path: `/hooks/dynamics-${Date.now().toString(36)}`,
    tls,
  });
});
test.afterAll(async () => {
  await receiver?.close();
});

async function expectNoAxeViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
}

async function signIn(page: Page, username: string) {
  await page.getByRole("button", { name: "Sign in with your Act-On account" }).click();
  await page.getByLabel("Email, phone, or Skype").fill(username);
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test("support.admin@ adds a webhook endpoint, test-sends, rotates its secret, pauses and deletes it", async ({ page, context, baseURL }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseURL });
  await page.goto("/support/webhooks");
  await signIn(page, "support.admin@actoncorp.onmicrosoft.com");
  await expect(page.getByRole("heading", { name: "Webhook endpoints" })).toBeVisible();
  await expectNoAxeViolations(page);

  await page.getByRole("button", { name: "Add endpoint" }).click();
  const dialog = page.getByRole("dialog", { name: "Add a webhook endpoint" });
  // Only an HTTPS address on the public internet is accepted.
  await dialog.getByLabel("Receiver URL (https)").fill("http://hooks.example.com/dynamics");
  await dialog.getByRole("button", { name: "Add endpoint" }).click();
  await expect(dialog.getByRole("alert")).toContainText(/https/i);
  await expectNoAxeViolations(page);

  await dialog.getByLabel("Receiver URL (https)").fill(receiver.url);
  await dialog.getByLabel("Description (optional)").fill("e2e receiver");
  await dialog.getByRole("button", { name: "Add endpoint" }).click();
  const secretField = dialog.getByLabel("Signing secret (shown once)");
  await expect(secretField).toHaveValue(/^whsec_/);
  const secret = await secretField.inputValue();
  await dialog.getByRole("button", { name: "Copy signing secret" }).click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
  receiver.setSecrets([secret]);
  await dialog.getByRole("button", { name: "Close" }).click();

  const card = page.getByRole("listitem", { name: `Endpoint ${receiver.url}` });
  await expect(card).toBeVisible();
  await expect(card.getByText("Signing secrets in use: 1")).toBeVisible();
  // The secret is shown once: not on the page any more.
  expect(await page.content()).not.toContain(secret);

  const before = receiver.accepted().length;
  await card.getByRole("button", { name: "Send test event" }).click();
  await expect(page.getByRole("status").getByText(/Test event delivered: the receiver answered 204/)).toBeVisible();
  expect(receiver.accepted().length).toBe(before + 1);
  expect(JSON.parse(receiver.accepted().at(-1)!.body)).toMatchObject({ type: "webhook.test" });

  // Rotation: the new secret is shown once; both secrets sign until the old one expires, so either verifies.
  await card.getByRole("button", { name: "Rotate secret" }).click();
  const rotate = page.getByRole("alertdialog", { name: /Rotate the signing secret/ });
  await rotate.getByRole("button", { name: "Rotate secret" }).click();
  const rotatedField = rotate.getByLabel("Signing secret (shown once)");
  await expect(rotatedField).toHaveValue(/^whsec_/);
  const rotated = await rotatedField.inputValue();
  expect(rotated).not.toBe(secret);
  await expectNoAxeViolations(page);
  await rotate.getByRole("button", { name: "Close" }).click();
  await expect(card.getByText(/Signing secrets in use: 2/)).toBeVisible();
  receiver.setSecrets([rotated]);
  await card.getByRole("button", { name: "Send test event" }).click();
  // The same words as the first test's outcome: wait for the receiver instead.
  await expect.poll(() => receiver.accepted().length).toBe(before + 2);
  await expect(page.getByRole("status").getByText(/Test event delivered/)).toBeVisible();

  // Pause, then its (empty) delivery log, then delete.
  await card.getByRole("switch", { name: `Send to ${receiver.url}` }).click();
  await expect(card.getByText("Paused", { exact: true })).toBeVisible();
  await card.getByRole("link", { name: "Deliveries" }).click();
  await expect(page.getByRole("heading", { name: "Webhook deliveries" })).toBeVisible();
  await expect(page.getByText("(paused)")).toBeVisible();
  await expectNoAxeViolations(page);
  await page.getByRole("link", { name: "Webhook endpoints" }).click();

  await card.getByRole("button", { name: "Delete" }).click();
  await page
    .getByRole("alertdialog", { name: /^Delete / })
    .getByRole("button", { name: "Delete endpoint" })
    .click();
  await expect(page.getByRole("status").getByText(/Deleted .* nothing more is sent there/)).toBeVisible();
  await expect(card).toHaveCount(0);
});

test("support@ sees the endpoints but cannot change them", async ({ page }) => {
  await page.goto("/support/webhooks");
  await signIn(page, "support@actoncorp.onmicrosoft.com");
  await expect(page.getByRole("heading", { name: "Webhook endpoints" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Add endpoint" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Send test event" })).toHaveCount(0);
  await expectNoAxeViolations(page);
});
