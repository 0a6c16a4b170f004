/**
 * Redirect URI matching. Entra requires an exact match with a registered URI, except that for `http://localhost`
 * (and `http://127.0.0.1`) the port is ignored, so native and dev apps may listen on any port
 * (learn.microsoft.com "Redirect URI restrictions: localhost exceptions").
 */
import type { Application } from "../core/state";

export type RedirectMatch = { kind: "web" | "publicClient" | "spa" };

function isLoopbackHttp(url: URL): boolean {
  return url.protocol === "http:" && (url.hostname === "localhost" || url.hostname === "127.0.0.1" || url.hostname === "[::1]");
}

function sameIgnoringLoopbackPort(registered: string, requested: string): boolean {
  if (registered === requested) return true;
  let a: URL;
  let b: URL;
  try {
    a = new URL(registered);
    b = new URL(requested);
  } catch {
    return false;
  }
  if (!isLoopbackHttp(a) || !isLoopbackHttp(b) || a.hostname !== b.hostname) return false;
  return a.pathname === b.pathname && a.search === b.search;
}

export function matchRedirectUri(app: Application, redirectUri: string): RedirectMatch | null {
  if (app.web.redirectUris.some((r) => sameIgnoringLoopbackPort(r, redirectUri))) return { kind: "web" };
  if (app.spa.redirectUris.some((r) => sameIgnoringLoopbackPort(r, redirectUri))) return { kind: "spa" };
  if (app.publicClient.redirectUris.some((r) => sameIgnoringLoopbackPort(r, redirectUri))) return { kind: "publicClient" };
  return null;
}
