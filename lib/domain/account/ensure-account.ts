import "server-only";
import type { Db } from "../../core/db";

/**
 * Finds the portal's record of an Act-On account, creating it on first contact. Safe under races between portal
 * instances: Prisma's `upsert` is a read-then-write here, so a concurrent first contact can lose on the unique key;
 * the loser re-reads the winner's row.
 */
export async function ensureAccount(db: Db, input: { actonAccountId: string; name: string }) {
  const existing = await db.account.findUnique({ where: { actonAccountId: input.actonAccountId } });
  if (existing) return existing;
  try {
    return await db.account.create({ data: { actonAccountId: input.actonAccountId, name: input.name } });
  } catch (error) {
    if ((error as { code?: string }).code !== "P2002") throw error;
    return db.account.findUniqueOrThrow({ where: { actonAccountId: input.actonAccountId } });
  }
}
