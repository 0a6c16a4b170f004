/**
 * The portal and its commands share one database. While a portal process serves reads and runs its
 * background work (resumer and webhook deliverer) on the database, `npm run provision` takes a new account through the
 * sandbox to Active and `npm run deeplink` signs a link for it; both succeed, nothing in either process fails, and the
 * portal then lists the connection. On SQLite (WAL, one file, two processes) and on PostgreSQL.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxPortalEnv } from "@/test/support/sandbox-portal-env";
import { buildDefaultScenario } from "@/emulator/scenarios/default";
import { completeSignIn, FetchBrowser } from "@/emulator/testing/fetch-browser";
import { CONTOSO_ADMIN, SANDBOX_PASSWORD, useMicrosoftSandbox } from "@/test/support/microsoft-sandbox";
import { runPortalCommand, traceLines } from "@/test/support/portal-command";
import { startPortalInstance, type PortalInstance } from "@/test/support/portal-instance";
import { createTestDatabase, providersUnderTest, type TestDatabase } from "@/test/support/test-databases";

const fx = useMicrosoftSandbox(() => buildDefaultScenario());
const providers = await providersUnderTest();

describe.each(providers)("commands beside the running portal (%s)", (provider) => {
  let t: TestDatabase;
  let portal: PortalInstance;
  let portalUrl: string;
  let env: Record<string, string | undefined>;

  beforeAll(async () => {
    t = await createTestDatabase(provider);
    env = {
      DATABASE_URL: t.url,
      PORTAL_ENCRYPTION_KEYS: `side:${randomBytes(32).toString("base64")}`,
      DEEP_LINK_SECRET: `side:${randomBytes(32).toString("base64url")}`,
      PORTAL_BASE_URL: "http://localhost:5299",
      ACTON_RETURN_ORIGINS: "http://localhost:5299",
      ...sandboxPortalEnv(fx),
      PROVISIONING_POLL_INTERVAL_MS: "100",
      // The portal's background work as often as it can go, so it overlaps the command's every write.
      PROVISIONING_RESUME_INTERVAL_MS: "100",
      WEBHOOK_DELIVERY_INTERVAL_MS: "100",
      LOG_LEVEL: "error",
    };
    portal = startPortalInstance(env);
    portalUrl = `http://127.0.0.1:${await portal.port}`;
  });
  afterAll(async () => {
    await portal?.stop();
    await t?.cleanup();
  });

  it("npm run provision takes a new account to Active and npm run deeplink signs its link; the portal lists the connection", async () => {
    const account = `acme-side-${randomBytes(3).toString("hex")}`;
    // The portal keeps reading while the command writes, as its pages would.
    let reads = 0;
    let readFailures = 0;
    let reading = true;
    const reader = (async () => {
      while (reading) {
        const res = await fetch(`${portalUrl}/connections`).catch(() => null);
        if (res?.ok) reads++;
        else readFailures++;
        await res?.arrayBuffer();
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    const run = runPortalCommand("provision", ["--account", account, "--create-account", "--environment", "Contoso Sales", "--yes"], env);
    const [, page, code] = await run.waitFor(/open the page (\S+) and enter the code (\S+) to authenticate/);
    const browser = new FetchBrowser(fx.origin);
    const afterCode = await browser.submit(await browser.go(page), { otc: code });
    await completeSignIn(browser, afterCode, { username: CONTOSO_ADMIN, password: SANDBOX_PASSWORD, consent: "accept-for-organization" });
    expect(await run.exited, run.output()).toBe(0);
    expect(run.output()).toMatch(/Connection\s+\S+ — active/);
    expect(traceLines(run.output())).toEqual([]);

    const link = runPortalCommand("deeplink", ["--account", account], env);
    expect(await link.exited, link.output()).toBe(0);
    expect(link.output().trim()).toMatch(/^http:\/\/localhost:5299\/\S+$/m);

    reading = false;
    await reader;
    const listed = (await (await fetch(`${portalUrl}/connections`)).json()) as { status: string; account: { actonAccountId: string } }[];
    expect(listed.filter((c) => c.account.actonAccountId === account).map((c) => c.status)).toEqual(["active"]);
    expect(reads).toBeGreaterThan(0);
    expect(readFailures).toBe(0);
    // Nothing the portal did in the background failed beside the command (its errors would be logged here).
    expect(portal.stderr()).toBe("");
  }, 180_000);
});
