import { NextResponse, type NextRequest } from "next/server";
import { getEnv } from "@/lib/core/env";
import { isForeignOriginWrite } from "@/lib/sessions/same-origin";
import { securityHeaders } from "@/lib/security/security-headers";

/**
 * Next.js's proxy (Next 16's name for middleware; it runs on Node.js) in front of every route: a fresh CSP nonce and
 * the security headers on every response, and a write from another origin refused before any route sees it.
 */
export function proxy(request: NextRequest) {
  const env = getEnv();
  const { pathname } = request.nextUrl;
  if (isForeignOriginWrite({ method: request.method, pathname, headers: request.headers }, env.PORTAL_BASE_URL)) {
    return new NextResponse("This request did not come from the portal's own pages, so nothing was changed.\n", {
      status: 403,
      headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", "x-content-type-options": "nosniff" },
    });
  }
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString("base64");
  const headers = securityHeaders({
    pathname,
    nonce,
    portalBaseUrl: env.PORTAL_BASE_URL,
    authorityHost: env.MICROSOFT_AUTHORITY_HOST,
    isDevelopment: env.NODE_ENV === "development",
  });
  // Next.js reads the nonce from the request's CSP and puts it on the scripts it renders.
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("content-security-policy", headers["content-security-policy"]);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}
