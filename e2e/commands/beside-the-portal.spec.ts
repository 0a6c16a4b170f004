// The portal's commands beside the running portal, as an operator uses them: while this worker's portal (`next start`,
// its background resumer and webhook deliverer running) serves its SQLite database, `npm run provision` takes a new
// account to Active through the sandbox and `npm run deeplink` signs its launch link; the portal's /api/v1 then lists
// the connection to Act-On's service. Neither command prints a stack trace or a byte dump.
import { randomBytes } from "node:crypto";
import { SANDBOX_PASSWORD } from "../../emulator/scenarios/ids";
import { completeSignIn, FetchBrowser } from "../../emulator/testing/fetch-browser";
import { actOnServiceToken } from "../fixtures/acton-service";
import { expect, test } from "../fixtures/test";
import { PORTAL, SANDBOX } from "../fixtures/worker-ports";
import { portalEnv } from "../fixtures/worker-stack";
import { runPortalCommand, traceLines } from "../../test/support/portal-command";

test("npm run provision and npm run deeplink work beside the running portal, which then lists the connection", async () => {
  test.slow();
  const account = `cmd-${randomBytes(3).toString("hex")}`;

  const provision = runPortalCommand("provision", ["--account", account, "--create-account", "--environment", "Contoso Sales", "--yes"], portalEnv());
  const [, devicePage, code] = await provision.waitFor(/open the page (\S+) and enter the code (\S+) to authenticate/);
  const browser = new FetchBrowser(SANDBOX);
  const afterCode = await browser.submit(await browser.go(devicePage), { otc: code });
  await completeSignIn(browser, afterCode, {
    username: "admin@contoso.onmicrosoft.com",
    password: SANDBOX_PASSWORD,
    consent: "accept-for-organization",
  });
  expect(await provision.exited, provision.output()).toBe(0);
  expect(provision.output()).toMatch(/Connection\s+\S+ — active/);
  expect(traceLines(provision.output())).toEqual([]);

  const deeplink = runPortalCommand("deeplink", ["--account", account], portalEnv());
  expect(await deeplink.exited, deeplink.output()).toBe(0);
  expect(deeplink.output()).toContain(`${PORTAL}/launch?t=`);
  expect(traceLines(deeplink.output())).toEqual([]);

  // Act-On's service asks the running portal, with a client-credentials token from its own tenant.
  const token = await actOnServiceToken();
  // A portal that stopped answering fails here within a minute, not after fetch's five-minute wait for headers.
  const listed = await fetch(`${PORTAL}/api/v1/connections?account=${account}`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(60_000),
  });
  expect(listed.status).toBe(200);
  const { items } = (await listed.json()) as { items: { status: string; account: { id: string } }[] };
  expect(items.map((c) => [c.account.id, c.status])).toEqual([[account, "active"]]);
});
