import "server-only";
import { redirect } from "next/navigation";
import { getDb } from "../core/db";
import type { StepName } from "../domain/run/machine";
import { findRunOptions } from "../domain/run/run-store";
import { findHandoffBrief, missingRolesOf, type HandoffProgress } from "../handoff/handoff-for-plan";
import { LEAST_PRIVILEGE_ROLE_PRIVILEGES } from "../provisioning/least-privilege-role";
import type { Plan } from "../domain/run/plan";
import { approvalKindOf, type ApprovalKind } from "./approval-kind";
import { journeyPath } from "./journey-page";
import { ensurePage, loadJourney } from "./journey-view";

export type { Plan };
export type { PlanAction, PlanBlocker } from "../domain/run/plan";
export type { HandoffProgress };

type PlanRole = "leastPrivilege" | "systemAdministrator";
type HandoffBrief = { requiredRole: string | null; steps: StepName[]; askedBy: string | null };

type Frame = { accountName: string; signedInAs: string | null | undefined };
type Base = { connectionId: string; frame: Frame };

/**
 * What the plan page shows, in one of four situations:
 * - `preparing`: no plan awaits approval yet (or, for a colleague, any more);
 * - `handoff`: a colleague's hand-off session, asked to complete some steps with their own account;
 * - `watching`: the first admin, whose sign-in the colleague's replaced, follows the hand-off read-only;
 * - `review`: the admin reviews the plan (or repair) and approves, fixes blockers, or hands a part to a colleague.
 */
export type PlanView =
  | (Base & { kind: "preparing"; isHandoff: boolean; refresh: boolean })
  | (Base & {
      kind: "handoff";
      plan: Plan;
      runId: string;
      approval: ApprovalKind;
      role: PlanRole;
      plannedByMe: boolean;
      plannedBy: string | null;
      brief: HandoffBrief | null;
      missingRoles: string[];
      privilegeCount: number;
    })
  | (Base & { kind: "watching"; plan: Plan; repair: boolean; handoff: HandoffProgress | null; plannedBy: string | null })
  | (Base & {
      kind: "review";
      plan: Plan;
      runId: string;
      /** What approving does (connect, repair, move to OAuth, disconnect): the page's words and the form's kind. */
      approval: ApprovalKind;
      role: PlanRole;
      repair: boolean;
      handoff: HandoffProgress | null;
      /** The blockers a colleague holding the missing role could clear, and the steps they would be asked to do. */
      handOffSteps: StepName[] | null;
      privilegeCount: number;
    });

/**
 * The plan page's one read: the journey (session, connection, latest run; another page when the state calls for it),
 * the run's plan and options, and for a colleague's hand-off session what they were asked to do. Someone watching a
 * plan (a first admin following a hand-off) is sent to the run that followed it, even once it finished.
 */
export async function loadPlanView(connectionId: string): Promise<PlanView> {
  const journey = await loadJourney(connectionId);
  if (journey.page !== "plan" && journey.latestRun?.approved && journey.latestRun.kind !== "disconnect")
    redirect(journeyPath(journey.connection.id, "progress"));
  ensurePage(journey, ["plan"]);
  const base: Base = {
    connectionId: journey.connection.id,
    frame: { accountName: journey.session.accountName, signedInAs: journey.session.microsoft?.username },
  };
  const run = journey.run;
  const plan = run?.plan ?? null;
  if (!run || !plan || run.status !== "awaitingApproval") {
    return { ...base, kind: "preparing", isHandoff: journey.isHandoff, refresh: !!journey.handoff && !journey.isHandoff };
  }
  const db = getDb();
  const options = await findRunOptions(db, run.id);
  const role = options?.role ?? "leastPrivilege";
  const repair = options?.secret === "keep";
  const plannedBy = options?.requestedBy ?? null;
  const approval = approvalKindOf({ kind: run.kind, secret: options?.secret }) ?? "connect";
  const privilegeCount = LEAST_PRIVILEGE_ROLE_PRIVILEGES.length;
  if (journey.isHandoff) {
    const me = journey.session.microsoft?.username ?? null;
    const link = journey.session.handoff;
    const brief = link ? await findHandoffBrief(db, { linkId: link.linkId, connectionId: journey.connection.id }) : null;
    const plannedByMe = !!me && !!plannedBy && me.toLowerCase() === plannedBy.toLowerCase();
    const missingRoles = missingRolesOf(plan).map((r) => r.role);
    return { ...base, kind: "handoff", plan, runId: run.id, approval, role, plannedByMe, plannedBy, brief, missingRoles, privilegeCount };
  }
  if (!journey.signedIn) return { ...base, kind: "watching", plan, repair, handoff: journey.handoff, plannedBy };
  const roles = missingRolesOf(plan);
  const handOffable = roles.length > 0 && plan.blockers.every((b) => b.need);
  const handOffSteps = handOffable ? [...new Set(roles.flatMap((r) => r.steps))].filter((s) => s !== "preconditions") : null;
  return { ...base, kind: "review", plan, runId: run.id, approval, role, repair, handoff: journey.handoff, handOffSteps, privilegeCount };
}
