import AxeBuilder from "@axe-core/playwright";
import { expect, type Page, type TestInfo } from "@playwright/test";
import { launchUrl, signLaunchToken } from "../../lib/deep-link/launch-link";

// Support for the issue-8 paths: a signed Act-On link for a fresh account, axe-core, screenshots kept as artifacts.
const [kid, ...secret] = (process.env.E2E_DEEP_LINK_SECRET ?? "").split(":");
const RETURN_ORIGIN = process.env.E2E_ACTON_RETURN_ORIGINS ?? "";
export { SANDBOX as SANDBOX_ORIGIN } from "../fixtures/worker-ports";

/** Opens a fresh Act-On launch link (a new account each time) and returns the connection id the portal made. */
export async function launchNewConnection(page: Page, baseURL: string | undefined, intent: "connect" | "reconnect" = "connect"): Promise<string> {
  const token = await signLaunchToken({
    keys: [{ kid, secret: secret.join(":") }],
    audience: baseURL!,
    actonAccountId: `e2e-paths-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
    accountName: "Contoso Ltd",
    userEmail: "admin@contoso.onmicrosoft.com",
    intent,
    returnTo: `${RETURN_ORIGIN}/settings/connectors/crm`,
  });
  await page.goto(launchUrl(baseURL!, token));
  // /connect/<id> sends the browser on to the connection's page after it streamed (a client-side redirect): wait for
  // it, or the caller's next goto races it and is aborted.
  await page.waitForURL(/\/connect\/[^/]+\/[a-z-]+(\?.*)?$/);
  const match = /\/connect\/([A-Za-z0-9_-]+)/.exec(new URL(page.url()).pathname);
  if (!match) throw new Error(`the launch link did not lead to a connection: ${page.url()}`);
  return match[1];
}

/** axe-core on the page as it is: zero violations. */
export async function expectAccessible(page: Page) {
  const axe = await new AxeBuilder({ page }).analyze();
  expect(axe.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
}

/** A full-page screenshot kept with the test's artifacts. */
export async function snap(page: Page, testInfo: TestInfo, name: string) {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: "image/png" });
}
