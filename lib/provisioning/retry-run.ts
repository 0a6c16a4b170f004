import "server-only";
import { recordAuditEvent, type AuditActor } from "../audit/record-audit-event";
import { appError, fail, type Result } from "../errors";
import type { Engine } from "./engine";
import { getRunView } from "./get-run-view";
import { canRetry, type StepName } from "./machine";
import type { RunView } from "./run-view";
import { isActiveRunConflict, loadRun, toSnapshot, transitionRunStatus } from "./store";
import { forgetAdminSession } from "./admin-session-store";

/** Retries a failed run from its failed step (after the admin fixed the cause); finished steps are not redone. */
export async function retryRun(engine: Engine, input: { runId: string; actor: AuditActor }): Promise<Result<RunView>> {
  const run = await loadRun(engine.db, input.runId);
  if (!run) return fail(appError("not_found", "That setup run does not exist."));
  const decision = canRetry(toSnapshot(run));
  if (!decision.ok) return fail(appError("conflict", `This run cannot be retried: ${decision.reason}.`));
  let moved: boolean;
  try {
    moved = await engine.db.$transaction(async (tx) => {
      const { count } = await tx.provisioningRun.updateMany({
        where: { id: run.id, version: run.version, status: "failed" },
        data: { status: "pending", version: { increment: 1 }, finishedAt: null, notBefore: null },
      });
      if (count !== 1) return false;
      // A fresh budget: the admin fixed the cause, so the step gets its full set of attempts again.
      await tx.provisioningStep.update({
        where: { runId_name: { runId: run.id, name: decision.step as StepName } },
        data: {
          status: "pending",
          attempts: 0,
          startedAt: null,
          finishedAt: null,
          errorCode: null,
          userMessage: null,
          errorDetail: null,
          notBefore: null,
          waitingFor: null,
        },
      });
      if (run.kind !== "disconnect" && run.options.connectionStatusBefore !== "active") {
        await tx.connection.update({ where: { id: run.connectionId }, data: { status: "provisioning" } });
      }
      return true;
    });
  } catch (error) {
    // The database admits one unfinished run per connection: another run was started since this one failed.
    if (isActiveRunConflict(error))
      return fail(appError("conflict", "Another setup run is in progress for this connection. Finish or cancel it first."));
    throw error;
  }
  if (!moved) return fail(appError("conflict", "The run changed meanwhile. Reload and try again."));
  await recordAuditEvent(engine.db, {
    actor: input.actor,
    action: "run.retried",
    connectionId: run.connectionId,
    runId: run.id,
    detail: { step: decision.step },
  });
  return getRunView(engine.db, run.id);
}

/**
 * Cancels a run that has not finished (or whose runner died: an expired lease); steps already done at Microsoft stay
 * (a disconnect removes them). The connection goes back to how it stood, and the admin's stored sign-in is forgotten.
 */
export async function cancelRun(engine: Engine, input: { runId: string; actor: AuditActor }): Promise<Result<RunView>> {
  const run = await loadRun(engine.db, input.runId);
  if (!run) return fail(appError("not_found", "That setup run does not exist."));
  if (run.status === "running" && run.leaseUntil && run.leaseUntil > (engine.now?.() ?? new Date())) {
    return fail(appError("conflict", "This run is working on a step right now. Cancel it once the step has finished."));
  }
  const moved = await transitionRunStatus(engine.db, run, ["planning", "awaitingApproval", "pending", "waiting", "failed", "running"], {
    status: "cancelled",
    finishedAt: new Date(),
    leaseOwner: null,
    leaseUntil: null,
  });
  if (!moved) return fail(appError("conflict", `This run is ${run.status} and cannot be cancelled now.`));
  const before = run.options.connectionStatusBefore as string | undefined;
  if (run.kind !== "disconnect" && before) {
    await engine.db.connection.update({ where: { id: run.connectionId }, data: { status: before as "draft" } });
  }
  await forgetAdminSession(engine.db, run.connectionId);
  await recordAuditEvent(engine.db, { actor: input.actor, action: "run.cancelled", connectionId: run.connectionId, runId: run.id });
  return getRunView(engine.db, run.id);
}
