import "server-only";
import { recordAuditEvent } from "../domain/audit/record-audit-event";
import { appError, fail, type Result } from "../core/errors";
import type { AdminSession } from "../microsoft/admin-session";
import { auditActorOf, checkActingTenant, type Actor } from "./actor";
import { hasLiveAdminSession, saveAdminSession } from "../domain/session/admin-sign-in";
import type { Engine } from "./engine";
import { getRunView } from "./get-run-view";
import { APPROVE, connectionStatusFor } from "../domain/run/machine";
import { parseStoredRunOptions } from "../domain/run/run-options";
import type { Plan } from "../domain/run/plan";
import type { RunView } from "../domain/run/run-view";
import { approveRunTransition, loadRun } from "../domain/run/run-store";

/**
 * The admin approves the plan: the run becomes pending and, in the portal, starts at once (engine.wake). Blockers
 * must be fixed first. The approver must be signed in with Microsoft in the run's tenant; their sign-in (`session`,
 * or the one stored for the connection) is what the run acts with.
 */
export async function approveRun(engine: Engine, input: { runId: string; actor: Actor; session?: AdminSession | null }): Promise<Result<RunView>> {
  const { db } = engine;
  const run = await loadRun(db, input.runId);
  if (!run) return fail(appError("not_found", "That setup run does not exist."));
  const connection = await db.connection.findUniqueOrThrow({ where: { id: run.connectionId }, select: { status: true, tenantId: true } });
  const refused = checkActingTenant(input.actor, connection.tenantId ?? run.tenantId, "approve");
  if (refused) return fail(refused);
  if (input.session && run.tenantId && input.session.tenantId?.toLowerCase() !== run.tenantId.toLowerCase()) {
    return fail(appError("forbidden", `Sign in with an account of tenant ${run.tenantId} to approve this setup.`));
  }
  if (!(APPROVE.from as readonly string[]).includes(run.status))
    return fail(appError("conflict", `This run is ${run.status}; only a run awaiting approval can be approved.`));
  const plan = run.plan as Plan | null;
  if (plan?.blockers.length) {
    return fail(appError("insufficient_privileges", `Fix these first, then start again: ${plan.blockers.map((b) => b.message).join(" ")}`));
  }
  const needsMicrosoft = parseStoredRunOptions(run.options)?.mode !== "onprem";
  if (input.session)
    await saveAdminSession(db, {
      connectionId: run.connectionId,
      session: input.session,
      keys: engine.config.keys,
      ttlMs: engine.config.adminSessionTtlMs,
    });
  else if (needsMicrosoft && !(await hasLiveAdminSession(db, run.connectionId))) {
    return fail(appError("unauthorized", "Your Microsoft sign-in for this setup has expired. Sign in again, then approve."));
  }
  const now = new Date();
  // Remember how the connection stands now: a re-run of a working connection must not mark it broken (the old
  // credential keeps working until the new one is verified), and a cancel knows what to put back.
  const before = connection.status;
  const after = connectionStatusFor({ kind: run.kind, before, event: "approved", wroteAtMicrosoft: false }) ?? before;
  const moved = await approveRunTransition(db, { run, approvedBy: input.actor.id, statusBefore: before, statusAfter: after, at: now });
  if (!moved) return fail(appError("conflict", "The run changed while you were approving it. Reload and try again."));
  await recordAuditEvent(db, {
    actor: auditActorOf(input.actor),
    action: "run.approved",
    connectionId: run.connectionId,
    runId: run.id,
    detail: { tenantId: input.actor.tenantId ?? null },
  });
  engine.wake?.(run.id);
  return getRunView(db, run.id, { viewer: { kind: "system" } });
}
