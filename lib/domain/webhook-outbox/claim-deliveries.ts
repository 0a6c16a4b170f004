import "server-only";
import type { Db } from "../../core/db";
import { isPostgresDb } from "../../connections/sql-dialect";

/** A delivery to claim: its id and the version it was read at (the compare-and-set's expectation). */
export type DeliveryHead = { id: string; version: number };

/**
 * Claims deliveries for `owner` until `now + leaseMs` (`now` from the database's clock): each only if it is still
 * pending at the version it was read at and no live lease holds it. On PostgreSQL one statement that skips rows another
 * instance is claiming at the same moment (FOR UPDATE SKIP LOCKED); on SQLite (one writer at a time) a compare-and-set
 * per delivery. Returns the claimed deliveries with their new version.
 */
export async function claimDeliveryHeads(
  db: Db,
  input: { heads: DeliveryHead[]; owner: string; now: Date; leaseMs: number },
): Promise<DeliveryHead[]> {
  if (input.heads.length === 0) return [];
  const until = new Date(input.now.getTime() + input.leaseMs);
  if (isPostgresDb(db)) {
    const ids = input.heads.map((h) => h.id);
    const versions = input.heads.map((h) => h.version);
    const rows = await db.$queryRaw<{ id: string; version: number }[]>`
      UPDATE "WebhookDelivery" SET "leaseOwner" = ${input.owner}, "leaseUntil" = ${until}, "version" = "version" + 1
      WHERE "sequence" IN (
        SELECT "sequence" FROM "WebhookDelivery"
        WHERE ("id", "version") IN (SELECT * FROM unnest(${ids}::text[], ${versions}::int[]))
          AND "status" = 'pending' AND ("leaseUntil" IS NULL OR "leaseUntil" < ${input.now})
        FOR UPDATE SKIP LOCKED)
      RETURNING "id", "version"`;
    return rows.map((r) => ({ id: r.id, version: Number(r.version) }));
  }
  const claimed: DeliveryHead[] = [];
  for (const head of input.heads) {
    const { count } = await db.webhookDelivery.updateMany({
      where: { id: head.id, version: head.version, status: "pending", OR: [{ leaseUntil: null }, { leaseUntil: { lt: input.now } }] },
      data: { leaseOwner: input.owner, leaseUntil: until, version: { increment: 1 } },
    });
    if (count === 1) claimed.push({ id: head.id, version: head.version + 1 });
  }
  return claimed;
}

/** Gives back deliveries `owner` claimed but will not send (shutting down), so any instance sends them at once. */
export async function releaseDeliveryClaims(db: Db, input: { owner: string; ids: string[] }): Promise<number> {
  if (input.ids.length === 0) return 0;
  const { count } = await db.webhookDelivery.updateMany({
    where: { id: { in: input.ids }, leaseOwner: input.owner, status: "pending" },
    data: { leaseOwner: null, leaseUntil: null, version: { increment: 1 } },
  });
  return count;
}
