/**
 * The provisioning state machine: which steps a run has, and how a step's outcome moves the run. Pure — no database,
 * no Microsoft — so every transition is unit-tested with a table of cases (machine.test.ts).
 *
 * Runs only move forwards: a finished step never reopens except through an explicit retry of a failed run, and a
 * late or duplicate outcome for a step that is no longer running is ignored.
 */
import type { AppError } from "../errors";

export const STEP_NAMES = [
  "environment",
  "preconditions",
  "appRegistration",
  "adminConsent",
  "clientSecret",
  "applicationUser",
  "verify",
  "revokeSecrets",
  "removeApplicationUser",
  "deleteAppRegistration",
] as const;
export type StepName = (typeof STEP_NAMES)[number];

export type RunKind = "connect" | "migrate" | "disconnect";
export type ConnectMode = "cloud" | "legacy" | "onprem";
export type RunStatus = "planning" | "awaitingApproval" | "pending" | "running" | "waiting" | "succeeded" | "failed" | "cancelled";
export type StepStatus = "pending" | "running" | "waiting" | "succeeded" | "skipped" | "failed";

export type DisconnectScope = { removeApplicationUser: boolean; deleteAppRegistration: boolean };

/** What each step is for, in the admin's words (checklist, CLI and plan). */
export const STEP_LABELS: Record<StepName, string> = {
  environment: "Find the Dynamics environment",
  preconditions: "Check your permissions",
  appRegistration: "Register the “Act-On Integration” app",
  adminConsent: "Grant admin consent",
  clientSecret: "Create the client secret",
  applicationUser: "Create the Dynamics application user",
  verify: "Verify the connection",
  revokeSecrets: "Remove Act-On's client secrets",
  removeApplicationUser: "Disable the application user",
  deleteAppRegistration: "Delete the app registration",
};

/**
 * The steps of a run, in order. Cloud follows Act-On's article; legacy adds the public-client settings and verifies
 * with the integration user's password (no client secret); on-premises only checks the URL and the domain user;
 * migration from Basic auth is the article's steps 1, 4 and 5 (app, consent, secret, application user, verify).
 */
export function stepsFor(kind: RunKind, mode: ConnectMode, scope?: DisconnectScope): StepName[] {
  if (kind === "disconnect") {
    return [
      "revokeSecrets",
      ...(scope?.removeApplicationUser ? (["removeApplicationUser"] as const) : []),
      ...(scope?.deleteAppRegistration ? (["deleteAppRegistration"] as const) : []),
    ];
  }
  if (kind === "migrate") return ["environment", "appRegistration", "adminConsent", "clientSecret", "applicationUser", "verify"];
  if (mode === "onprem") return ["environment", "verify"];
  if (mode === "legacy") return ["environment", "preconditions", "appRegistration", "adminConsent", "applicationUser", "verify"];
  return ["environment", "preconditions", "appRegistration", "adminConsent", "clientSecret", "applicationUser", "verify"];
}

export type StepOutcome =
  | { kind: "done"; output?: Record<string, unknown> }
  /** Not yet: retry at `notBefore` (throttling, replication lag, a new application user Dataverse has not seen). */
  | { kind: "retry"; notBefore: Date; error: AppError; waitingFor: string }
  | { kind: "fail"; error: AppError };

export type StepSnapshot = {
  name: StepName;
  status: StepStatus;
  attempts: number;
  /** When the step's current streak of attempts began; bounds how long retries may go on. */
  startedAt: Date | null;
};

export type RunSnapshot = { status: RunStatus; steps: StepSnapshot[] };

export type RetryBudget = {
  /** Total time a step may keep retrying (replication lag, throttling) before it fails. */
  stepBudgetMs: number;
  maxAttempts: number;
};

export type Transition = {
  runStatus: RunStatus;
  step: { name: StepName; status: StepStatus; notBefore: Date | null; error: AppError | null; finishedAt: Date | null };
  /** The run's next due time when it waits; null otherwise. */
  runNotBefore: Date | null;
  /** True when this outcome arrived for a step that is not running (late, duplicate): nothing changes. */
  ignored: boolean;
};

const TERMINAL: RunStatus[] = ["succeeded", "cancelled"];

export function isTerminal(status: RunStatus): boolean {
  return TERMINAL.includes(status);
}

/** The next step to execute: the first that has not succeeded or been skipped. */
export function nextStep(run: RunSnapshot): StepSnapshot | null {
  return run.steps.find((s) => s.status !== "succeeded" && s.status !== "skipped") ?? null;
}

/** Decides the run's and the step's next state from one step outcome. Same input, same answer. */
export function advance(run: RunSnapshot, stepName: StepName, outcome: StepOutcome, now: Date, budget: RetryBudget): Transition {
  const step = run.steps.find((s) => s.name === stepName);
  if (!step) throw new Error(`advance: run has no step "${stepName}"`);
  const unchanged: Transition = {
    runStatus: run.status,
    step: { name: stepName, status: step.status, notBefore: null, error: null, finishedAt: null },
    runNotBefore: null,
    ignored: true,
  };
  if (run.status !== "running" || step.status !== "running") return unchanged;

  if (outcome.kind === "done") {
    const remaining = run.steps.filter((s) => s.name !== stepName && s.status !== "succeeded" && s.status !== "skipped");
    return {
      runStatus: remaining.length === 0 ? "succeeded" : "running",
      step: { name: stepName, status: "succeeded", notBefore: null, error: null, finishedAt: now },
      runNotBefore: null,
      ignored: false,
    };
  }

  if (outcome.kind === "retry") {
    const elapsed = step.startedAt ? now.getTime() - step.startedAt.getTime() : 0;
    const wouldFinishAt = outcome.notBefore.getTime() - (step.startedAt?.getTime() ?? now.getTime());
    const exhausted = step.attempts >= budget.maxAttempts || elapsed >= budget.stepBudgetMs || wouldFinishAt > budget.stepBudgetMs;
    if (!exhausted) {
      return {
        runStatus: "waiting",
        step: { name: stepName, status: "waiting", notBefore: outcome.notBefore, error: outcome.error, finishedAt: null },
        runNotBefore: outcome.notBefore,
        ignored: false,
      };
    }
    return {
      runStatus: "failed",
      step: { name: stepName, status: "failed", notBefore: null, error: { ...outcome.error, retryable: true }, finishedAt: now },
      runNotBefore: null,
      ignored: false,
    };
  }

  return {
    runStatus: "failed",
    step: { name: stepName, status: "failed", notBefore: null, error: outcome.error, finishedAt: now },
    runNotBefore: null,
    ignored: false,
  };
}

/** Which run statuses an admin may retry from, and what the retried step becomes. */
export function canRetry(run: RunSnapshot): { ok: true; step: StepName } | { ok: false; reason: string } {
  if (run.status !== "failed") return { ok: false, reason: `only a failed run can be retried (this one is ${run.status})` };
  const failed = run.steps.find((s) => s.status === "failed");
  if (!failed) return { ok: false, reason: "the run has no failed step" };
  return { ok: true, step: failed.name };
}

/** Exponential backoff with full jitter, capped; `random` is injectable so tests are deterministic. */
export function backoffDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
