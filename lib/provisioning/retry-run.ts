import "server-only";
import { recordAuditEvent } from "../domain/audit/record-audit-event";
import { recordConnectionChange } from "../domain/connection/commands";
import { appError, fail, type Result } from "../errors";
import type { AdminSession } from "../microsoft/admin-session";
import { auditActorOf, checkActingTenant, type Actor } from "./actor";
import { forgetAdminSession, hasLiveAdminSession, saveAdminSession } from "../domain/session/admin-sign-in";
import type { Engine } from "./engine";
import { getRunView } from "./get-run-view";
import { CANCEL, RETRY, canCancel, canRetry, connectionStatusFor, disconnectLeftovers, mayHaveWrittenAtMicrosoft } from "../domain/run/machine";
import type { RunView } from "../domain/run/run-view";
import { forgetPendingPasswords } from "../domain/secret/secret-commands";
import { dbNow, isActiveRunConflict, loadRun, toSnapshot } from "../domain/run/run-store";

/**
 * Retries a failed run from its failed step (after the admin fixed the cause); finished steps are not redone. The
 * acting admin must be signed in with Microsoft in the run's tenant: a failed run's stored sign-in was deleted, so
 * the retry acts with theirs (`session`, or the one they just stored for the connection by signing in).
 */
export async function retryRun(engine: Engine, input: { runId: string; actor: Actor; session?: AdminSession | null }): Promise<Result<RunView>> {
  const { db } = engine;
  const run = await loadRun(db, input.runId);
  if (!run) return fail(appError("not_found", "That setup run does not exist."));
  const connection = await db.connection.findUniqueOrThrow({ where: { id: run.connectionId }, select: { status: true, tenantId: true } });
  const refused = checkActingTenant(input.actor, connection.tenantId ?? run.tenantId, "retry");
  if (refused) return fail(refused);
  const decision = canRetry(toSnapshot(run));
  if (!decision.ok) return fail(appError("conflict", `This run cannot be retried: ${decision.reason}.`));
  const needsMicrosoft = (run.options.mode as string | undefined) !== "onprem";
  if (input.session) {
    const expected = connection.tenantId ?? run.tenantId;
    if (expected && input.session.tenantId?.toLowerCase() !== expected.toLowerCase()) {
      return fail(appError("forbidden", `Sign in with an account of tenant ${expected} to retry this setup.`));
    }
    await saveAdminSession(db, {
      connectionId: run.connectionId,
      session: input.session,
      keys: engine.config.keys,
      ttlMs: engine.config.adminSessionTtlMs,
    });
  } else if (needsMicrosoft && !(await hasLiveAdminSession(db, run.connectionId))) {
    return fail(appError("unauthorized", "Sign in with Microsoft again to retry: the setup acts as you, and your earlier sign-in was deleted."));
  }
  const now = new Date();
  const before = run.connectionStatusBefore ?? connection.status;
  const after = connectionStatusFor({ kind: run.kind, before, event: "retried", wroteAtMicrosoft: true }) ?? connection.status;
  let moved: boolean;
  try {
    moved = await db.$transaction(async (tx) => {
      const { count } = await tx.provisioningRun.updateMany({
        where: { id: run.id, version: run.version, status: { in: [...RETRY.from] } },
        data: { status: RETRY.to, version: { increment: 1 }, finishedAt: null, notBefore: null },
      });
      if (count !== 1) return false;
      // A fresh budget: the admin fixed the cause, so the step gets its full set of attempts again.
      await tx.provisioningStep.update({
        where: { runId_name: { runId: run.id, name: decision.step } },
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
          actionKind: null,
        },
      });
      await recordConnectionChange(tx, {
        connectionId: run.connectionId,
        runId: run.id,
        runKind: run.kind,
        event: "retried",
        statusBefore: connection.status,
        statusAfter: after,
        failingStep: null,
        errorCode: null,
        runOpen: true,
        at: now,
      });
      return true;
    });
  } catch (error) {
    // The database admits one unfinished run per connection: another run was started since this one failed.
    if (isActiveRunConflict(error))
      return fail(appError("conflict", "Another setup run is in progress for this connection. Finish or cancel it first."));
    throw error;
  }
  if (!moved) return fail(appError("conflict", "The run changed meanwhile. Reload and try again."));
  await recordAuditEvent(db, {
    actor: auditActorOf(input.actor),
    action: "run.retried",
    connectionId: run.connectionId,
    runId: run.id,
    detail: { step: decision.step, tenantId: input.actor.tenantId ?? null },
  });
  engine.wake?.(run.id);
  return getRunView(db, run.id, { viewer: { kind: "system" } });
}

/**
 * Cancels a run that has not finished; a running one only once its lease has been gone longer than a step can run
 * (its runner has stopped or been aborted, so nothing it does can land after the cancel). Steps already done at
 * Microsoft stay, and the connection says so: it goes back to how it stood only if nothing was written there yet,
 * otherwise it is `failed` with what is left, which a new disconnect removes. The admin's stored sign-in is deleted,
 * and so is any password the run was given and never proved.
 */
export async function cancelRun(engine: Engine, input: { runId: string; actor: Actor }): Promise<Result<RunView>> {
  const { db } = engine;
  const run = await loadRun(db, input.runId);
  if (!run) return fail(appError("not_found", "That setup run does not exist."));
  const connection = await db.connection.findUniqueOrThrow({ where: { id: run.connectionId }, select: { status: true, tenantId: true } });
  const refused = checkActingTenant(input.actor, connection.tenantId ?? run.tenantId, "cancel");
  if (refused) return fail(refused);
  const decision = canCancel(run, await dbNow(db, { fresh: true }), engine.config.stepTimeoutMs);
  if (!decision.ok) return fail(appError("conflict", `This run cannot be cancelled now: ${decision.reason}.`));
  const now = new Date();
  const snapshot = toSnapshot(run);
  const wrote = mayHaveWrittenAtMicrosoft(snapshot);
  const before = run.connectionStatusBefore ?? connection.status;
  const after = connectionStatusFor({ kind: run.kind, before, event: "cancelled", wroteAtMicrosoft: wrote }) ?? connection.status;
  const left = run.kind === "disconnect" ? disconnectLeftovers(snapshot) : [];
  const moved = await db.$transaction(async (tx) => {
    const { count } = await tx.provisioningRun.updateMany({
      where: { id: run.id, version: run.version, status: { in: [...CANCEL.from] } },
      data: { status: CANCEL.to, version: { increment: 1 }, finishedAt: now, leaseOwner: null, leaseUntil: null },
    });
    if (count !== 1) return false;
    // The password this run was given (legacy, on-premises) was never proved: a cancelled run forgets it.
    await forgetPendingPasswords(tx, { connectionId: run.connectionId, at: now });
    if (wrote && after !== before) {
      await tx.connection.update({
        where: { id: run.connectionId },
        data: {
          lastErrorCode: "cancelled",
          lastErrorMessage:
            run.kind === "disconnect"
              ? `Disconnecting was cancelled before it finished. Still there: ${left.join("; ") || "nothing we know of"}. Disconnect again to remove them.`
              : "Setup was cancelled after it had started changing your Microsoft tenant. Disconnect to remove what it created, or start again.",
        },
      });
    }
    await recordConnectionChange(tx, {
      connectionId: run.connectionId,
      runId: run.id,
      runKind: run.kind,
      event: "cancelled",
      statusBefore: connection.status,
      statusAfter: after,
      failingStep: null,
      errorCode: null,
      runOpen: false,
      at: now,
    });
    return true;
  });
  if (!moved) return fail(appError("conflict", `This run is ${run.status} and cannot be cancelled now.`));
  await forgetAdminSession(db, run.connectionId);
  await recordAuditEvent(db, {
    actor: auditActorOf(input.actor),
    action: "run.cancelled",
    connectionId: run.connectionId,
    runId: run.id,
    detail: { tenantId: input.actor.tenantId ?? null, leftovers: wrote },
  });
  return getRunView(db, run.id, { viewer: { kind: "system" } });
}
