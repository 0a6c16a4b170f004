import "server-only";
import type { Db } from "../core/db";
import { appError, type AppError } from "../core/errors";
import { log, redactText } from "../core/log";
import {
  advance,
  readySteps,
  settledRunStatus,
  type RetryBudget,
  type RunSnapshot,
  type StepAction,
  type StepName,
  type StepOutcome,
  type Transition,
} from "../domain/run/machine";
import {
  beginSteps,
  claimRun,
  isLeaseLost,
  commitStepOutcome,
  loadRun,
  releaseRunLeases,
  renewLease,
  toSnapshot,
  type ConnectionPatch,
  type RunRecord,
  type StepRecord,
} from "../domain/run/run-store";

/**
 * The runner: claims a run with a lease, executes its next step, commits the outcome before starting the next, and
 * repeats. Killed at any point, the run resumes from the database on any instance once the lease expires; the steps
 * are idempotent by lookup, so an interrupted Microsoft call is found again rather than repeated.
 */

export type StepResult = StepOutcome & {
  connectionPatch?: ConnectionPatch;
  requestIds?: string[];
};

/** `signal` aborts when the run's lease is lost: another instance may now run this step, so stop calling Microsoft. */
export type StepExecutor = (input: { run: RunRecord; step: StepName; attempt: number; signal: AbortSignal }) => Promise<StepResult>;

export type RunnerEvent =
  | { type: "stepStarted"; runId: string; step: StepName; attempt: number }
  | {
      type: "stepFinished";
      runId: string;
      step: StepName;
      status: string;
      error?: AppError;
      waitingFor?: string;
      notBefore?: Date;
      action?: StepAction;
    }
  | { type: "runFinished"; runId: string; status: string };

export type RunnerOptions = {
  db: Db;
  owner: string;
  execute: StepExecutor;
  budget: RetryBudget;
  leaseMs: number;
  /** Waits shorter than this are slept through in-process; longer ones release the run for any instance to resume. */
  maxInlineWaitMs: number;
  /** A step's attempt is aborted after this long (a cancel waits this long past a lost lease). */
  stepTimeoutMs: number;
  /** Pause before the next attempt when the lease could not be renewed (the database was unreachable). */
  pauseMs: number;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  onEvent?: (event: RunnerEvent) => void | Promise<void>;
  /**
   * The caller's request to end the drive (the scheduler's shutdown). Checked at step boundaries, never inside a
   * step: the step in hand finishes and commits, then the run is released (its lease ended at once, its status kept)
   * for any instance to carry on; it is never failed for it. An inline wait ends early.
   */
  stop?: AbortSignal;
};

/** `stopped`: the caller's `stop` ended the drive at a step boundary and the run was released, not failed. */
export type DriveResult = { status: RunRecord["status"] | "notClaimed" | "stopped"; run: RunRecord | null };

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Sleeps `ms`, or less if `stop` aborts first (the drive then ends at the boundary it is waiting at). */
function sleepUnlessStopped(sleep: (ms: number) => Promise<void>, ms: number, stop: AbortSignal | undefined): Promise<void> {
  if (!stop) return sleep(ms);
  if (stop.aborted) return Promise.resolve();
  let onAbort = () => {};
  const stopped = new Promise<void>((resolve) => {
    onAbort = resolve;
    stop.addEventListener("abort", onAbort, { once: true });
  });
  return Promise.race([sleep(ms), stopped]).finally(() => stop.removeEventListener("abort", onAbort));
}

/** Ends the drive at a step boundary: the run this drive holds (if any) is released for any instance to carry on. */
async function stopDrive(options: RunnerOptions, runId: string, held: RunRecord | null): Promise<DriveResult> {
  if (held) await releaseRunLeases(options.db, { runIds: [runId], ownerPrefix: options.owner });
  log.info("provisioning: drive stopped at a step boundary; run handed over", { runId, released: held !== null });
  return { status: "stopped", run: await loadRun(options.db, runId) };
}

/** Drives one run as far as it can go now: to success, failure, a long wait, or until another instance holds it. */
export async function driveRun(runId: string, options: RunnerOptions): Promise<DriveResult> {
  const now = options.now ?? (() => new Date());
  const sleep = options.sleep ?? defaultSleep;
  // The run this runner holds between steps; null means "claim it (again) first".
  let held: RunRecord | null = null;
  for (;;) {
    if (options.stop?.aborted) return stopDrive(options, runId, held);
    const run: RunRecord | null = held ?? (await claimRun(options.db, runId, options.owner, options.leaseMs));
    held = null;
    if (!run) {
      const current = await loadRun(options.db, runId);
      const waitMs = current?.status === "waiting" && current.notBefore ? current.notBefore.getTime() - now().getTime() : null;
      if (waitMs !== null && waitMs <= options.maxInlineWaitMs) {
        // Not due yet (a timer may fire a hair early): wait the rest rather than give the run up.
        await sleepUnlessStopped(sleep, Math.max(0, waitMs) + 5, options.stop);
        continue;
      }
      // Held by a live instance (or just taken by one): not ours. Otherwise report where the run stands.
      if (!current || current.status === "running" || current.status === "pending") return { status: "notClaimed", run: current };
      return { status: current.status, run: current };
    }
    // Stopped while claiming: the run is held now and no step has begun.
    if (options.stop?.aborted) return stopDrive(options, runId, run);
    const group = readySteps(toSnapshot(run), now());
    if (group.length === 0) {
      // Every step is done but the run was not closed (a crash right after the last commit): close it now.
      await commitStepOutcome(options.db, {
        run,
        owner: options.owner,
        transition: {
          runStatus: "succeeded",
          step: { name: run.steps[run.steps.length - 1].name, status: "succeeded", notBefore: null, error: null, finishedAt: now() },
          runNotBefore: null,
          ignored: false,
        },
        now: now(),
      });
      continue;
    }
    const begun = group.map((step) => run.steps.find((s) => s.name === step.name)!);
    const startedAt = await beginSteps(options.db, run, begun, options.owner, now(), options.leaseMs);
    if (!startedAt) continue;
    for (const [index, record] of begun.entries()) {
      // Mirror beginSteps' write in memory instead of reading the run back (one round trip less per step).
      Object.assign(record, { status: "running", attempts: record.attempts + 1, startedAt: startedAt[index], notBefore: null });
      await options.onEvent?.({ type: "stepStarted", runId, step: record.name, attempt: record.attempts });
    }

    const last = await executeGroup(options, run, begun, now);
    if (last === "leaseLost") {
      log.warn("provisioning: lease lost before commit; another instance continues the run", { runId, steps: begun.map((s) => s.name) });
      return { status: "notClaimed", run: await loadRun(options.db, runId) };
    }
    if (!last) return { status: run.status, run };

    if (last.runStatus === "waiting" && last.runNotBefore) {
      const waitMs = last.runNotBefore.getTime() - now().getTime();
      if (waitMs > options.maxInlineWaitMs) return { status: "waiting", run: await loadRun(options.db, runId) };
      await sleepUnlessStopped(sleep, Math.max(0, waitMs), options.stop);
      continue;
    }
    if (last.runStatus !== "running") {
      await options.onEvent?.({ type: "runFinished", runId, status: last.runStatus });
      return { status: last.runStatus, run: await loadRun(options.db, runId) };
    }
    // Still running and still ours: the commits are mirrored in memory, so go straight on (no re-claim round trips).
    // The next commit is guarded by the lease owner, so losing the lease meanwhile still stops this runner.
    held = run;
  }
}

/** The order a settled group's outcomes are committed in: the one that decides the run's status comes last. */
const COMMIT_ORDER: Record<StepResult["kind"], number> = { done: 0, retry: 1, needsAdmin: 2, fail: 3 };

/**
 * Executes begun steps at once and commits each outcome. A success is committed as soon as it arrives while others
 * still run (a slow sibling never holds it back); the rest once every step has settled, the last of them carrying the
 * run's status decided from all of them (settledRunStatus). Commits are one at a time, each mirrored in memory.
 * @returns the last commit's transition; "leaseLost" when a commit was refused; null when every outcome was ignored
 */
async function executeGroup(options: RunnerOptions, run: RunRecord, begun: StepRecord[], now: () => Date): Promise<Transition | "leaseLost" | null> {
  let last: Transition | null = null;
  const decide = (snapshot: RunSnapshot, record: StepRecord, result: StepResult) => advance(snapshot, record.name, result, now(), options.budget);
  const commit = async (record: StepRecord, result: StepResult, transition: Transition) => {
    if (transition.ignored) return true;
    const output = result.kind === "done" ? result.output : undefined;
    const waitingFor = result.kind === "retry" || result.kind === "needsAdmin" ? result.waitingFor : undefined;
    const committed = await commitStepOutcome(options.db, {
      run,
      owner: options.owner,
      transition,
      output,
      waitingFor: waitingFor ?? null,
      requestIds: result.requestIds,
      connectionPatch: result.connectionPatch,
      now: now(),
    });
    if (!committed) return false;
    Object.assign(record, {
      status: transition.step.status,
      finishedAt: transition.step.finishedAt,
      notBefore: transition.step.notBefore,
      output: output ?? record.output,
      ...(transition.step.resetStreak ? { attempts: 0, startedAt: null } : {}),
    });
    run.version += 1;
    last = transition;
    await options.onEvent?.({
      type: "stepFinished",
      runId: run.id,
      step: record.name,
      status: transition.step.status,
      error: transition.step.error ?? undefined,
      waitingFor,
      notBefore: transition.step.notBefore ?? undefined,
      action: transition.step.action ?? undefined,
    });
    return true;
  };

  const stillRunning: Pick<Transition, "runStatus" | "runNotBefore"> = { runStatus: "running", runNotBefore: null };
  let commits: Promise<boolean> = Promise.resolve(true);
  let inFlight = begun.length;
  const settled: Array<{ record: StepRecord; result: StepResult }> = [];
  await Promise.all(
    begun.map(async (record) => {
      const result = await executeWithLease(options, run, record.name, record.attempts);
      inFlight -= 1;
      if (result.kind === "done" && inFlight > 0) {
        commits = commits.then((ok) => ok && commit(record, result, { ...decide(toSnapshot(run), record, result), ...stillRunning }));
      } else {
        settled.push({ record, result });
      }
    }),
  );
  if (!(await commits)) return "leaseLost";

  settled.sort((a, b) => COMMIT_ORDER[a.result.kind] - COMMIT_ORDER[b.result.kind] || a.record.position - b.record.position);
  // Each outcome decided once; the run's status from all of them applied, before the first of these commits is written.
  const before = toSnapshot(run);
  const decided = settled.map(({ record, result }) => ({ record, result, transition: decide(before, record, result) }));
  const after: RunSnapshot = {
    ...before,
    steps: before.steps.map((step) => {
      const own = decided.find((d) => d.record.name === step.name && !d.transition.ignored)?.transition.step;
      return own ? { ...step, status: own.status, notBefore: own.notBefore } : step;
    }),
  };
  const final = settledRunStatus(after, now());
  for (const [index, { record, result, transition }] of decided.entries()) {
    const runStatus = index === decided.length - 1 ? final : stillRunning;
    if (!(await commit(record, result, { ...transition, ...runStatus }))) return "leaseLost";
  }
  return last;
}

/** Why the runner cut a step's attempt short: the abort reason it passes to the step's signal. */
class StepAborted extends Error {
  constructor(
    readonly why: "leaseLost" | "leaseUnrenewable" | "timedOut",
    message: string,
  ) {
    super(message);
    this.name = "StepAborted";
  }
}

/**
 * Runs a step while renewing the lease. A step that throws (a bug, not a Microsoft error) fails the run cleanly; a
 * step whose lease could not be renewed (the database was unreachable) or that ran past `stepTimeoutMs` is aborted
 * and paused, not failed: the next attempt looks again before it writes anything.
 */
async function executeWithLease(options: RunnerOptions, run: RunRecord, step: StepName, attempt: number): Promise<StepResult> {
  const now = options.now ?? (() => new Date());
  const lease = new AbortController();
  const timer = setInterval(
    () => {
      renewLease(options.db, run.id, options.owner, options.leaseMs).then(
        (kept) => kept || lease.abort(new StepAborted("leaseLost", "provisioning: lease lost")),
        () => lease.abort(new StepAborted("leaseUnrenewable", "provisioning: lease could not be renewed")),
      );
    },
    Math.floor(options.leaseMs / 3),
  );
  const deadline = setTimeout(
    () => lease.abort(new StepAborted("timedOut", "provisioning: the step ran past its time limit")),
    options.stepTimeoutMs,
  );
  try {
    return await options.execute({ run, step, attempt, signal: lease.signal });
  } catch (error) {
    if (lease.signal.aborted) return paused(options, now(), lease.signal.reason);
    // A lease-checked write was refused: this runner no longer holds the run (its commit will be refused too).
    if (isLeaseLost(error)) return paused(options, now(), error);
    log.error("provisioning: step threw", { runId: run.id, step, error });
    return {
      kind: "fail",
      error: appError("internal", "Something went wrong on our side during this step. Retry it; if it fails again, contact Act-On support.", {
        detail: redactText(error instanceof Error ? error.message : String(error)),
      }),
    };
  } finally {
    clearInterval(timer);
    clearTimeout(deadline);
  }
}

/**
 * A pause after an aborted attempt: if the lease is really gone the commit is refused and the new holder goes on. An
 * attempt that ran past its time limit counts against the step's budget (Microsoft may keep hanging); one cut short
 * because the lease could not be renewed does not (the portal's own database hiccup is no reason to fail a run).
 */
function paused(options: RunnerOptions, now: Date, reason: unknown): StepResult {
  const detail = reason instanceof Error ? reason.message : String(reason);
  const timedOut = reason instanceof StepAborted && reason.why === "timedOut";
  log.warn("provisioning: step attempt aborted; pausing", { detail });
  return {
    kind: "retry",
    notBefore: new Date(now.getTime() + options.pauseMs),
    error: appError(timedOut ? "timeout" : "database_unavailable", "The setup paused for a moment and will carry on by itself.", {
      retryable: true,
      detail,
    }),
    waitingFor: "the portal to carry on with this step",
    ...(timedOut ? {} : { spendsBudget: false as const }),
  };
}
