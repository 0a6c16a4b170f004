import "server-only";
import type { Db } from "../db";
import { appError, type AppError } from "../errors";
import { log, redactText } from "../log";
import { advance, nextStep, type RetryBudget, type StepName, type StepOutcome, type Transition } from "./machine";
import { beginStep, claimRun, commitStepOutcome, loadRun, renewLease, toSnapshot, type ConnectionPatch, type RunRecord } from "./store";

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
  | { type: "stepFinished"; runId: string; step: StepName; status: string; error?: AppError; waitingFor?: string; notBefore?: Date }
  | { type: "runFinished"; runId: string; status: string };

export type RunnerOptions = {
  db: Db;
  owner: string;
  execute: StepExecutor;
  budget: RetryBudget;
  leaseMs: number;
  /** Waits shorter than this are slept through in-process; longer ones release the run for any instance to resume. */
  maxInlineWaitMs: number;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  onEvent?: (event: RunnerEvent) => void | Promise<void>;
};

export type DriveResult = { status: RunRecord["status"] | "notClaimed"; run: RunRecord | null };

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Drives one run as far as it can go now: to success, failure, a long wait, or until another instance holds it. */
export async function driveRun(runId: string, options: RunnerOptions): Promise<DriveResult> {
  const now = options.now ?? (() => new Date());
  const sleep = options.sleep ?? defaultSleep;
  // The run this runner holds between steps; null means "claim it (again) first".
  let held: RunRecord | null = null;
  for (;;) {
    const run: RunRecord | null = held ?? (await claimRun(options.db, runId, options.owner, now(), options.leaseMs));
    held = null;
    if (!run) {
      const current = await loadRun(options.db, runId);
      const waitMs = current?.status === "waiting" && current.notBefore ? current.notBefore.getTime() - now().getTime() : null;
      if (waitMs !== null && waitMs <= options.maxInlineWaitMs) {
        // Not due yet (a timer may fire a hair early): wait the rest rather than give the run up.
        await sleep(Math.max(0, waitMs) + 5);
        continue;
      }
      // Held by a live instance (or just taken by one): not ours. Otherwise report where the run stands.
      if (!current || current.status === "running" || current.status === "pending") return { status: "notClaimed", run: current };
      return { status: current.status, run: current };
    }
    const step = nextStep(toSnapshot(run));
    if (!step) {
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
    const record = run.steps.find((s) => s.name === step.name)!;
    const began = await beginStep(options.db, run, record, options.owner, now(), options.leaseMs);
    if (!began) continue;
    // Mirror beginStep's write in memory instead of reading the run back (one round trip less per step).
    Object.assign(record, { status: "running", attempts: record.attempts + 1, startedAt: began.startedAt, notBefore: null });
    const attempt = record.attempts;
    await options.onEvent?.({ type: "stepStarted", runId, step: step.name, attempt });

    const result = await executeWithLease(options, run, step.name, attempt);
    const transition = advance(toSnapshot(run), step.name, result, now(), options.budget);
    if (transition.ignored) return { status: run.status, run };
    const output = result.kind === "done" ? result.output : undefined;
    const committed = await commitStepOutcome(options.db, {
      run,
      owner: options.owner,
      transition,
      output,
      waitingFor: result.kind === "retry" ? result.waitingFor : null,
      requestIds: result.requestIds,
      connectionPatch: { ...connectionStatusPatch(run, transition), ...result.connectionPatch },
      now: now(),
    });
    if (!committed) {
      log.warn("provisioning: lease lost before commit; another instance continues the run", { runId, step: step.name });
      return { status: "notClaimed", run: await loadRun(options.db, runId) };
    }
    await options.onEvent?.({
      type: "stepFinished",
      runId,
      step: step.name,
      status: transition.step.status,
      error: transition.step.error ?? undefined,
      waitingFor: result.kind === "retry" ? result.waitingFor : undefined,
      notBefore: transition.step.notBefore ?? undefined,
    });

    if (transition.runStatus === "waiting" && transition.runNotBefore) {
      const waitMs = transition.runNotBefore.getTime() - now().getTime();
      if (waitMs > options.maxInlineWaitMs) return { status: "waiting", run: await loadRun(options.db, runId) };
      await sleep(Math.max(0, waitMs));
      continue;
    }
    if (transition.runStatus !== "running") {
      await options.onEvent?.({ type: "runFinished", runId, status: transition.runStatus });
      return { status: transition.runStatus, run: await loadRun(options.db, runId) };
    }
    // Still running and still ours: mirror the commit in memory and go straight on (no re-claim round trips). The
    // next commit is guarded by the lease owner, so losing the lease meanwhile still stops this runner.
    Object.assign(record, { status: transition.step.status, finishedAt: transition.step.finishedAt, output: output ?? record.output });
    run.version += 1;
    held = run;
  }
}

/**
 * What the connection's status becomes as its run moves: the support console and Act-On read it. A connection that
 * was active before the run keeps working on its old credential until the new one is verified, so it stays active
 * and only records the error.
 */
export function connectionStatusPatch(run: Pick<RunRecord, "kind" | "options">, transition: Transition): ConnectionPatch {
  const error = transition.step.error;
  const wasActive = run.options.connectionStatusBefore === "active";
  if (transition.runStatus === "failed") {
    const lastError = { lastErrorCode: error?.code ?? "internal", lastErrorMessage: error?.userMessage ?? null };
    return run.kind === "disconnect" || wasActive ? lastError : { status: "failed", ...lastError };
  }
  if (run.kind === "disconnect" || wasActive) return {};
  if (transition.runStatus === "waiting" && error?.code === "consent_required") return { status: "actionRequired" };
  if (transition.runStatus === "running" || transition.runStatus === "waiting") return { status: "provisioning" };
  return {};
}

/** Runs a step while renewing the lease; a step that throws (a bug, not a Microsoft error) fails the run cleanly. */
async function executeWithLease(options: RunnerOptions, run: RunRecord, step: StepName, attempt: number): Promise<StepResult> {
  const now = options.now ?? (() => new Date());
  const lease = new AbortController();
  const timer = setInterval(
    () => {
      renewLease(options.db, run.id, options.owner, now(), options.leaseMs).then(
        (kept) => kept || lease.abort(new Error("provisioning: lease lost")),
        () => lease.abort(new Error("provisioning: lease could not be renewed")),
      );
    },
    Math.floor(options.leaseMs / 3),
  );
  try {
    return await options.execute({ run, step, attempt, signal: lease.signal });
  } catch (error) {
    log.error("provisioning: step threw", { runId: run.id, step, error });
    return {
      kind: "fail",
      error: appError("internal", "Something went wrong on our side during this step. Retry it; if it fails again, contact Act-On support.", {
        detail: redactText(error instanceof Error ? error.message : String(error)),
      }),
    };
  } finally {
    clearInterval(timer);
  }
}
