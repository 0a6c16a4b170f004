import "server-only";
import { createIdleSignal } from "../../core/idle-signal";
import { releaseRunLeases } from "../../domain/run/run-store";
import { driveRunWith, type Engine } from "../../provisioning/engine";
import { cancelRunTimers, type RunPool } from "../../provisioning/run-pool";
import { sweepDueRuns } from "../../provisioning/resume-due-runs";
import type { JobKind } from "../scheduler";

/** In the scheduler a runner sleeps through only tiny waits (a timer firing a hair early); anything longer frees the slot. */
const INLINE_WAIT_MS = 250;
/** Waits up to this long come back by this instance's timer; longer ones are left to any instance's poll. */
const TIMER_HORIZON_MS = 60_000;

export type ProvisioningRunsKind = JobKind<string> & { pool: RunPool };

/**
 * Provisioning runs as a job kind: the due runs of the database (any instance's, or a crashed one's whose lease lapsed)
 * and the runs this instance's pages approve or retry (`pool.wake`), each driven by the engine, which claims the run's
 * lease itself (compare-and-set on the run's version, database clock) and renews it while a step runs. The kind keeps
 * one drive per run in this instance; a run that waits briefly comes back by timer, a long wait is left to the poll.
 * On shutdown a drive stops right after its current step commits and its lease is ended, so another instance carries
 * on at once.
 */
export function provisioningRunsKind(
  engine: Engine,
  options: { reserved: number; max: number; pollEveryMs: number; submit: (runId: string) => void },
): ProvisioningRunsKind {
  const queued = new Set<string>();
  const driving = new Set<string>();
  const again = new Set<string>();
  const timers = new Map<string, NodeJS.Timeout>();
  let closed = false;
  const idle = createIdleSignal(() => queued.size === 0 && driving.size === 0 && timers.size === 0);
  const settleIfIdle = idle.settle;

  const wake = (runId: string) => {
    if (closed) return;
    cancelRunTimers(timers, runId);
    if (driving.has(runId)) again.add(runId);
    else if (!queued.has(runId)) {
      queued.add(runId);
      options.submit(runId);
    }
  };

  const comeBackLater = (runId: string, notBefore: Date | null | undefined) => {
    if (!notBefore || closed) return;
    const delay = Math.max(0, notBefore.getTime() - Date.now());
    if (delay > TIMER_HORIZON_MS) return;
    const timer = setTimeout(() => {
      timers.delete(runId);
      wake(runId);
      settleIfIdle();
    }, delay + 5);
    timer.unref();
    timers.set(runId, timer);
  };

  const { reserved, max, pollEveryMs } = options;
  return {
    name: "provisioning",
    reserved,
    max,
    pollEveryMs,
    claim: async (limit) => {
      const ids = await sweepDueRuns(engine, limit + driving.size + queued.size);
      const fresh = ids.filter((id) => !driving.has(id) && !queued.has(id) && !timers.has(id)).slice(0, limit);
      for (const id of fresh) queued.add(id);
      return fresh;
    },
    run: async (runId, control) => {
      queued.delete(runId);
      driving.add(runId);
      const drive: Engine = {
        ...engine,
        config: { ...engine.config, maxInlineWaitMs: Math.min(engine.config.maxInlineWaitMs, INLINE_WAIT_MS) },
        wake,
      };
      try {
        // On shutdown the drive ends after its current step commits, and releases the run itself (runner.ts).
        const result = await driveRunWith(drive, runId, { stop: control.stop });
        if (result.status === "waiting") comeBackLater(runId, result.run?.notBefore);
      } finally {
        driving.delete(runId);
        if (again.delete(runId)) wake(runId);
        settleIfIdle();
      }
    },
    release: async (runIds) => {
      // Queued runs hold nothing yet (the engine claims at the start of a drive); running ones hold a lease.
      for (const id of runIds) queued.delete(id);
      await releaseRunLeases(engine.db, { runIds, ownerPrefix: `${engine.owner}:` });
    },
    pool: {
      wake,
      idle: idle.wait,
      active: () => driving.size,
      close: () => {
        closed = true;
        cancelRunTimers(timers);
        settleIfIdle();
      },
    },
  };
}
