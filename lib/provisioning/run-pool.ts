import "server-only";
import { hostname } from "node:os";
import { getDb } from "../core/db";
import { getEnv } from "../core/env";
import { createIdleSignal } from "../core/idle-signal";
import { log } from "../core/log";
import { engineConfigFromEnv } from "./config";
import { driveRunWith, type Engine } from "./engine";
import type { DriveResult } from "./runner";

/**
 * A per-process pool that drives provisioning runs concurrently, at most `size` at once. Approving or retrying a run
 * wakes it here at once; the background resumer feeds it the runs that are due. A run that has to wait gives its
 * slot back: a short wait comes back by a timer of this pool, a long one is left to any instance's resumer, so no
 * sleeping run holds up another. Which instance actually works on a run is still decided by the run's lease.
 */
export type RunPool = {
  /** Drives the run as soon as a slot is free (again after its current drive, if it is being driven now). */
  wake: (runId: string) => void;
  /** Resolves once nothing is queued, driven or due back by timer in this pool. */
  idle: () => Promise<void>;
  /** Runs being driven right now. */
  active: () => number;
  /** Stops the pool's timers (runs being driven finish their current drive). */
  close: () => void;
};

export type RunPoolOptions = {
  size: number;
  /** Waits up to this long come back by this pool's timer; longer ones are left to the resumer. */
  timerHorizonMs?: number;
  onDriven?: (runId: string, result: DriveResult) => void;
};

/** In the pool a runner sleeps through only tiny waits (a timer firing a hair early); anything longer frees the slot. */
const POOL_INLINE_WAIT_MS = 250;

/** Cancels the come-back timers of waiting runs: `runId`'s, or all of them. */
export function cancelRunTimers(timers: Map<string, NodeJS.Timeout>, runId?: string): void {
  for (const id of runId === undefined ? [...timers.keys()] : [runId]) {
    clearTimeout(timers.get(id));
    timers.delete(id);
  }
}

export function createRunPool(engine: Engine, options: RunPoolOptions): RunPool {
  const queue: string[] = [];
  const queued = new Set<string>();
  const driving = new Set<string>();
  const again = new Set<string>();
  const timers = new Map<string, NodeJS.Timeout>();
  let closed = false;
  const horizon = options.timerHorizonMs ?? 60_000;
  const pooled: Engine = {
    ...engine,
    config: { ...engine.config, maxInlineWaitMs: Math.min(engine.config.maxInlineWaitMs, POOL_INLINE_WAIT_MS) },
    wake: (runId) => pool.wake(runId),
  };

  const idle = createIdleSignal(() => queue.length === 0 && driving.size === 0 && timers.size === 0);
  const settleIfIdle = idle.settle;

  const pump = () => {
    while (driving.size < options.size && queue.length > 0) {
      const runId = queue.shift()!;
      queued.delete(runId);
      driving.add(runId);
      void drive(runId);
    }
    settleIfIdle();
  };

  const scheduleReturn = (runId: string, result: DriveResult) => {
    const notBefore = result.status === "waiting" ? result.run?.notBefore : null;
    if (!notBefore || closed) return;
    const delay = Math.max(0, notBefore.getTime() - Date.now());
    if (delay > horizon) return; // a long wait: the resumer of whichever instance is free brings it back
    clearTimeout(timers.get(runId));
    const timer = setTimeout(() => {
      timers.delete(runId);
      pool.wake(runId);
      settleIfIdle();
    }, delay + 5);
    timer.unref?.();
    timers.set(runId, timer);
  };

  const drive = async (runId: string) => {
    try {
      const result = await driveRunWith(pooled, runId);
      options.onDriven?.(runId, result);
      scheduleReturn(runId, result);
    } catch (error) {
      log.error("provisioning: driving a run failed", { runId, error });
    } finally {
      driving.delete(runId);
      if (again.delete(runId)) enqueue(runId);
      pump();
    }
  };

  const enqueue = (runId: string) => {
    if (closed || queued.has(runId)) return;
    queued.add(runId);
    queue.push(runId);
  };

  const pool: RunPool = {
    wake: (runId) => {
      cancelRunTimers(timers, runId);
      if (driving.has(runId)) again.add(runId);
      else enqueue(runId);
      pump();
    },
    idle: idle.wait,
    active: () => driving.size,
    close: () => {
      closed = true;
      cancelRunTimers(timers);
      queue.length = 0;
      queued.clear();
      settleIfIdle();
    },
  };
  return pool;
}

// ---------------------------------------------------------------- the portal process's engine and pool

const globalForEngine = globalThis as unknown as { portalProvisioning?: { engine: Engine; pool: RunPool } };

/**
 * This portal process's engine and its run pool. In a portal server the scheduler sets them at start-up
 * (lib/scheduler/portal-scheduler.ts), so a run woken here is driven in the scheduler's one pool; without a scheduler
 * (a test, a command) they are built from the environment on first use, with a pool of their own.
 */
export function getPortalProvisioning(): { engine: Engine; pool: RunPool } {
  if (!globalForEngine.portalProvisioning) {
    const env = getEnv();
    const base: Engine = { db: getDb(), config: engineConfigFromEnv(env), owner: `${hostname()}:${process.pid}` };
    const pool = createRunPool(base, { size: env.PROVISIONING_CONCURRENCY });
    globalForEngine.portalProvisioning = { engine: { ...base, wake: (runId) => pool.wake(runId) }, pool };
  }
  return globalForEngine.portalProvisioning;
}

/** The engine the portal's pages and actions use: approving or retrying with it starts the run at once. */
export function getPortalEngine(): Engine {
  return getPortalProvisioning().engine;
}

/** Starts driving a run in this process's pool now (as soon as one of PROVISIONING_CONCURRENCY slots is free). */
export function wakeRun(runId: string): void {
  getPortalProvisioning().pool.wake(runId);
}
