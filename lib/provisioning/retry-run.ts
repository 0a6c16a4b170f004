import "server-only";
import { recordAuditEvent, type AuditActor } from "../audit/record-audit-event";
import { appError, fail, type Result } from "../errors";
import type { Engine } from "./engine";
import { getRunView } from "./get-run-view";
import { canRetry, type StepName } from "./machine";
import type { RunView } from "./run-view";
import { loadRun, toSnapshot, transitionRunStatus } from "./store";

/** Retries a failed run from its failed step (after the admin fixed the cause); finished steps are not redone. */
export async function retryRun(engine: Engine, input: { runId: string; actor: AuditActor }): Promise<Result<RunView>> {
  const run = await loadRun(engine.db, input.runId);
  if (!run) return fail(appError("not_found", "That setup run does not exist."));
  const decision = canRetry(toSnapshot(run));
  if (!decision.ok) return fail(appError("conflict", `This run cannot be retried: ${decision.reason}.`));
  const moved = await engine.db.$transaction(async (tx) => {
    const { count } = await tx.provisioningRun.updateMany({
      where: { id: run.id, version: run.version, status: "failed" },
      data: { status: "pending", version: { increment: 1 }, finishedAt: null, notBefore: null },
    });
    if (count !== 1) return false;
    await tx.provisioningStep.update({
      where: { runId_name: { runId: run.id, name: decision.step as StepName } },
      data: { status: "pending", finishedAt: null, errorCode: null, userMessage: null, errorDetail: null, notBefore: null, waitingFor: null },
    });
    if (run.kind !== "disconnect") await tx.connection.update({ where: { id: run.connectionId }, data: { status: "provisioning" } });
    return true;
  });
  if (!moved) return fail(appError("conflict", "The run changed meanwhile. Reload and try again."));
  await recordAuditEvent(engine.db, { actor: input.actor, action: "run.retried", connectionId: run.connectionId, runId: run.id, detail: { step: decision.step } });
  return getRunView(engine.db, run.id);
}

/** Cancels a run that has not finished; steps already done at Microsoft stay (a disconnect removes them). */
export async function cancelRun(engine: Engine, input: { runId: string; actor: AuditActor }): Promise<Result<RunView>> {
  const run = await loadRun(engine.db, input.runId);
  if (!run) return fail(appError("not_found", "That setup run does not exist."));
  const moved = await transitionRunStatus(engine.db, run, ["planning", "awaitingApproval", "pending", "waiting", "failed"], {
    status: "cancelled",
    finishedAt: new Date(),
    leaseOwner: null,
    leaseUntil: null,
  });
  if (!moved) return fail(appError("conflict", `This run is ${run.status} and cannot be cancelled now.`));
  await recordAuditEvent(engine.db, { actor: input.actor, action: "run.cancelled", connectionId: run.connectionId, runId: run.id });
  return getRunView(engine.db, run.id);
}
