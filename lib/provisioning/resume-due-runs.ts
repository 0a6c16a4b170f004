import "server-only";
import { expireAdminSessions } from "../domain/session/admin-sign-in";
import type { Engine } from "./engine";
import { createRunPool, type RunPool } from "./run-pool";
import type { DriveResult } from "./runner";
import { clearOrphanedPlanning, dbNow, findDueRunIds } from "../domain/run/run-store";
import { recordAuditEvent } from "../domain/audit/record-audit-event";

/**
 * What every portal instance runs periodically: deletes expired admin sign-ins, clears runs whose planner died (their
 * planning lease lapsed), then picks up runs that are due (approved, or done waiting) and runs whose instance died
 * (lease expired). Instances may all call it at once; the
 * lease decides who works on what.
 */

/**
 * The periodic upkeep, then the ids of up to `limit` runs any instance may pick up now (the scheduler's provisioning
 * kind drives them; whoever claims a run's lease first works on it).
 */
export async function sweepDueRuns(engine: Engine, limit: number): Promise<string[]> {
  await expireAdminSessions(engine.db, { now: await dbNow(engine.db), ttlMs: engine.config.adminSessionTtlMs });
  const orphaned = await clearOrphanedPlanning(engine.db, { leaseMs: engine.config.leaseMs, stepTimeoutMs: engine.config.stepTimeoutMs });
  for (const { runId, connectionId } of orphaned) {
    await recordAuditEvent(engine.db, {
      actor: { type: "system", id: engine.owner },
      action: "run.planning_abandoned",
      connectionId,
      runId,
      outcome: "failure",
    });
  }
  return findDueRunIds(engine.db, limit);
}

/** Feeds the due runs to `pool` without waiting for them. Returns their ids. */
async function feedDueRuns(engine: Engine, pool: RunPool, options: { limit?: number } = {}): Promise<string[]> {
  const ids = await sweepDueRuns(engine, options.limit ?? 20);
  for (const runId of ids) pool.wake(runId);
  return ids;
}

/** Drives every due run now, `engine.config.concurrency` at a time, and reports how each drive ended. */
export async function resumeDueRuns(engine: Engine, options: { limit?: number } = {}): Promise<{ runId: string; result: DriveResult }[]> {
  const results: { runId: string; result: DriveResult }[] = [];
  const pool = createRunPool(engine, {
    size: engine.config.concurrency,
    timerHorizonMs: 0,
    onDriven: (runId, result) => results.push({ runId, result }),
  });
  await feedDueRuns(engine, pool, options);
  await pool.idle();
  pool.close();
  return results;
}
