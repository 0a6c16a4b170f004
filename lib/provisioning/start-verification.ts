import "server-only";
import { recordAuditEvent } from "../domain/audit/record-audit-event";
import { appError, fail, ok, type Result } from "../core/errors";
import { auditActorOf, type Actor } from "./actor";
import type { Engine } from "./engine";
import { APPROVE, stepsFor, UNFINISHED_RUN_STATUSES } from "../domain/run/machine";
import { createRun, isActiveRunConflict, transitionRunStatus } from "../domain/run/run-store";

/**
 * Re-verifies a connection with its stored credential (the support console's "Re-run verification", Act-On's API):
 * a one-step `verify` run, due at once, that needs no admin sign-in and changes nothing at Microsoft. It works or it
 * does not: the connection ends Active (last verified now) or failed with the reason. Refused for a connection that
 * has nothing to verify (draft, disconnecting, disconnected) and while another kind of run holds the connection; a
 * verification already under way is returned instead of a second one.
 */
export async function startVerification(
  engine: Engine,
  input: { connectionId: string; actor: Actor },
): Promise<Result<{ runId: string; alreadyRequested: boolean }>> {
  const { db } = engine;
  const connection = await db.connection.findUnique({
    where: { id: input.connectionId },
    select: {
      id: true,
      accountId: true,
      authMode: true,
      status: true,
      tenantId: true,
      clientId: true,
      environmentUrl: true,
      integrationUsername: true,
    },
  });
  if (!connection) return fail(appError("not_found", "That connection does not exist."));
  if (connection.status === "draft" || connection.status === "disconnecting" || connection.status === "disconnected") {
    return fail(appError("conflict", `This connection is ${connection.status}: there is no credential to verify.`));
  }
  const missing = missingForVerification(connection);
  if (missing) {
    return fail(
      appError(
        "conflict",
        `This connection's setup stopped before it had ${missing}, so there is nothing to verify yet. Its admin can finish the setup.`,
      ),
    );
  }
  let runId: string;
  try {
    const run = await createRun(db, {
      connectionId: connection.id,
      kind: "verify",
      steps: stepsFor("verify", connection.authMode),
      options: { mode: connection.authMode, requestedBy: input.actor.id },
      connectionStatusBefore: connection.status,
      tenantId: connection.tenantId,
    });
    runId = run.id;
    // Nothing to plan or approve: it only reads. Due at once.
    await transitionRunStatus(db, run, ["planning"], { status: APPROVE.to, approvedAt: new Date(), approvedBy: input.actor.id });
  } catch (error) {
    if (!isActiveRunConflict(error)) throw error;
    // Asking again while a verification is still under way joins it: two clicks, or Act-On and support at once.
    const unfinished = await db.provisioningRun.findFirst({
      where: { connectionId: connection.id, status: { in: [...UNFINISHED_RUN_STATUSES] } },
      select: { id: true, kind: true },
    });
    if (unfinished?.kind === "verify") {
      // Joined, not started: still recorded, so the audit log shows everyone who asked for this check.
      await recordAuditEvent(db, {
        actor: auditActorOf(input.actor),
        action: "run.verification_joined",
        accountId: connection.accountId,
        connectionId: connection.id,
        runId: unfinished.id,
        detail: { kind: "verify" },
      });
      return ok({ runId: unfinished.id, alreadyRequested: true });
    }
    return fail(appError("conflict", "A setup run is in progress for this connection. Try again when it has finished."));
  }
  await recordAuditEvent(db, {
    actor: auditActorOf(input.actor),
    action: "run.started",
    accountId: connection.accountId,
    connectionId: connection.id,
    runId,
    detail: { kind: "verify" },
  });
  engine.wake?.(runId);
  return ok({ runId, alreadyRequested: false });
}

/** What a verify-only run needs on the connection (the secret itself is checked by the step, which reports it). */
function missingForVerification(c: {
  authMode: string;
  tenantId: string | null;
  clientId: string | null;
  environmentUrl: string | null;
  integrationUsername: string | null;
}): string | null {
  if (!c.environmentUrl) return "an environment";
  if (c.authMode === "onprem") return c.integrationUsername ? null : "a domain user";
  if (!c.tenantId || !c.clientId) return "an app registration";
  if (c.authMode === "legacy" && !c.integrationUsername) return "an integration user";
  return null;
}
