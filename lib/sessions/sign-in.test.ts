import { describe, expect, it } from "vitest";
import { ADMIN_GRAPH_PERMISSIONS } from "../microsoft/graph-permissions";
import { isForeignOriginWrite, isSameOriginPost } from "./same-origin";
import { SESSION_COOKIE, sessionCookieOptions } from "./session-cookie";
import { initialExpiries, sessionState, touchedIdleExpiry } from "./session-view";
import { SIGN_IN_PERMISSION_LINES } from "./sign-in-permissions";
import { adminConsentUrl, outcomeOfMicrosoftError } from "./sign-in-outcome";

describe("sign-in permissions", () => {
  it("explains every permission the sign-in asks for in one plain line, Dynamics included", () => {
    const graph = SIGN_IN_PERMISSION_LINES.filter((p) => p.api === "Microsoft Graph").map((p) => p.permission);
    expect(graph).toEqual([...ADMIN_GRAPH_PERMISSIONS]);
    expect(SIGN_IN_PERMISSION_LINES.some((p) => p.api === "Dynamics 365" && p.permission === "user_impersonation")).toBe(true);
    for (const p of SIGN_IN_PERMISSION_LINES) expect(p.line, p.permission).toMatch(/^[A-Z][^\n]{20,160}\.$/);
  });
});

describe("Microsoft's refusals in the admin's words", () => {
  it("tells cancel, blocked consent and other failures apart", () => {
    expect(outcomeOfMicrosoftError("access_denied", "AADSTS65004: User declined to consent to access the app.", undefined)).toBe("cancelled");
    expect(outcomeOfMicrosoftError("access_denied", undefined, "cancel")).toBe("cancelled");
    expect(outcomeOfMicrosoftError("access_denied", "AADSTS90094: The grant requires admin permission.", undefined)).toBe("consent_required");
    expect(outcomeOfMicrosoftError("consent_required", "AADSTS65001: The user or administrator has not consented", undefined)).toBe(
      "consent_required",
    );
    expect(outcomeOfMicrosoftError("invalid_request", "AADSTS50011: redirect URI mismatch", undefined)).toBe("failed");
  });

  it("builds the admin-consent URL from the authority host: organizations, client id, .default, redirect URI", () => {
    const url = new URL(
      adminConsentUrl({
        authorityHost: "https://login.microsoftonline.com/",
        clientId: "31000000-0000-4000-8000-000000000001",
        graphUrl: "https://graph.microsoft.com",
        redirectUri: "https://portal.example.com/auth/callback",
      }),
    );
    expect(`${url.origin}${url.pathname}`).toBe("https://login.microsoftonline.com/organizations/v2.0/adminconsent");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: "31000000-0000-4000-8000-000000000001",
      scope: "https://graph.microsoft.com/.default",
      redirect_uri: "https://portal.example.com/auth/callback",
    });
  });
});

describe("session cookie and CSRF", () => {
  it("is a __Host- cookie: Secure (localhost included), Path=/, no Domain, httpOnly and SameSite=Lax", () => {
    const expires = new Date("2026-12-09T00:00:00Z");
    expect(SESSION_COOKIE).toBe("__Host-portal_session");
    expect(sessionCookieOptions(expires)).toEqual({ httpOnly: true, sameSite: "lax", secure: true, path: "/", expires });
    expect(sessionCookieOptions(expires)).not.toHaveProperty("domain");
  });

  it("accepts a form post only from the portal's own origin", () => {
    const h = (o: Record<string, string>) => new Headers(o);
    expect(isSameOriginPost(h({ origin: "https://portal.example.com" }), "https://portal.example.com")).toBe(true);
    expect(isSameOriginPost(h({ origin: "https://evil.example" }), "https://portal.example.com")).toBe(false);
    expect(isSameOriginPost(h({ origin: "null" }), "https://portal.example.com")).toBe(false);
    expect(isSameOriginPost(h({ "sec-fetch-site": "same-origin" }), "https://portal.example.com")).toBe(true);
    expect(isSameOriginPost(h({ "sec-fetch-site": "cross-site" }), "https://portal.example.com")).toBe(false);
    expect(isSameOriginPost(h({}), "https://portal.example.com")).toBe(false);
  });

  it("refuses a server action or form post from another origin (a sibling subdomain too) before any route runs", () => {
    const base = "https://portal.example.com";
    const write = (headers: Record<string, string>, method = "POST", pathname = "/connect/c1/plan") =>
      isForeignOriginWrite({ method, pathname, headers: new Headers(headers) }, base);
    expect(write({ origin: "https://evil.example.com", "next-action": "abc" })).toBe(true);
    expect(write({ origin: "https://evil.example.com" }, "POST", "/auth/sign-in/start")).toBe(true);
    // A progressive-enhancement form names its action in the body, not in a Next-Action header: still refused.
    expect(write({ origin: "https://sibling.example.com" })).toBe(true);
    expect(write({ origin: "null", "next-action": "abc" })).toBe(true);
    expect(write({ origin: "http://portal.example.com", "next-action": "abc" })).toBe(true);
    expect(write({ "sec-fetch-site": "same-site" })).toBe(true);
    expect(write({ "sec-fetch-site": "cross-site" }, "DELETE")).toBe(true);

    expect(write({ origin: base, "next-action": "abc" })).toBe(false);
    expect(write({ "sec-fetch-site": "same-origin" })).toBe(false);
    // Not a browser's cross-site post: the route's own checks decide.
    expect(write({})).toBe(false);
    // Reads change nothing; /api/ takes bearer tokens, never the cookie.
    expect(write({ origin: "https://evil.example.com" }, "GET")).toBe(false);
    expect(write({ origin: "https://evil.example.com" }, "HEAD")).toBe(false);
    expect(write({ origin: "https://evil.example.com" }, "POST", "/api/v1/connections")).toBe(false);
    expect(write({ origin: "https://evil.example.com" }, "POST", "/apix")).toBe(true);
  });
});

describe("session lifetime rules", () => {
  const t0 = new Date("2026-12-02T00:00:00Z");
  const lifetimes = { idleMs: 8 * 3_600_000, absoluteMs: 7 * 24 * 3_600_000 };
  const at = (h: number) => new Date(t0.getTime() + h * 3_600_000);

  it("revoked beats expired beats idle", () => {
    const s = { createdAt: t0, lastSeenAt: t0, ...initialExpiries(t0, lifetimes), revokedAt: null };
    expect(sessionState(s, at(7.9))).toBe("active");
    expect(sessionState(s, at(8))).toBe("idle");
    expect(sessionState(s, at(24 * 7))).toBe("expired");
    expect(sessionState({ ...s, revokedAt: at(1) }, at(2))).toBe("revoked");
  });

  it("a touch extends the idle expiry at most once a minute and never past the absolute limit", () => {
    const s = { createdAt: t0, lastSeenAt: t0, ...initialExpiries(t0, lifetimes), revokedAt: null };
    expect(touchedIdleExpiry(s, new Date(t0.getTime() + 30_000), lifetimes)).toBeNull();
    expect(touchedIdleExpiry(s, at(1), lifetimes)).toEqual(at(9));
    expect(touchedIdleExpiry({ ...s, lastSeenAt: at(24 * 7 - 2) }, at(24 * 7 - 1), lifetimes)).toEqual(at(24 * 7));
  });
});
