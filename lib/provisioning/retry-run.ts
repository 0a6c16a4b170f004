import "server-only";
import { recordAuditEvent } from "../domain/audit/record-audit-event";
import { appError, fail, type Result } from "../core/errors";
import type { AdminSession } from "../microsoft/admin-session";
import { auditActorOf, checkActingTenant, type Actor } from "./actor";
import { hasLiveAdminSession, saveAdminSession } from "../domain/session/admin-sign-in";
import type { Engine } from "./engine";
import { getRunView } from "./get-run-view";
import { canCancel, canRetry, connectionStatusFor, disconnectLeftovers, mayHaveWrittenAtMicrosoft } from "../domain/run/machine";
import { parseStoredRunOptions } from "../domain/run/run-options";
import type { RunView } from "../domain/run/run-view";
import { cancelRunTransition, dbNow, isActiveRunConflict, loadRun, retryRunTransition, toSnapshot } from "../domain/run/run-store";

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
  const needsMicrosoft = parseStoredRunOptions(run.options)?.mode !== "onprem";
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
    moved = await retryRunTransition(db, { run, step: decision.step, statusBefore: connection.status, statusAfter: after, at: now });
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
  // Something was written at Microsoft and the connection is not back as it was: say what is left.
  const leftover =
    wrote && after !== before
      ? run.kind === "disconnect"
        ? `Disconnecting was cancelled before it finished. Still there: ${left.join("; ") || "nothing we know of"}. Disconnect again to remove them.`
        : "Setup was cancelled after it had started changing your Microsoft tenant. Disconnect to remove what it created, or start again."
      : null;
  const moved = await cancelRunTransition(db, { run, statusBefore: connection.status, statusAfter: after, leftover, at: now });
  if (!moved) return fail(appError("conflict", `This run is ${run.status} and cannot be cancelled now.`));
  await recordAuditEvent(db, {
    actor: auditActorOf(input.actor),
    action: "run.cancelled",
    connectionId: run.connectionId,
    runId: run.id,
    detail: { tenantId: input.actor.tenantId ?? null, leftovers: wrote },
  });
  return getRunView(db, run.id, { viewer: { kind: "system" } });
}
