/**
 * The checklist's model: a run view reduced to what the admin's browser shows (and nothing else), each step's state
 * in the admin's words, and what changed between two polls for screen readers. Pure, shared by the page, the polling
 * route and the client component.
 */
import type { FormState } from "../core/forms";
import { isFinished } from "../domain/run/machine";

export type StepState = "waiting" | "running" | "done" | "skipped" | "needsYou" | "retrying" | "failed";

export const STEP_STATE_LABELS: Record<StepState, string> = {
  waiting: "Not started",
  running: "In progress",
  done: "Done",
  skipped: "Not needed",
  needsYou: "Needs you",
  retrying: "Waiting for Microsoft",
  failed: "Failed",
};

type StepAction = { kind: "adminConsent"; url: string } | { kind: "missingRole"; role: string; grantedBy: string; howTo: string } | null;

/** The slice of the engine's StepView the checklist reads. */
export type StepInput = {
  name: string;
  label: string;
  status: string;
  attempts: number;
  finishedAt: string | null;
  waitingFor: string | null;
  notBefore: string | null;
  error: { code: string; message: string; detail: string | null; requestIds: string[] } | null;
  action?: StepAction;
};

export type RunInput = {
  id: string;
  status: string;
  /** `verify` is a re-check with the stored credential: it needs nobody's sign-in to retry. */
  kind?: string;
  steps: StepInput[];
  connection: {
    id: string;
    status: string;
    /** `onprem` connections sign in to their own server: their runs never act with a Microsoft sign-in. */
    authMode?: string;
    environmentUrl: string | null;
    environmentName: string | null;
    tenantId: string | null;
    securityRole: string | null;
    clientId: string | null;
  };
};

export type ChecklistStep = {
  name: string;
  label: string;
  state: StepState;
  /** One sentence under the label: what is happening, what went wrong and the fix, or what the admin must do. */
  message: string | null;
  action: StepAction;
  error: { code: string; detail: string | null; requestIds: string[] } | null;
  finishedAt: string | null;
  notBefore: string | null;
};

export type ChecklistSnapshot = {
  runId: string;
  runStatus: string;
  connectionStatus: string;
  essentials: {
    environment: string | null;
    environmentUrl: string | null;
    tenantId: string | null;
    securityRole: string | null;
    clientId: string | null;
  };
  steps: ChecklistStep[];
  /** True once nothing more will happen without the admin (succeeded, failed, cancelled). */
  settled: boolean;
  /**
   * The engine holds the admin's Microsoft sign-in, so Retry can act as them. A failed run's sign-in is deleted: the
   * admin signs in again first.
   */
  adminSignedIn: boolean;
  /** Retry must wait for a fresh Microsoft sign-in: a setup acts as the admin; a re-check uses the stored credential. */
  retryNeedsSignIn: boolean;
};

/** What the Retry action answers: an error to show, or the run's fresh state (polling resumes from it). */
export type RetryState = FormState<{ snapshot?: ChecklistSnapshot }>;

const ROLE_LABELS: Record<string, string> = {
  leastPrivilege: "Act-On Integration (least privilege)",
  systemAdministrator: "System Administrator",
};

export function roleLabel(role: string | null): string | null {
  return role ? (ROLE_LABELS[role] ?? role) : null;
}

export function stepState(step: StepInput): StepState {
  switch (step.status) {
    case "succeeded":
      return "done";
    case "skipped":
      return "skipped";
    case "running":
      return "running";
    case "waiting":
      return step.action ? "needsYou" : "retrying";
    case "failed":
      return step.action ? "needsYou" : "failed";
    default:
      return "waiting";
  }
}

function stepMessage(step: StepInput, state: StepState): string | null {
  if (state === "failed" || state === "needsYou") return step.error?.message || step.waitingFor || null;
  if (state === "retrying") return step.waitingFor ? `Waiting for ${step.waitingFor.replace(/\.$/, "")}.` : (step.error?.message ?? null);
  return null;
}

export function toChecklist(run: RunInput, options: { adminSignedIn: boolean }): ChecklistSnapshot {
  return {
    runId: run.id,
    runStatus: run.status,
    connectionStatus: run.connection.status,
    essentials: {
      environment: run.connection.environmentName ?? run.connection.environmentUrl,
      environmentUrl: run.connection.environmentUrl,
      tenantId: run.connection.tenantId,
      securityRole: roleLabel(run.connection.securityRole),
      clientId: run.connection.clientId,
    },
    steps: run.steps.map((step) => {
      const state = stepState(step);
      return {
        name: step.name,
        label: step.label,
        state,
        message: stepMessage(step, state),
        action: step.action ?? null,
        error:
          step.error && (state === "failed" || state === "needsYou" || state === "retrying")
            ? { code: step.error.code, detail: step.error.detail, requestIds: step.error.requestIds }
            : null,
        finishedAt: step.finishedAt,
        notBefore: step.notBefore,
      };
    }),
    settled: isFinished(run.status),
    adminSignedIn: options.adminSignedIn,
    retryNeedsSignIn: !options.adminSignedIn && run.kind !== "verify" && run.connection.authMode !== "onprem",
  };
}

/** What a screen reader should hear after a poll: one line per step whose state changed, then the run's outcome. */
export function announcements(previous: ChecklistSnapshot | null, next: ChecklistSnapshot): string[] {
  if (!previous || previous.runId !== next.runId) return [];
  const lines: string[] = [];
  for (const step of next.steps) {
    const before = previous.steps.find((s) => s.name === step.name);
    if (!before || before.state === step.state) continue;
    const label = STEP_STATE_LABELS[step.state];
    lines.push(
      step.message && (step.state === "failed" || step.state === "needsYou")
        ? `${step.label}: ${label}. ${step.message}`
        : `${step.label}: ${label}.`,
    );
  }
  if (previous.runStatus !== next.runStatus) {
    if (next.runStatus === "succeeded")
      lines.push(
        next.connectionStatus === "disconnected"
          ? "All steps are done. Dynamics 365 is disconnected from Act-On."
          : "All steps are done. Your Dynamics connection is active.",
      );
    else if (next.runStatus === "failed") lines.push("The setup stopped. See the failed step for what to do, then choose Retry.");
  }
  return lines;
}
