import "server-only";
import type { Db } from "../../core/db";
import { isPostgresDb } from "../../connections/sql-dialect";
import { dbNow } from "../run/run-store";
import { firstProbeAt } from "./probe-schedule";

/**
 * Who probes which connection when: the probe schedule on Connection (probeDueAt) and the lease of the instance probing
 * it now (probeLeaseOwner, probeLeaseUntil), all judged on the database's clock, so several portal instances (and the
 * `npm run probe -- --due` command) share one schedule and each due probe is taken by one of them.
 */

/** Active cloud and on-premises connections are the ones probed (legacy connections are not, yet). */
const PROBED = { status: "active" as const, authMode: { in: ["cloud" as const, "onprem" as const] } };

/**
 * Puts Active connections that have no probe scheduled yet on the schedule, each at its phase (probe-schedule.ts),
 * `limit` at a time. Returns how many were placed.
 */
export async function placeUnscheduledProbes(db: Db, input: { intervalMs: number; limit: number }): Promise<number> {
  const rows = await db.connection.findMany({ where: { ...PROBED, probeDueAt: null }, select: { id: true }, take: input.limit });
  if (rows.length === 0) return 0;
  const now = await dbNow(db);
  let placed = 0;
  for (const { id } of rows) {
    const { count } = await db.connection.updateMany({
      where: { id, probeDueAt: null },
      data: { probeDueAt: firstProbeAt(id, now, input.intervalMs) },
    });
    placed += count;
  }
  return placed;
}

/**
 * Claims up to `limit` due probes for `owner` for `leaseMs`: Active cloud and on-premises connections whose probe is due and that no
 * live instance holds, oldest due first. On PostgreSQL one statement that skips rows another instance is claiming at
 * the same moment (FOR UPDATE SKIP LOCKED), so concurrent claimers take different connections instead of queueing on
 * the same rows; on SQLite (one writer at a time) a compare-and-set per candidate. Returns the claimed ids.
 */
export async function claimDueProbes(db: Db, input: { owner: string; leaseMs: number; limit: number }): Promise<string[]> {
  if (input.limit <= 0) return [];
  const now = await dbNow(db);
  const until = new Date(now.getTime() + input.leaseMs);
  if (isPostgresDb(db)) {
    const rows = await db.$queryRaw<{ id: string }[]>`
      UPDATE "Connection" SET "probeLeaseOwner" = ${input.owner}, "probeLeaseUntil" = ${until}
      WHERE "id" IN (
        SELECT "id" FROM "Connection"
        WHERE "status" = 'active' AND "authMode" IN ('cloud', 'onprem') AND "probeDueAt" <= ${now}
          AND ("probeLeaseUntil" IS NULL OR "probeLeaseUntil" < ${now})
        ORDER BY "probeDueAt" ASC
        LIMIT ${input.limit}
        FOR UPDATE SKIP LOCKED)
      RETURNING "id"`;
    return rows.map((r) => r.id);
  }
  const free = { OR: [{ probeLeaseUntil: null }, { probeLeaseUntil: { lt: now } }] };
  const candidates = await db.connection.findMany({
    where: { ...PROBED, probeDueAt: { lte: now }, ...free },
    orderBy: { probeDueAt: "asc" },
    select: { id: true },
    take: input.limit,
  });
  const claimed: string[] = [];
  for (const { id } of candidates) {
    const { count } = await db.connection.updateMany({
      where: { id, ...PROBED, probeDueAt: { lte: now }, ...free },
      data: { probeLeaseOwner: input.owner, probeLeaseUntil: until },
    });
    if (count === 1) claimed.push(id);
  }
  return claimed;
}

/** Extends `owner`'s lease on a probe still running (database clock); false when it was lost and the probe must stop. */
export async function renewProbeClaim(db: Db, input: { connectionId: string; owner: string; leaseMs: number }): Promise<boolean> {
  const now = await dbNow(db);
  const { count } = await db.connection.updateMany({
    where: { id: input.connectionId, probeLeaseOwner: input.owner },
    data: { probeLeaseUntil: new Date(now.getTime() + input.leaseMs) },
  });
  return count === 1;
}

/** Ends `owner`'s probe of a connection: the next one is due at `nextDueAt`. False when the lease was lost meanwhile. */
export async function finishProbeClaim(db: Db, input: { connectionId: string; owner: string; nextDueAt: Date }): Promise<boolean> {
  const { count } = await db.connection.updateMany({
    where: { id: input.connectionId, probeLeaseOwner: input.owner },
    data: { probeDueAt: input.nextDueAt, probeLeaseOwner: null, probeLeaseUntil: null },
  });
  return count === 1;
}

/**
 * Gives back probes `owner` claimed but will not run (it is shutting down), due as they were, so another instance
 * takes them at once instead of after the lease. All of the owner's when `connectionIds` is absent.
 */
export async function releaseProbeClaims(db: Db, input: { owner: string; connectionIds?: string[] }): Promise<number> {
  const { count } = await db.connection.updateMany({
    where: { probeLeaseOwner: input.owner, ...(input.connectionIds ? { id: { in: input.connectionIds } } : {}) },
    data: { probeLeaseOwner: null, probeLeaseUntil: null },
  });
  return count;
}
