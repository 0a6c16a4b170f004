/**
 * The plan a run stores before its first write (what it will create, change or reuse, and the blockers), as data:
 * the engine computes it (lib/provisioning/plan.ts), the run keeps it, pages show it. Pure types.
 */
import type { StepName } from "./machine";
import type { PlanFindings } from "./plan-findings";

/**
 * A role the signed-in person lacks, as data: which role, who can grant it, and the steps that need it. The plan page
 * names it and offers a hand-off link to a colleague who holds it (scoped to those steps).
 */
export type MissingRole = {
  kind: "directoryRole" | "environmentRole";
  /** The role in Microsoft's words ("Application Administrator", "System Administrator"). */
  role: string;
  grantedBy: string;
  steps: StepName[];
};

/** Which precondition failed, where one blocker code covers several. */
export type ProblemReason = "directory_role" | "directory_role_inactive" | "environment_role" | "mfa_enforced" | "security_defaults";

export type PlanAction = {
  verb: "create" | "reuse" | "update" | "remove" | "disable" | "delete" | "check" | "approve";
  what: string;
  detail?: string;
  privileges?: { name: string; feature: string }[];
};
type PlanStep = { step: StepName; label: string; actions: PlanAction[] };
/**
 * An unmet precondition. `reason` (preconditions only) says which one, where one code covers several (see
 * ProblemReason); `need` names a missing role (who can grant it, which steps need it) when that is the cause.
 */
export type PlanBlocker = { code: string; message: string; reason?: ProblemReason; need?: MissingRole };
export type Plan = {
  steps: PlanStep[];
  blockers: PlanBlocker[];
  environment: { url: string; name: string | null } | null;
  /** What the run deliberately leaves alone, so nobody is surprised. */
  notes: string[];
  /**
   * A repair's "who changed what": from the environment's audit history, the change that explains the connection's
   * health cause, by whom and when (lib/connect/who-changed.ts). Absent when not read or nothing to say.
   */
  whoChanged?: string[];
  computedAt: string;
  /**
   * What the plan read that the environment and preconditions steps would read again, for the drive that follows the
   * approval (plan-findings.ts). Internal: never shown, and dropped when a failed run is retried.
   */
  findings?: PlanFindings;
};
