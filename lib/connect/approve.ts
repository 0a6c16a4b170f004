import "server-only";
import { appError, fail, ok, type Result } from "../core/errors";
import { findRunOptions } from "../domain/run/run-store";
import { checkHandoffStanding } from "../handoff/handoff-standing";
import { approveRun } from "../provisioning/approve-run";
import { adminActor } from "../sessions/current-session";
import { approvalKindOf, type ApprovalKind } from "./approval-kind";
import { isPreparedBy } from "./prepared-by";
import type { Authorized } from "./authorize";
import { getPortalEngine, getRunViewForViewer } from "./engine";
import { journeyPath } from "./journey-page";
import { findRunShape } from "./legacy";
import { cancelPlanKeepingSignIn } from "./replace-plan";
import { startPlan } from "./start-plan";

type RoleChoice = "leastPrivilege" | "systemAdministrator";

/** Where the journey goes after a person's choice: a path of app/connect. */
export type JourneyNext = { next: string };

export type ApproveInput = { runId: string; approve: ApprovalKind; role?: RoleChoice };

/**
 * Approves the plan and hands the run to the pool; a different role choice first recomputes the plan to review (a
 * legacy plan goes back to its own form, which asks for the password again). The page names the kind of plan it
 * showed (connect, repair, move to OAuth, disconnect), and only a run of that kind is approved: a button that says
 * "connect" never approves a disconnect. Only the person who prepared the plan approves it, with their own sign-in
 * (authorize checked it is theirs, from the right tenant): a plan someone else prepared is checked again as them first.
 */
export async function approvePlan({ session, connection, signIn }: Authorized, input: ApproveInput): Promise<Result<JourneyNext>> {
  const engine = getPortalEngine();
  const pinned = await checkHandoffStanding(engine.db, session, { connectionId: connection.id, action: "approvePlan", request: input });
  if (pinned) return fail(pinned);
  const run = await getRunViewForViewer(engine.db, input.runId, { kind: "account", accountId: session.accountId });
  if (!run.ok || run.value.connection.id !== connection.id)
    return fail(appError("not_found", "That plan does not belong to this connection. Reload the page."));
  if (run.value.status !== "awaitingApproval") return ok({ next: journeyPath(connection.id, "progress") });
  const options = await findRunOptions(engine.db, run.value.id);
  const kind = approvalKindOf({ kind: run.value.kind, secret: options?.secret });
  if (kind !== input.approve)
    return fail(
      appError("conflict", "The plan waiting for approval is not the one this page showed. Reload the page and review it before approving.", {
        detail: `page approves ${input.approve}, run is ${kind ?? run.value.kind}`,
      }),
    );
  if (!isPreparedBy(session, options?.requestedBy))
    return fail(
      appError(
        "unauthorized",
        kind === "disconnect"
          ? "Another person asked for this disconnection. Cancel it below; to disconnect yourself, use Disconnect on the connection's status page."
          : "This plan was prepared with another person's Microsoft sign-in. Check it again as you before approving.",
      ),
    );
  const shape = await findRunShape(engine.db, run.value.id);
  const currentRole = shape?.role ?? "leastPrivilege";
  if (kind !== "disconnect" && input.role && currentRole !== input.role) {
    if (shape?.mode === "legacy") {
      if (!signIn) return fail(appError("unauthorized", "Sign in with Microsoft first: this step acts in your organization as you."));
      // The password is kept for the run that was given it, never for a new plan: the legacy form asks for it again.
      const cancelled = await cancelPlanKeepingSignIn(engine, {
        runId: run.value.id,
        connectionId: connection.id,
        actor: adminActor(session),
        session: signIn,
      });
      if (!cancelled.ok) return cancelled;
      return ok({ next: `/connect/${encodeURIComponent(connection.id)}/legacy?role=${input.role}` });
    }
    const replanned = await startPlan(
      { session, connection, signIn },
      {
        environment: run.value.plan?.environment?.url ?? undefined,
        role: input.role,
        secret: options?.secret,
        kind: run.value.kind === "migrate" ? "migrate" : "connect",
      },
    );
    if (!replanned.ok) return replanned;
    return ok({ next: `${journeyPath(connection.id, "plan")}?updated=role` });
  }
  const approved = await approveRun(engine, { runId: run.value.id, actor: adminActor(session) });
  if (!approved.ok) return approved;
  return ok({ next: journeyPath(connection.id, "progress") });
}
