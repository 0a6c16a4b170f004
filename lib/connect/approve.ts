import "server-only";
import { appError, fail, ok, type Result } from "../core/errors";
import { findRunOptions } from "../domain/run/run-store";
import { checkHandoffStanding } from "../handoff/handoff-standing";
import { approveRun } from "../provisioning/approve-run";
import { adminActor } from "../sessions/current-session";
import { loadOwnAdminSession } from "./admin-environments";
import type { Authorized } from "./authorize";
import { getPortalEngine, getRunViewForViewer } from "./engine";
import { journeyPath } from "./journey-page";
import { findRunShape } from "./legacy";
import { cancelPlanKeepingSignIn } from "./replace-plan";
import { startPlan } from "./start-plan";

type RoleChoice = "leastPrivilege" | "systemAdministrator";

/** Where the journey goes after a person's choice: a path of app/connect. */
export type JourneyNext = { next: string };

/**
 * Approves the plan and hands the run to the pool; a different role choice first recomputes the plan to review (a
 * legacy plan goes back to its own form, which asks for the password again). Only the person whose sign-in the plan
 * was prepared with approves it: the run acts with that sign-in, never with a colleague's.
 */
export async function approvePlan({ session, connection }: Authorized, input: { runId: string; role: RoleChoice }): Promise<Result<JourneyNext>> {
  const engine = getPortalEngine();
  const pinned = await checkHandoffStanding(engine.db, session, { connectionId: connection.id, action: "approvePlan", request: input });
  if (pinned) return fail(pinned);
  const run = await getRunViewForViewer(engine.db, input.runId, { kind: "account", accountId: session.accountId });
  if (!run.ok || run.value.connection.id !== connection.id)
    return fail(appError("not_found", "That plan does not belong to this connection. Reload the page."));
  if (run.value.status !== "awaitingApproval") return ok({ next: journeyPath(connection.id, "progress") });
  const ownSession = await loadOwnAdminSession(connection.id, session);
  if (!ownSession)
    return fail(appError("unauthorized", "This plan was prepared with another person's Microsoft sign-in. Check it again as you before approving."));
  const shape = await findRunShape(engine.db, run.value.id);
  const plannedSecret = (await findRunOptions(engine.db, run.value.id))?.secret;
  const currentRole = shape?.role ?? "leastPrivilege";
  if (currentRole !== input.role) {
    if (shape?.mode === "legacy") {
      // The password is kept for the run that was given it, never for a new plan: the legacy form asks for it again.
      const cancelled = await cancelPlanKeepingSignIn(engine, {
        runId: run.value.id,
        connectionId: connection.id,
        actor: adminActor(session),
        session: ownSession,
      });
      if (!cancelled.ok) return cancelled;
      return ok({ next: `/connect/${encodeURIComponent(connection.id)}/legacy?role=${input.role}` });
    }
    const replanned = await startPlan(
      { session, connection },
      {
        environment: run.value.plan?.environment?.url ?? undefined,
        role: input.role,
        secret: plannedSecret,
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
