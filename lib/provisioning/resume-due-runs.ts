import "server-only";
import { driveRunWith, type Engine } from "./engine";
import type { DriveResult } from "./runner";
import { findDueRunIds } from "./store";

/**
 * What every portal instance runs periodically: picks up runs that are due (approved, or done waiting) and runs
 * whose instance died (lease expired), and drives them. Instances may all call it at once; the lease decides who
 * works on what.
 */
export async function resumeDueRuns(engine: Engine, options: { limit?: number } = {}): Promise<{ runId: string; result: DriveResult }[]> {
  const now = engine.now?.() ?? new Date();
  const ids = await findDueRunIds(engine.db, now, options.limit ?? 20);
  const results: { runId: string; result: DriveResult }[] = [];
  for (const runId of ids) results.push({ runId, result: await driveRunWith(engine, runId) });
  return results;
}
