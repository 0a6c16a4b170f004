import { describe, expect, it } from "vitest";
import { contentSecurityPolicy, REDIRECT_BRIDGE_PATH, referrerPolicyFor, securityHeaders, type SecurityHeaderInput } from "./security-headers";

const PROD: SecurityHeaderInput = {
  pathname: "/connect/c1/plan",
  nonce: "bm9uY2UtMTIzNDU2Nzg5MA==",
  portalBaseUrl: "https://portal.example.com",
  authorityHost: "https://login.microsoftonline.com/",
  isDevelopment: false,
};

/** The policy as a map of directive → its sources. */
function directives(csp: string): Record<string, string[]> {
  return Object.fromEntries(
    csp.split(";").map((d) => {
      const [name, ...sources] = d.trim().split(/\s+/);
      return [name, sources];
    }),
  );
}

describe("security headers", () => {
  it("a page may not be framed by anyone, sniffed, or reached over plain HTTP again once served over HTTPS", () => {
    const h = securityHeaders(PROD);
    expect(directives(h["content-security-policy"])["frame-ancestors"]).toEqual(["'none'"]);
    expect(h["x-frame-options"]).toBe("DENY");
    expect(h["x-content-type-options"]).toBe("nosniff");
    expect(h["strict-transport-security"]).toBe("max-age=63072000; includeSubDomains");
    expect(h["cross-origin-opener-policy"]).toBe("same-origin");
    expect(h["permissions-policy"]).toMatch(/camera=\(\).*microphone=\(\).*geolocation=\(\)/);
    expect(h["referrer-policy"]).toBe("strict-origin-when-cross-origin");
  });

  it("the console's redirect bridge alone may be framed, by the portal's own pages only, and carries no COOP", () => {
    const bridge = securityHeaders({ ...PROD, pathname: REDIRECT_BRIDGE_PATH });
    expect(REDIRECT_BRIDGE_PATH).toBe("/redirect-bridge");
    expect(directives(bridge["content-security-policy"])["frame-ancestors"]).toEqual(["'self'"]);
    expect(bridge["x-frame-options"]).toBe("SAMEORIGIN");
    expect(bridge).not.toHaveProperty("cross-origin-opener-policy");
    // Microsoft's authorization code may sit in its URL: no Referer leaves it.
    expect(bridge["referrer-policy"]).toBe("no-referrer");
    // The rest of its policy is the strict one.
    expect(bridge["x-content-type-options"]).toBe("nosniff");
    expect(directives(bridge["content-security-policy"])["script-src"]).toEqual(["'self'", `'nonce-${PROD.nonce}'`, "'strict-dynamic'"]);
    // Every other page, the console and its sign-in callback included, and look-alike paths keep the strict headers.
    for (const pathname of ["/support", "/support/callback", "/support/redirect-bridge", "/redirect-bridges", "/redirect-bridge-x", "/"]) {
      const h = securityHeaders({ ...PROD, pathname });
      expect(directives(h["content-security-policy"])["frame-ancestors"], pathname).toEqual(["'none'"]);
      expect(h["x-frame-options"], pathname).toBe("DENY");
      expect(h["cross-origin-opener-policy"], pathname).toBe("same-origin");
    }
  });

  it("scripts run only with this request's nonce (and what they load), no eval outside next dev", () => {
    const csp = directives(contentSecurityPolicy(PROD));
    expect(csp["script-src"]).toEqual(["'self'", `'nonce-${PROD.nonce}'`, "'strict-dynamic'"]);
    expect(csp["object-src"]).toEqual(["'none'"]);
    expect(csp["base-uri"]).toEqual(["'none'"]);
    expect(csp["default-src"]).toEqual(["'self'"]);
    expect(JSON.stringify(csp)).not.toContain("unsafe-eval");
    expect(directives(contentSecurityPolicy({ ...PROD, isDevelopment: true }))["script-src"]).toContain("'unsafe-eval'");
  });

  it("forms post to the portal and the Microsoft authority only; the console's MSAL.js may reach the authority", () => {
    const csp = directives(contentSecurityPolicy(PROD));
    expect(csp["form-action"]).toEqual(["'self'", "https://login.microsoftonline.com"]);
    expect(csp["connect-src"]).toEqual(["'self'", "https://login.microsoftonline.com"]);
    // The sandbox in tests: its origin, port included.
    const sandbox = directives(contentSecurityPolicy({ ...PROD, authorityHost: "https://localhost:5243" }));
    expect(sandbox["form-action"]).toEqual(["'self'", "https://localhost:5243"]);
    expect(sandbox["connect-src"]).toEqual(["'self'", "https://localhost:5243"]);
  });

  it("a plain-http portal (a local demo) gets no HSTS and no upgrade of its requests", () => {
    const h = securityHeaders({ ...PROD, portalBaseUrl: "http://localhost:3000" });
    expect(h).not.toHaveProperty("strict-transport-security");
    expect(h["content-security-policy"]).not.toContain("upgrade-insecure-requests");
    expect(securityHeaders(PROD)["content-security-policy"]).toContain("upgrade-insecure-requests");
  });

  it("no Referer leaves the pages whose URL carries a token; every other page keeps the origin-only default", () => {
    for (const path of ["/launch", "/launch/refused/expired", "/handoff", "/auth/callback", "/auth/sign-in/start", "/return-to-acton"]) {
      expect(referrerPolicyFor(path), path).toBe("no-referrer");
    }
    // The sign-in page posts a form: under no-referrer Chromium would send `Origin: null` and the post would be refused.
    for (const path of ["/", "/auth/sign-in", "/connect/c1/plan", "/support", "/session-ended", "/launcher", "/handoffs"]) {
      expect(referrerPolicyFor(path), path).toBe("strict-origin-when-cross-origin");
    }
  });
});
