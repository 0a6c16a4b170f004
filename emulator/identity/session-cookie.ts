/**
 * The browser session at the sandbox's sign-in pages: a small HMAC-signed cookie, so a second /authorize in the same
 * browser signs in silently (unless prompt=login), and prompt=none can succeed. The key lives in memory only, so a
 * sandbox restart signs everybody out, as a real session expiry would.
 */
import { getState } from "../core/store";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { EmuRequest } from "../core/http";
import { sandboxNow } from "../core/clock";

export type BrowserSession = { uid: string; tid: string; amr: string[]; authTime: number; sid: string };

const COOKIE = "sbx_estsauth";
const MAX_AGE_S = 12 * 3600;
let key = randomBytes(32);

/** Rotating the key invalidates every session (used on state reset). */
export function rotateSessionKey(): void {
  key = randomBytes(32);
}

function sign(payload: string): string {
  return createHmac("sha256", key).update(payload).digest("base64url");
}

export function readSession(req: EmuRequest): BrowserSession | null {
  const header = req.headers.cookie;
  if (!header) return null;
  const raw = header
    .split(";")
    .map((c) => c.trim())
    .find((c) => c.startsWith(`${COOKIE}=`))
    ?.slice(COOKIE.length + 1);
  if (!raw) return null;
  const [payload, mac] = raw.split(".");
  if (!payload || !mac) return null;
  const expected = Buffer.from(sign(payload));
  const given = Buffer.from(mac);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  try {
    const session = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as BrowserSession;
    if (sandboxNow() / 1000 - session.authTime > MAX_AGE_S) return null;
    // A session signed in before the user's sessions were revoked (Graph revokeSignInSessions) is no session.
    const validFrom = getState().users.find((u) => u.id === session.uid)?.signInSessionsValidFromDateTime;
    return validFrom && session.authTime * 1000 < Date.parse(validFrom) ? null : session;
  } catch {
    return null;
  }
}

/** SameSite=None so the cookie also rides on the cross-site form_post and redirect round trips (HTTPS only). */
export function sessionCookie(session: BrowserSession): string {
  const payload = Buffer.from(JSON.stringify(session)).toString("base64url");
  return `${COOKIE}=${payload}.${sign(payload)}; Path=/; Max-Age=${MAX_AGE_S}; HttpOnly; Secure; SameSite=None`;
}

export function clearedSessionCookie(): string {
  return `${COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=None`;
}
