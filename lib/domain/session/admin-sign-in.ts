import "server-only";
import type { Db } from "../../core/db";
import { hasAdminSessionChanged, restoreAdminSession, serializeAdminSession, type AdminSession } from "../../microsoft/admin-session";
import type { IdentityConfig } from "../../microsoft/identity-config";
import { sealSecret, openSecret, type EncryptionKey } from "../secret/secret-box";
import { expireAdminSignIns, replaceAdminSignIn, resealSecret, revokeAdminSignIn, revokeAdminSignInsOf } from "../secret/secret-commands";
import { secretAad } from "../secret/store-secret";
import { inLeasedTransaction, type Lease } from "../run/run-store";

/**
 * The admin's delegated sign-in (MSAL token cache with its refresh token) stored encrypted per connection, so a run
 * resumes on any portal instance after a crash. It is a credential: encrypted like a client secret, never logged,
 * and short-lived: it expires `ttlMs` after it was stored (ADMIN_SESSION_TTL_MS, 24 h by default) and is deleted when
 * its run finishes, fails or is cancelled, or when a run waits unapproved past that time.
 */

const DEFAULT_ADMIN_SESSION_TTL_MS = 24 * 60 * 60_000;

const aad = (secretId: string, connectionId: string) => secretAad(secretId, connectionId, "adminTokenCache");

/** Stores the session as the connection's current admin session, retiring any earlier one. */
export async function saveAdminSession(
  db: Db,
  input: { connectionId: string; session: AdminSession; keys: EncryptionKey[]; ttlMs?: number; now?: Date },
): Promise<void> {
  const plaintext = serializeAdminSession(input.session);
  const now = input.now ?? new Date();
  const id = crypto.randomUUID();
  await replaceAdminSignIn(db, {
    connectionId: input.connectionId,
    id,
    sealed: sealSecret(plaintext, input.keys, aad(id, input.connectionId)),
    expiresAt: new Date(now.getTime() + (input.ttlMs ?? DEFAULT_ADMIN_SESSION_TTL_MS)),
    at: now,
  });
}

/**
 * Re-seals the session in place when MSAL refreshed tokens since it was loaded (refresh tokens rotate). During a run
 * the write is checked against the run's lease, so a runner that lost its run does not overwrite the newer holder's.
 */
export async function persistAdminSessionIfChanged(
  db: Db,
  input: {
    connectionId: string;
    session: AdminSession;
    keys: EncryptionKey[];
    lease?: Lease;
    /**
     * Without a lease to prove the stored sign-in is still this one (a plan is read before its run is leased to a
     * runner), write only over the same person's: someone who signed in for the connection meanwhile keeps theirs.
     */
    sameAccountOnly?: boolean;
  },
): Promise<void> {
  if (!hasAdminSessionChanged(input.session)) return;
  const row = await db.secret.findFirst({
    where: { connectionId: input.connectionId, kind: "adminTokenCache", status: "active" },
    orderBy: { createdAt: "desc" },
  });
  // Deleted meanwhile (the run was cancelled, or the session expired): it stays deleted.
  if (!row) return;
  if (input.sameAccountOnly) {
    const opened = openSecret(row, input.keys, aad(row.id, input.connectionId));
    const stored = opened.ok ? (JSON.parse(opened.value) as { homeAccountId?: unknown }).homeAccountId : null;
    if (!input.session.homeAccountId || stored !== input.session.homeAccountId) return;
  }
  const sealed = sealSecret(serializeAdminSession(input.session), input.keys, aad(row.id, input.connectionId));
  if (input.lease) await inLeasedTransaction(db, input.lease, (tx) => resealSecret(tx, { secretId: row.id, sealed }));
  else await resealSecret(db, { secretId: row.id, sealed });
}

/** Loads the connection's admin session, or null when there is none, it expired, or it can no longer be read. */
export async function loadAdminSession(
  db: Db,
  input: { connectionId: string; keys: EncryptionKey[]; config: IdentityConfig; now?: Date },
): Promise<AdminSession | null> {
  const now = input.now ?? new Date();
  const row = await db.secret.findFirst({
    where: { connectionId: input.connectionId, kind: "adminTokenCache", status: "active" },
    orderBy: { createdAt: "desc" },
  });
  if (!row) return null;
  if (row.expiresAt && row.expiresAt <= now) {
    await forgetAdminSession(db, input.connectionId);
    return null;
  }
  const opened = openSecret(row, input.keys, aad(row.id, input.connectionId));
  if (!opened.ok) return null;
  return restoreAdminSession(opened.value, { config: input.config });
}

/** True when the connection holds an admin session that has not expired (without decrypting it). */
export async function hasLiveAdminSession(db: Db, connectionId: string, now: Date = new Date()): Promise<boolean> {
  const count = await db.secret.count({
    where: { connectionId, kind: "adminTokenCache", status: "active", OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
  });
  return count > 0;
}

/** Forgets the admin's sign-in (a run finished, failed or was cancelled; sign-out; disconnect). */
export async function forgetAdminSession(db: Db, connectionId: string): Promise<void> {
  await revokeAdminSignIn(db, { connectionId, at: new Date() });
}

/** Forgets the stored sign-ins of all these connections (support revoked the customer's access). Returns how many. */
export async function forgetAdminSessionsOf(db: Db, input: { connectionIds: string[]; at: Date }): Promise<number> {
  return revokeAdminSignInsOf(db, input);
}

/**
 * Deletes every stored admin sign-in past its expiry, and those of runs that waited unapproved longer than the
 * time-to-live. Every instance runs it with the resumer. Returns how many were deleted.
 */
export async function expireAdminSessions(db: Db, input: { now: Date; ttlMs: number }): Promise<number> {
  const stale = await db.provisioningRun.findMany({
    where: { status: "awaitingApproval", createdAt: { lt: new Date(input.now.getTime() - input.ttlMs) } },
    select: { connectionId: true },
  });
  return expireAdminSignIns(db, { now: input.now, connectionIds: stale.map((r) => r.connectionId) });
}
