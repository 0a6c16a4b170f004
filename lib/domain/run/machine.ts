/**
 * The provisioning state machine: which steps a run has, and how a step's outcome moves the run. Pure — no database,
 * no Microsoft — so every transition is unit-tested with a table of cases (machine.test.ts).
 *
 * Runs only move forwards: a finished step never reopens except through an explicit retry of a failed run, and a
 * late or duplicate outcome for a step that is no longer running is ignored.
 */
import type { AppError } from "../../core/errors";
import type { ConnectionStatus } from "../connection/status";
import type { CredentialMode } from "../secret/credential-mode";

export type { ConnectionStatus } from "../connection/status";

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

export type RunKind = "connect" | "migrate" | "disconnect" | "verify";
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
  clientSecret: "Create the app's credential",
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
export function stepsFor(kind: RunKind, mode: ConnectMode, scope?: DisconnectScope, credential?: CredentialMode): StepName[] {
  // The Act-On Connector is Act-On's own app: nothing is registered in the customer's tenant and no credential is
  // made there, so its runs have neither step; and since its certificate cannot be revoked for one customer, a
  // disconnect always disables its application user.
  const connector = credential === "connector" && mode === "cloud";
  if (kind === "disconnect") {
    return [
      "revokeSecrets",
      ...(scope?.removeApplicationUser || connector ? (["removeApplicationUser"] as const) : []),
      ...(scope?.deleteAppRegistration ? (["deleteAppRegistration"] as const) : []),
    ];
  }
  if (kind === "verify") return ["verify"];
  const withoutAppOfItsOwn = (steps: StepName[]) => (connector ? steps.filter((s) => s !== "appRegistration" && s !== "clientSecret") : steps);
  if (kind === "migrate") return withoutAppOfItsOwn(["environment", "appRegistration", "adminConsent", "clientSecret", "applicationUser", "verify"]);
  if (mode === "onprem") return ["environment", "verify"];
  if (mode === "legacy") return ["environment", "preconditions", "appRegistration", "adminConsent", "applicationUser", "verify"];
  return withoutAppOfItsOwn(["environment", "preconditions", "appRegistration", "adminConsent", "clientSecret", "applicationUser", "verify"]);
}

/**
 * What a step waiting for a person needs them to do. The checklist renders it as a button or an instruction; it is
 * data, not text, so nobody parses a URL out of a sentence.
 */
export type StepAction = { kind: "adminConsent"; url: string } | { kind: "missingRole"; role: string; grantedBy: string; howTo: string };

export type StepOutcome =
  | { kind: "done"; output?: Record<string, unknown> }
  /** Not yet: retry at `notBefore` (throttling, replication lag, a new application user Dataverse has not seen). */
  | {
      kind: "retry";
      notBefore: Date;
      error: AppError;
      waitingFor: string;
      /**
       * False for a pause the portal itself caused (its lease could not be renewed because the database did not
       * answer): the step was cut short, not refused by Microsoft, so the attempt does not count against the budget.
       */
      spendsBudget?: false;
    }
  /**
   * Waiting for a person (consent on Microsoft's page, a missing role): look again at `recheckAt`. This wait spends
   * none of the step's retry budget, however long the person takes.
   */
  | { kind: "needsAdmin"; action: StepAction; error: AppError; recheckAt: Date; waitingFor: string }
  | { kind: "fail"; error: AppError };

export type StepSnapshot = {
  name: StepName;
  status: StepStatus;
  attempts: number;
  /** When the step's current streak of attempts began; bounds how long retries may go on. */
  startedAt: Date | null;
  /** When a waiting step is due again (steps that run beside each other wait each on its own). */
  notBefore?: Date | null;
};

export type RunSnapshot = { status: RunStatus; steps: StepSnapshot[] };

export type RetryBudget = {
  /** Total time a step may keep retrying (replication lag, throttling) before it fails. */
  stepBudgetMs: number;
  maxAttempts: number;
};

export type Transition = {
  runStatus: RunStatus;
  step: {
    name: StepName;
    status: StepStatus;
    notBefore: Date | null;
    error: AppError | null;
    finishedAt: Date | null;
    /** Set while the step waits for a person; cleared by every other outcome. */
    action?: StepAction | null;
    /** True when the wait was for a person: the step's attempt streak starts afresh when it next runs. */
    resetStreak?: boolean;
  };
  /** The run's next due time when it waits; null otherwise. */
  runNotBefore: Date | null;
  /** True when this outcome arrived for a step that is not running (late, duplicate): nothing changes. */
  ignored: boolean;
};

// ---------------------------------------------------------------- the run's lifecycle (the one definition)

/**
 * Finished runs no longer hold their connection: the partial unique index of migration 0003 admits one run per
 * connection whose status is NOT one of these (machine.test.ts reads the migration and checks the two agree).
 */
export const FINISHED_RUN_STATUSES = ["succeeded", "failed", "cancelled"] as const satisfies readonly RunStatus[];
export const UNFINISHED_RUN_STATUSES = ["planning", "awaitingApproval", "pending", "running", "waiting"] as const satisfies readonly RunStatus[];
/** Terminal runs never reopen. A failed run is finished but not terminal: the admin may retry it. */
const TERMINAL_RUN_STATUSES = ["succeeded", "cancelled"] as const satisfies readonly RunStatus[];

export function isTerminal(status: RunStatus): boolean {
  return (TERMINAL_RUN_STATUSES as readonly RunStatus[]).includes(status);
}

export function isFinished(status: RunStatus | string): boolean {
  return (FINISHED_RUN_STATUSES as readonly string[]).includes(status);
}

/** True while the run holds its connection (the partial unique index admits one such run per connection). */
export function isUnfinished(status: RunStatus | string): boolean {
  return (UNFINISHED_RUN_STATUSES as readonly string[]).includes(status);
}

/** Approved and not finished: the run is working, or waiting to work again (the checklist shows its progress). */
const IN_PROGRESS_RUN_STATUSES = ["pending", "running", "waiting"] as const satisfies readonly RunStatus[];

export function isInProgress(status: RunStatus | string): boolean {
  return (IN_PROGRESS_RUN_STATUSES as readonly string[]).includes(status);
}

/** The plan is ready and waits for the admin's approval. */
export function isAwaitingApproval(status: RunStatus | string): boolean {
  return status === "awaitingApproval";
}

/**
 * When a runner may claim a run: approved and not yet started, done waiting, or held by an instance whose lease
 * expired (it crashed). The store builds its where-clauses from this table, so "due" has one definition.
 */
export const CLAIM_RULES = {
  pending: "always",
  waiting: "notBeforePassed",
  running: "leaseExpired",
} as const satisfies Partial<Record<RunStatus, "always" | "notBeforePassed" | "leaseExpired">>;

export type ClaimableStatus = keyof typeof CLAIM_RULES;

export type RunTiming = { status: RunStatus; notBefore: Date | null; leaseUntil: Date | null };

/** True when a runner may claim the run at `now` (the database's clock). */
export function isDue(run: RunTiming, now: Date): boolean {
  const rule = (CLAIM_RULES as Partial<Record<RunStatus, string>>)[run.status];
  if (rule === "always") return true;
  if (rule === "notBeforePassed") return !run.notBefore || run.notBefore <= now;
  if (rule === "leaseExpired") return !run.leaseUntil || run.leaseUntil < now;
  return false;
}

/** Approval: only a run awaiting it, and only a plan without blockers. The run becomes `pending` (claimable). */
export const APPROVE = { from: ["awaitingApproval"], to: "pending" } as const satisfies { from: readonly RunStatus[]; to: RunStatus };
/** Retry: only a failed run, from its failed step. */
export const RETRY = { from: ["failed"], to: "pending" } as const satisfies { from: readonly RunStatus[]; to: RunStatus };
/** Claim: the statuses of CLAIM_RULES become `running` under the claimer's lease. */
export const CLAIM = { from: Object.keys(CLAIM_RULES) as ClaimableStatus[], to: "running" } as const;
/** Cancel: anything not terminal; a running run only once its runner is certainly gone (see canCancel). */
export const CANCEL = {
  from: ["planning", "awaitingApproval", "pending", "waiting", "failed", "running"],
  to: "cancelled",
} as const satisfies { from: readonly RunStatus[]; to: RunStatus };

/**
 * A running run can be cancelled only after its lease has been gone longer than a step can run (`stepTimeoutMs`):
 * by then its runner has either stopped or been aborted, so it cannot write after the cancel. `now` is the database's.
 */
export function canCancel(run: RunTiming, now: Date, stepTimeoutMs: number): { ok: true } | { ok: false; reason: string } {
  if (!(CANCEL.from as readonly RunStatus[]).includes(run.status)) return { ok: false, reason: `this run is ${run.status}` };
  if (run.status === "running") {
    if (!run.leaseUntil || run.leaseUntil.getTime() + stepTimeoutMs > now.getTime()) {
      return { ok: false, reason: "this run is working on a step right now. Cancel it once the step has finished" };
    }
  }
  return { ok: true };
}

function isOpen(step: StepSnapshot): boolean {
  return step.status !== "succeeded" && step.status !== "skipped";
}

/**
 * Steps that need nothing from one another, only what appRegistration made (the app and its service principal):
 * consent to Dynamics CRM, the app's credential and the Dataverse application user. In a run that registers its own
 * app they run at once, and verify, which needs all three, waits for them. In a connector run the application user
 * needs the principal that consent creates, so its steps stay in order.
 */
const BESIDE_EACH_OTHER: readonly StepName[] = ["adminConsent", "clientSecret", "applicationUser"];
/**
 * The order such a group is begun in: the step with the longest way still to go first (the application user's two
 * writes lead to verify's WhoAmI; the credential's upload to verify's token; consent's grant to nothing verify needs),
 * so its database writes go ahead of the others' in the one process they share.
 */
const LONGEST_WAY_FIRST: readonly StepName[] = ["applicationUser", "clientSecret", "adminConsent"];

/**
 * The steps to execute now: the first open step, with the open steps after it that run beside it (see
 * BESIDE_EACH_OTHER). A waiting step of such a group is left out until it is due, unless none is due: the run was
 * claimed, so its earliest-due step is (the run's own due time is its steps' earliest). Empty when every step is done.
 */
export function readySteps(run: RunSnapshot, now: Date): StepSnapshot[] {
  const open = run.steps.filter(isOpen);
  if (open.length === 0) return [];
  const besideEachOther = run.steps.some((s) => s.name === "appRegistration") && BESIDE_EACH_OTHER.includes(open[0].name);
  if (!besideEachOther) return [open[0]];
  const group: StepSnapshot[] = [];
  for (const step of open) {
    if (!BESIDE_EACH_OTHER.includes(step.name)) break;
    group.push(step);
  }
  const due = group.filter((s) => s.status !== "waiting" || !s.notBefore || s.notBefore <= now);
  if (due.length > 0) return due.sort((a, b) => LONGEST_WAY_FIRST.indexOf(a.name) - LONGEST_WAY_FIRST.indexOf(b.name));
  return [group.reduce((earliest, s) => ((s.notBefore?.getTime() ?? 0) < (earliest.notBefore?.getTime() ?? 0) ? s : earliest))];
}

/**
 * Where a run stands once every step it was executing has had its outcome applied: failed if any step failed,
 * succeeded when none is left, running while a step can go on now, otherwise waiting until its earliest step is due.
 */
export function settledRunStatus(run: RunSnapshot, now: Date): { runStatus: RunStatus; runNotBefore: Date | null } {
  if (run.steps.some((s) => s.status === "failed")) return { runStatus: "failed", runNotBefore: null };
  const open = run.steps.filter(isOpen);
  if (open.length === 0) return { runStatus: "succeeded", runNotBefore: null };
  const waiting = open.filter((s) => s.status === "waiting");
  const ready = readySteps(run, now);
  if (ready.some((s) => s.status !== "waiting") || waiting.length === 0) return { runStatus: "running", runNotBefore: null };
  const runNotBefore = waiting.reduce<Date | null>((min, s) => (s.notBefore && (!min || s.notBefore < min) ? s.notBefore : min), null);
  return { runStatus: "waiting", runNotBefore };
}

/** Steps that write at Microsoft: once one of them has been attempted, something may exist there. */
const WRITING_STEPS: readonly StepName[] = STEP_NAMES.filter((step) => step !== "environment" && step !== "preconditions");

/** True once a step that writes at Microsoft has been attempted: a cancel can no longer pretend nothing happened. */
export function mayHaveWrittenAtMicrosoft(run: RunSnapshot): boolean {
  return run.steps.some((s) => WRITING_STEPS.includes(s.name) && (s.attempts > 0 || s.status !== "pending"));
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
      step: { name: stepName, status: "succeeded", notBefore: null, error: null, finishedAt: now, action: null },
      runNotBefore: null,
      ignored: false,
    };
  }

  if (outcome.kind === "needsAdmin") {
    return {
      runStatus: "waiting",
      step: {
        name: stepName,
        status: "waiting",
        notBefore: outcome.recheckAt,
        error: outcome.error,
        finishedAt: null,
        action: outcome.action,
        resetStreak: true,
      },
      runNotBefore: outcome.recheckAt,
      ignored: false,
    };
  }

  if (outcome.kind === "retry") {
    const elapsed = step.startedAt ? now.getTime() - step.startedAt.getTime() : 0;
    const wouldFinishAt = outcome.notBefore.getTime() - (step.startedAt?.getTime() ?? now.getTime());
    const exhausted =
      outcome.spendsBudget !== false &&
      (step.attempts >= budget.maxAttempts || elapsed >= budget.stepBudgetMs || wouldFinishAt > budget.stepBudgetMs);
    if (!exhausted) {
      return {
        runStatus: "waiting",
        step: { name: stepName, status: "waiting", notBefore: outcome.notBefore, error: outcome.error, finishedAt: null, action: null },
        runNotBefore: outcome.notBefore,
        ignored: false,
      };
    }
    return {
      runStatus: "failed",
      step: {
        name: stepName,
        status: "failed",
        notBefore: null,
        error: { ...outcome.error, retryable: true, userMessage: gaveUpMessage(outcome.error, elapsed, step.attempts) },
        finishedAt: now,
        action: null,
      },
      runNotBefore: null,
      ignored: false,
    };
  }

  return {
    runStatus: "failed",
    step: { name: stepName, status: "failed", notBefore: null, error: outcome.error, finishedAt: now, action: null },
    runNotBefore: null,
    ignored: false,
  };
}

/** Sentences that promise the portal will try again: true while a step waits, false once it has stopped. */
const WILL_RETRY = /\s*[^.;]*\b(?:we will|we'll) retry\b[^.]*\./gi;

/** What Microsoft said, without the promise to try again (for a message written once the portal has stopped). */
export function withoutRetryPromise(message: string): string {
  return message
    .replace(WILL_RETRY, ".")
    .replace(/[;,]\s*\.$/, ".")
    .replace(/\.\.$/, ".")
    .trim();
}

/**
 * A step's message once its retries are spent: what Microsoft said, without the promise to retry, then how long the
 * portal kept at it and what the admin can do. Microsoft's writes reach its other services usually within two minutes,
 * and its own automation polls for up to ten, so a step still waiting after its budget is told as such.
 */
function gaveUpMessage(error: AppError, elapsedMs: number, attempts: number): string {
  const said = withoutRetryPromise(error.userMessage);
  const minutes = Math.round(elapsedMs / 60_000);
  const spent = minutes >= 1 ? `for ${minutes} minute${minutes === 1 ? "" : "s"}` : `${attempts} time${attempts === 1 ? "" : "s"}`;
  const lag =
    error.code === "replication_pending"
      ? " Microsoft's changes usually reach all of its services within two minutes, so this is longer than it should take."
      : "";
  return `${said} The portal kept checking ${spent} and has stopped.${lag} Use Retry to check again; if it keeps failing, contact Act-On support.`;
}

/** Which run statuses an admin may retry from, and what the retried step becomes. */
export function canRetry(run: RunSnapshot): { ok: true; step: StepName } | { ok: false; reason: string } {
  if (run.status !== "failed") return { ok: false, reason: `only a failed run can be retried (this one is ${run.status})` };
  const failed = run.steps.find((s) => s.status === "failed");
  if (!failed) return { ok: false, reason: "the run has no failed step" };
  return { ok: true, step: failed.name };
}

// ---------------------------------------------------------------- the connection's status as its run moves

export type RunEvent = "approved" | "retried" | "running" | "waiting" | "needsAdmin" | "failed" | "succeeded" | "cancelled";

/**
 * What a connection's status becomes when its run moves; null leaves it as it is. `before` is the status the
 * connection had when the run was created (updated at approval).
 *
 * - A re-run of an Active connection keeps it Active throughout: its old credential works until the new one is
 *   verified, and a failed or cancelled re-run leaves it exactly as it was.
 * - A disconnect is `disconnecting` from approval until it finishes; one that fails, or is cancelled after it began
 *   removing things, is `failed` (what is left is in the message, and a new disconnect cleans it up).
 * - A cancel puts the connection back only if nothing was written at Microsoft yet; otherwise it is `failed`,
 *   never `draft` or `disconnected`, so nobody believes the tenant is untouched.
 */
export function connectionStatusFor(input: {
  kind: RunKind;
  before: ConnectionStatus | null;
  event: RunEvent;
  wroteAtMicrosoft: boolean;
}): ConnectionStatus | null {
  const { kind, before, event } = input;
  if (kind === "verify") {
    // Checks the stored credential only: it works (Active) or it does not (failed); nothing else moves.
    if (event === "succeeded") return "active";
    if (event === "failed") return "failed";
    return null;
  }
  if (kind === "disconnect") {
    if (event === "succeeded") return "disconnected";
    if (event === "failed") return "failed";
    if (event === "cancelled") return input.wroteAtMicrosoft ? "failed" : before;
    return "disconnecting";
  }
  if (before === "active") return event === "succeeded" ? "active" : null;
  switch (event) {
    case "succeeded":
      return "active";
    case "failed":
      return "failed";
    case "needsAdmin":
      return "actionRequired";
    case "cancelled":
      return input.wroteAtMicrosoft ? "failed" : (before ?? "draft");
    default:
      return "provisioning";
  }
}

/** What a disconnect that stopped early leaves behind, in the admin's words (empty when it finished). */
export function disconnectLeftovers(run: RunSnapshot): string[] {
  const left: Partial<Record<StepName, string>> = {
    revokeSecrets: "Act-On's client secret may still be valid at Microsoft",
    removeApplicationUser: "the application user is still enabled in Dynamics 365",
    deleteAppRegistration: "the “Act-On Integration” app registration still exists",
  };
  return run.steps.filter((s) => s.status !== "succeeded" && s.status !== "skipped" && left[s.name]).map((s) => left[s.name]!);
}
