/**
 * The security headers of every response the portal sends, as one pure function of the request's path, its CSP nonce
 * and the portal's settings. `proxy.ts` applies them; a page framed by another site, a sniffed upload or a leaked
 * token in a Referer are refused here, once, for every route. Pure.
 */

export type SecurityHeaderInput = {
  /** The request's path (no query): a few paths carry tokens in their URL and get a stricter Referrer-Policy. */
  pathname: string;
  /** A fresh, unguessable value per request: Next.js reads it from the request's CSP and puts it on its own scripts. */
  nonce: string;
  /** PORTAL_BASE_URL: HSTS and upgrade-insecure-requests only when the portal is served over HTTPS. */
  portalBaseUrl: string;
  /** MICROSOFT_AUTHORITY_HOST: the sign-in form's redirect and the support console's MSAL.js talk to it. */
  authorityHost: string;
  /** `next dev` only: React rebuilds server error stacks with eval in development. */
  isDevelopment: boolean;
};

/**
 * Paths whose URL carries a secret (a launch or hand-off token, Microsoft's authorization code) or whose answer
 * redirects to one: no Referer at all leaves them. Kept this narrow on purpose: under `no-referrer` Chromium sends
 * `Origin: null` on same-origin form posts, which the portal's CSRF checks (rightly) refuse, so a page with a form
 * must keep the default policy.
 */
const NO_REFERRER_PATHS = ["/launch", "/handoff", "/auth/callback", "/auth/sign-in/start", "/return-to-acton", "/redirect-bridge"];

/**
 * The support console's redirect bridge (msal-browser 5): Microsoft answers a silent request into a hidden iframe of the
 * console, the iframe lands here and hands the answer to the console over a BroadcastChannel. So this one page must be
 * frameable by the portal's own pages, and must carry no Cross-Origin-Opener-Policy: msal-browser's "redirect bridge"
 * guide warns that COOP on it swaps the browsing context group and cuts the channel back to the console.
 */
export const REDIRECT_BRIDGE_PATH = "/redirect-bridge";

function isUnder(pathname: string, prefix: string): boolean {
  return pathname === prefix || pathname.startsWith(`${prefix}/`);
}

function isRedirectBridge(pathname: string): boolean {
  return isUnder(pathname, REDIRECT_BRIDGE_PATH);
}

export function referrerPolicyFor(pathname: string): "no-referrer" | "strict-origin-when-cross-origin" {
  return NO_REFERRER_PATHS.some((p) => isUnder(pathname, p)) ? "no-referrer" : "strict-origin-when-cross-origin";
}

/** The nonce-based Content-Security-Policy (the same value goes on the request, for Next.js, and on the response). */
export function contentSecurityPolicy(input: SecurityHeaderInput): string {
  const authority = new URL(input.authorityHost).origin;
  const https = new URL(input.portalBaseUrl).protocol === "https:";
  const directives = [
    "default-src 'self'",
    // 'strict-dynamic': scripts Next.js loads from a nonced script run too; host allow-lists are ignored, so an
    // injected <script src> from anywhere does not.
    `script-src 'self' 'nonce-${input.nonce}' 'strict-dynamic'${input.isDevelopment ? " 'unsafe-eval'" : ""}`,
    // Inline style attributes (React's style props, Radix's positioning) are not a script vector; a nonce would
    // block them, because a nonce disables 'unsafe-inline'.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    // The support console's MSAL.js redeems codes and refreshes tokens at the authority's token endpoint.
    `connect-src 'self' ${authority}`,
    `frame-src 'self' ${authority}`,
    "object-src 'none'",
    "base-uri 'none'",
    // Only the console's redirect bridge is ever framed, and only by the portal itself.
    isRedirectBridge(input.pathname) ? "frame-ancestors 'self'" : "frame-ancestors 'none'",
    // The sign-in form posts to the portal, which answers 303 to Microsoft's authorize page: Chromium checks
    // form-action on that redirect too.
    `form-action 'self' ${authority}`,
    ...(https ? ["upgrade-insecure-requests"] : []),
  ];
  return directives.join("; ");
}

/** Every header, for one response. */
export function securityHeaders(input: SecurityHeaderInput): Record<string, string> {
  const https = new URL(input.portalBaseUrl).protocol === "https:";
  const bridge = isRedirectBridge(input.pathname);
  return {
    "content-security-policy": contentSecurityPolicy(input),
    // For browsers that predate frame-ancestors.
    "x-frame-options": bridge ? "SAMEORIGIN" : "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": referrerPolicyFor(input.pathname),
    // The support console signs in with a full-page redirect (no popup), so no window of another origin ever needs
    // a handle on ours. Not on the redirect bridge (see REDIRECT_BRIDGE_PATH).
    ...(bridge ? {} : { "cross-origin-opener-policy": "same-origin" }),
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), hid=()",
    // Only over HTTPS: on http://localhost a browser ignores it anyway, and sending it there would say something untrue.
    ...(https ? { "strict-transport-security": "max-age=63072000; includeSubDomains" } : {}),
  };
}
