/**
 * The portal session as pages and actions see it (a plain, serialisable value: never the token, its hash or a
 * pending sign-in's secrets), and the pure rules of its lifetime. No server-only marker, so a client component may
 * import the type.
 */

export type SessionIntent = "connect" | "reconnect" | "status" | "handoff";

export type PortalSessionView = {
  id: string;
  /** The portal's Account id. */
  accountId: string;
  actonAccountId: string;
  accountName: string;
  connectionId: string | null;
  intent: SessionIntent;
  /** The verified Act-On return URL (its origin is allowed by ACTON_RETURN_ORIGINS). */
  returnTo: string | null;
  actonUserEmail: string | null;
  /** The Dynamics environment Act-On named in the launch link (`environment_url`), if any: a suggestion, checked against what Microsoft lists. */
  environmentHint: string | null;
  /** The admin's Microsoft identity after sign-in (id token claims). */
  microsoft: { tenantId: string; objectId: string; username: string; name: string | null } | null;
  handoff: { linkId: string; steps: string[] } | null;
};

export type SessionLifetimes = { idleMs: number; absoluteMs: number };

export const DEFAULT_SESSION_LIFETIMES: SessionLifetimes = { idleMs: 8 * 60 * 60_000, absoluteMs: 7 * 24 * 60 * 60_000 };

/** A busy admin's requests extend the idle expiry, but at most once a minute, so polling pages do not write on every request. */
const TOUCH_INTERVAL_MS = 60_000;

export type SessionTimes = { createdAt: Date; idleExpiresAt: Date; absoluteExpiresAt: Date; revokedAt: Date | null; lastSeenAt: Date };
export type SessionState = "active" | "revoked" | "idle" | "expired";

/** Why a session is (not) usable at `now`. Revocation wins, then the absolute limit, then idleness. */
export function sessionState(s: SessionTimes, now: Date): SessionState {
  if (s.revokedAt) return "revoked";
  if (s.absoluteExpiresAt.getTime() <= now.getTime()) return "expired";
  if (s.idleExpiresAt.getTime() <= now.getTime()) return "idle";
  return "active";
}

/** Expiries of a session opened at `now`. */
export function initialExpiries(now: Date, lifetimes: SessionLifetimes): { idleExpiresAt: Date; absoluteExpiresAt: Date } {
  const absoluteExpiresAt = new Date(now.getTime() + lifetimes.absoluteMs);
  const idle = new Date(now.getTime() + lifetimes.idleMs);
  return { idleExpiresAt: idle < absoluteExpiresAt ? idle : absoluteExpiresAt, absoluteExpiresAt };
}

/** The new idle expiry after a request at `now`, or null when the last touch is recent enough to skip the write. */
export function touchedIdleExpiry(s: SessionTimes, now: Date, lifetimes: SessionLifetimes): Date | null {
  if (now.getTime() - s.lastSeenAt.getTime() < TOUCH_INTERVAL_MS) return null;
  const next = new Date(Math.min(now.getTime() + lifetimes.idleMs, s.absoluteExpiresAt.getTime()));
  return next > s.idleExpiresAt ? next : null;
}
