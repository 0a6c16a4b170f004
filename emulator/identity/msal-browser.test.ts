/**
 * The support console's sign-in as a browser does it: @azure/msal-browser (its published UMD build) in Debian's
 * Chromium, on an http://localhost page, redirect flow with PKCE against the sandbox's SPA redirect URI. The browser
 * sends the Origin header and enforces CORS itself, so this proves the token endpoint's SPA rules and CORS headers with
 * a client we did not write. Skipped when /usr/bin/chromium is absent.
 */
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { chromium, type Browser } from "@playwright/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PORTAL_APP, TENANTS } from "../scenarios/ids";
import { SANDBOX_PASSWORD } from "../scenarios/ids";
import { useSandbox } from "@/test/support/sandbox";
import { decodeJwt } from "../testing/raw-oauth";

const CHROMIUM = "/usr/bin/chromium";
const sb = useSandbox();
// The package's exports hide lib/; read the published UMD bundle from its folder.
const MSAL_JS = readFileSync(join(dirname(require.resolve("@azure/msal-browser")), "msal-browser.min.js"), "utf8");

let site: Server;
let siteOrigin = "";
let browser: Browser;

/** The console page: MSAL configured for Act-On's tenant, tokens in sessionStorage, the result exposed on window. */
function page(): string {
  const config = {
    auth: {
      clientId: PORTAL_APP.appId,
      authority: `${sb.origin}/${TENANTS.actoncorp}`,
      knownAuthorities: [sb.host],
      redirectUri: `${siteOrigin}/support/callback`,
    },
    cache: { cacheLocation: "sessionStorage" },
  };
  return `<!doctype html><html><head><title>Support console</title><script src="/msal-browser.min.js"></script></head><body>
<script>
  window.pca = new msal.PublicClientApplication(${JSON.stringify(config)});
  window.ready = window.pca.initialize().then(() => window.pca.handleRedirectPromise()).then(
    (r) => { window.result = r ? { accessToken: r.accessToken, idToken: r.idToken, scopes: r.scopes, username: r.account && r.account.username } : null; },
    (e) => { window.failure = String(e && (e.errorCode + ": " + e.errorMessage)); },
  );
</script></body></html>`;
}

beforeAll(async () => {
  site = createServer((req, res) => {
    if (req.url === "/msal-browser.min.js") {
      res.writeHead(200, { "content-type": "text/javascript" }).end(MSAL_JS);
      return;
    }
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(page());
  });
  await new Promise<void>((r) => site.listen(0, "127.0.0.1", r));
  siteOrigin = `http://localhost:${(site.address() as AddressInfo).port}`;
  if (existsSync(CHROMIUM)) browser = await chromium.launch({ executablePath: CHROMIUM });
});
afterAll(async () => {
  await browser?.close();
  await new Promise((r) => site?.close(r));
});

describe.skipIf(!existsSync(CHROMIUM))("msal-browser in Chromium against the SPA redirect URI", () => {
  it("signs support.admin@ in with loginRedirect and gets a v1 token for the portal API with scp and roles, kept out of localStorage", async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const tab = await context.newPage();
    const tokenRequests: Promise<{ origin: string | undefined }>[] = [];
    tab.on("request", (r) => {
      if (new URL(r.url()).pathname.endsWith("/oauth2/v2.0/token")) tokenRequests.push(r.allHeaders().then((h) => ({ origin: h.origin })));
    });
    await tab.goto(`${siteOrigin}/support/`);
    await tab.evaluate(() => (window as unknown as { ready: Promise<void> }).ready);
    await Promise.all([
      tab.waitForURL(/\/oauth2\/v2\.0\/authorize/),
      tab
        .evaluate(
          (scope) => (window as unknown as { pca: { loginRedirect(r: object): Promise<void> } }).pca.loginRedirect({ scopes: [scope] }),
          `${PORTAL_APP.identifierUri}/${PORTAL_APP.supportAccessScope}`,
        )
        // loginRedirect navigates away, so its promise never settles in this page.
        .catch(() => undefined),
    ]);
    await tab.fill('input[name="login"]', "support.admin@actoncorp.onmicrosoft.com");
    await tab.getByRole("button", { name: "Next" }).click();
    await tab.fill('input[name="passwd"]', SANDBOX_PASSWORD);
    await tab.getByRole("button", { name: "Sign in" }).click();
    await tab.waitForURL(new RegExp(`^${siteOrigin}/support/callback`));
    await tab.waitForFunction(() => "result" in window || "failure" in window, undefined, { timeout: 20_000 });
    const { result, failure } = await tab.evaluate(() => ({
      result: (window as unknown as { result: { accessToken: string; idToken: string; username: string } | null }).result,
      failure: (window as unknown as { failure?: string }).failure,
    }));
    expect(failure).toBeUndefined();
    expect(result!.username).toBe("support.admin@actoncorp.onmicrosoft.com");
    expect(decodeJwt(result!.accessToken)).toMatchObject({
      aud: PORTAL_APP.identifierUri,
      appid: PORTAL_APP.appId,
      scp: "Support.Access",
      roles: ["Support.Admin"],
      tid: TENANTS.actoncorp,
    });
    expect(decodeJwt(result!.idToken).roles).toEqual(["Support.Admin"]);
    // The code was redeemed from the page's origin, and the tokens live in sessionStorage only.
    expect(await Promise.all(tokenRequests)).toEqual([{ origin: siteOrigin }]);
    const storage = await tab.evaluate(() => ({ local: Object.keys(localStorage).join(" "), session: Object.keys(sessionStorage).join(" ") }));
    expect(storage.local).not.toMatch(/accesstoken|refreshtoken|idtoken/i);
    expect(storage.session).toMatch(/accesstoken/i);
    await context.close();
  }, 120_000); // a browser start and three page loads: slow on a loaded 2-core machine
});
