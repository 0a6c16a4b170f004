import "server-only";
import type { Db } from "../core/db";
import { hashToken, newOpaqueToken } from "./session-token";
import {
  initialExpiries,
  sessionState,
  touchedIdleExpiry,
  type PortalSessionView,
  type SessionIntent,
  type SessionLifetimes,
  type SessionState,
} from "./session-view";

/**
 * The PortalSession aggregate: every write to the table goes through these commands. Sessions are found by the
 * SHA-256 of the cookie's token; the token itself exists only in the browser and in `createPortalSession`'s answer.
 */

const VIEW_SELECT = {
  id: true,
  accountId: true,
  connectionId: true,
  intent: true,
  returnTo: true,
  actonUserEmail: true,
  environmentHint: true,
  linkJtiHash: true,
  handoffLinkId: true,
  handoffSteps: true,
  createdAt: true,
  lastSeenAt: true,
  idleExpiresAt: true,
  absoluteExpiresAt: true,
  revokedAt: true,
  msTenantId: true,
  msObjectId: true,
  msUsername: true,
  msName: true,
  account: { select: { actonAccountId: true, name: true } },
} as const;

type ViewRow = {
  id: string;
  accountId: string;
  connectionId: string | null;
  intent: string;
  returnTo: string | null;
  actonUserEmail: string | null;
  environmentHint: string | null;
  handoffLinkId: string | null;
  handoffSteps: unknown;
  msTenantId: string | null;
  msObjectId: string | null;
  msUsername: string | null;
  msName: string | null;
  account: { actonAccountId: string; name: string };
};

function toView(row: ViewRow): PortalSessionView {
  const steps = Array.isArray(row.handoffSteps) ? row.handoffSteps.filter((s): s is string => typeof s === "string") : [];
  return {
    id: row.id,
    accountId: row.accountId,
    actonAccountId: row.account.actonAccountId,
    accountName: row.account.name,
    connectionId: row.connectionId,
    intent: row.intent as SessionIntent,
    returnTo: row.returnTo,
    actonUserEmail: row.actonUserEmail,
    environmentHint: row.environmentHint,
    microsoft:
      row.msTenantId && row.msObjectId
        ? { tenantId: row.msTenantId, objectId: row.msObjectId, username: row.msUsername ?? "", name: row.msName }
        : null,
    handoff: row.handoffLinkId ? { linkId: row.handoffLinkId, steps } : null,
  };
}

export type CreatePortalSessionInput = {
  accountId: string;
  connectionId: string | null;
  intent: SessionIntent;
  returnTo?: string | null;
  actonUserEmail?: string | null;
  /** The environment Act-On named in the launch link (normalised https URL), if any. */
  environmentHint?: string | null;
  /** The launch link's jti: reopening the same link in this browser continues this session. */
  linkJti?: string | null;
  handoff?: { linkId: string; steps: string[] } | null;
  lifetimes: SessionLifetimes;
  now?: Date;
};

/** Opens a session. Returns the cookie's token (shown to nobody else, stored only as its hash) and the view. */
export async function createPortalSession(db: Db, input: CreatePortalSessionInput): Promise<{ token: string; session: PortalSessionView }> {
  const now = input.now ?? new Date();
  const token = newOpaqueToken();
  const row = await db.portalSession.create({
    data: {
      tokenHash: hashToken(token),
      accountId: input.accountId,
      connectionId: input.connectionId,
      intent: input.intent,
      returnTo: input.returnTo ?? null,
      actonUserEmail: input.actonUserEmail ?? null,
      environmentHint: input.environmentHint ?? null,
      linkJtiHash: input.linkJti ? hashToken(input.linkJti) : null,
      handoffLinkId: input.handoff?.linkId ?? null,
      handoffSteps: input.handoff ? input.handoff.steps : undefined,
      createdAt: now,
      lastSeenAt: now,
      ...initialExpiries(now, input.lifetimes),
    },
    select: VIEW_SELECT,
  });
  return { token, session: toView(row) };
}

export type FoundSession =
  | { kind: "active"; session: PortalSessionView; linkJtiHash: string | null; absoluteExpiresAt: Date }
  | { kind: "ended"; reason: Exclude<SessionState, "active"> | "unknown" };

/**
 * The session a cookie token names, if it is still usable; a request extends its idle expiry (at most once a minute,
 * never past the absolute limit).
 */
export async function findSessionByToken(
  db: Db,
  token: string,
  options: { lifetimes: SessionLifetimes; now?: Date; /** false: only look (a refused link must write nothing). */ touch?: boolean },
): Promise<FoundSession> {
  const now = options.now ?? new Date();
  if (!token || token.length > 200) return { kind: "ended", reason: "unknown" };
  const row = await db.portalSession.findUnique({ where: { tokenHash: hashToken(token) }, select: VIEW_SELECT });
  if (!row) return { kind: "ended", reason: "unknown" };
  const state = sessionState(row, now);
  if (state !== "active") return { kind: "ended", reason: state };
  const idleExpiresAt = options.touch === false ? null : touchedIdleExpiry(row, now, options.lifetimes);
  if (idleExpiresAt) {
    // Guarded: a revocation that landed in between is not undone, and a concurrent touch simply wins.
    await db.portalSession.updateMany({ where: { id: row.id, revokedAt: null }, data: { lastSeenAt: now, idleExpiresAt } });
  }
  return { kind: "active", session: toView(row), linkJtiHash: row.linkJtiHash, absoluteExpiresAt: row.absoluteExpiresAt };
}

/** Ends one session (sign-out, or replaced by a newer link in the same browser). Idempotent. */
export async function revokePortalSession(db: Db, sessionId: string, reason: string, now: Date = new Date()): Promise<boolean> {
  const { count } = await db.portalSession.updateMany({
    where: { id: sessionId, revokedAt: null },
    data: { revokedAt: now, revokedReason: reason, signInStateHash: null, signInSealed: null, signInStartedAt: null },
  });
  return count > 0;
}

/** Ends every open session of an account; returns how many were open. */
export async function revokeSessionsOfAccount(db: Db, accountId: string, reason: string, now: Date = new Date()): Promise<number> {
  const { count } = await db.portalSession.updateMany({
    where: { accountId, revokedAt: null },
    data: { revokedAt: now, revokedReason: reason, signInStateHash: null, signInSealed: null, signInStartedAt: null },
  });
  return count;
}

/** Points the session at a connection of its own account (e.g. after a disconnect, a fresh draft). */
export async function setSessionConnection(db: Db, session: { id: string; accountId: string }, connectionId: string): Promise<boolean> {
  const owned = await db.connection.count({ where: { id: connectionId, accountId: session.accountId } });
  if (owned === 0) return false;
  const { count } = await db.portalSession.updateMany({ where: { id: session.id, revokedAt: null }, data: { connectionId } });
  return count > 0;
}

/** Records a pending Microsoft sign-in: the state's hash and the sealed PKCE verifier + nonce. Replaces any earlier one. */
export async function recordPendingSignIn(db: Db, sessionId: string, input: { stateHash: string; sealed: string; now?: Date }): Promise<boolean> {
  const { count } = await db.portalSession.updateMany({
    where: { id: sessionId, revokedAt: null },
    data: { signInStateHash: input.stateHash, signInSealed: input.sealed, signInStartedAt: input.now ?? new Date() },
  });
  return count > 0;
}

/**
 * Takes the pending sign-in whose state hash matches, clearing it in the same guarded write so a state is redeemed
 * at most once (a replayed callback finds nothing). Returns null when there is none or it does not match.
 */
export async function takePendingSignIn(db: Db, sessionId: string, stateHash: string): Promise<{ sealed: string; startedAt: Date } | null> {
  const row = await db.portalSession.findFirst({
    where: { id: sessionId, revokedAt: null, signInStateHash: stateHash },
    select: { signInSealed: true, signInStartedAt: true },
  });
  if (!row?.signInSealed || !row.signInStartedAt) return null;
  const { count } = await db.portalSession.updateMany({
    where: { id: sessionId, revokedAt: null, signInStateHash: stateHash },
    data: { signInStateHash: null, signInSealed: null, signInStartedAt: null },
  });
  return count === 1 ? { sealed: row.signInSealed, startedAt: row.signInStartedAt } : null;
}

/** Records who signed in at Microsoft (the id token's tid, oid, preferred_username and name). */
export async function recordMicrosoftIdentity(
  db: Db,
  sessionId: string,
  identity: { tenantId: string; objectId: string; username: string; name: string | null },
  now: Date = new Date(),
): Promise<boolean> {
  const { count } = await db.portalSession.updateMany({
    where: { id: sessionId, revokedAt: null },
    data: { msTenantId: identity.tenantId, msObjectId: identity.objectId, msUsername: identity.username, msName: identity.name, signedInAt: now },
  });
  return count > 0;
}

/**
 * Gives an open session a new cookie token (a new hash in the same row), so a token seen before a sign-in (planted by
 * someone else, or read over the shoulder) is worthless after it: the old one stops working in this very write.
 * Returns the new token and the session's absolute expiry, or null when the session has ended.
 */
export async function rotateSessionToken(db: Db, sessionId: string): Promise<{ token: string; expiresAt: Date } | null> {
  const token = newOpaqueToken();
  const { count } = await db.portalSession.updateMany({ where: { id: sessionId, revokedAt: null }, data: { tokenHash: hashToken(token) } });
  if (count !== 1) return null;
  const row = await db.portalSession.findUniqueOrThrow({ where: { id: sessionId }, select: { absoluteExpiresAt: true } });
  return { token, expiresAt: row.absoluteExpiresAt };
}
