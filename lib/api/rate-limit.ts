import "server-only";
import type { Db } from "../core/db";

export type RateLimitDecision = { allowed: boolean; limit: number; remaining: number; resetSeconds: number };

/**
 * Counts one request of `callerKey` in the current fixed window and says whether it is within `limit`. The count is
 * one atomic upsert-increment (INSERT … ON CONFLICT DO UPDATE … RETURNING, the same SQL on SQLite and PostgreSQL), so
 * every portal instance sharing the database sees the same count and no two requests read the same value.
 */
export async function consumeRateLimit(
  db: Db,
  options: { callerKey: string; limit: number; windowMs: number; now?: Date },
): Promise<RateLimitDecision> {
  const now = (options.now ?? new Date()).getTime();
  const window = Math.floor(now / options.windowMs);
  const windowEnd = new Date((window + 1) * options.windowMs);
  const key = `${options.callerKey}:${window}`;
  const rows = await db.$queryRaw<{ count: number | bigint }[]>`
    INSERT INTO "ApiRateLimit" ("key", "count", "expiresAt") VALUES (${key}, 1, ${windowEnd})
    ON CONFLICT ("key") DO UPDATE SET "count" = "ApiRateLimit"."count" + 1
    RETURNING "count"`;
  const count = Number(rows[0]?.count ?? 1);
  // The first request of a caller's window sweeps windows that ended (cheap: indexed, and rare).
  if (count === 1) await db.apiRateLimit.deleteMany({ where: { expiresAt: { lt: new Date(now) } } });
  const resetSeconds = Math.max(1, Math.ceil((windowEnd.getTime() - now) / 1000));
  return { allowed: count <= options.limit, limit: options.limit, remaining: Math.max(0, options.limit - count), resetSeconds };
}
