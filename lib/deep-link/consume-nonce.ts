import "server-only";
import type { Db } from "../core/db";
import { appError, fail, ok, type Result } from "../core/errors";

export type ConsumeNonceOptions = { nonce: string; actonAccountId: string; expiresAt: Date; now?: Date };

/**
 * Marks a deep link's nonce as used. The insert itself is the check: a second use of the same nonce hits the primary
 * key on any number of portal instances, with no read-then-write race.
 */
export async function consumeDeepLinkNonce(db: Db, options: ConsumeNonceOptions): Promise<Result<void>> {
  const now = options.now ?? new Date();
  if (options.expiresAt.getTime() <= now.getTime()) {
    return fail(appError("link_expired", "This link has expired. Open the Dynamics connector again from Act-On to get a new one."));
  }
  try {
    await db.deepLinkNonce.create({
      data: { nonce: options.nonce, actonAccountId: options.actonAccountId, expiresAt: options.expiresAt, usedAt: now },
    });
    return ok(undefined);
  } catch (error) {
    if (isUniqueViolation(error)) {
      return fail(appError("link_replayed", "This link has already been used. Open the Dynamics connector again from Act-On to get a new one."));
    }
    throw error;
  }
}

/** Drops nonces whose links have expired; they can no longer be replayed anyway. */
export async function purgeExpiredNonces(db: Db, now: Date = new Date()): Promise<number> {
  const { count } = await db.deepLinkNonce.deleteMany({ where: { expiresAt: { lt: now } } });
  return count;
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: string }).code === "P2002";
}
