import "server-only";
import { recordAuditEvent } from "../domain/audit/record-audit-event";
import { appError, fail, type Result } from "../core/errors";
import type { AdminSession } from "../microsoft/admin-session";
import { auditActorOf, checkActingTenant, type Actor } from "./actor";
import { saveAdminSession } from "../domain/session/admin-sign-in";
import type { Engine } from "./engine";
import { stepsFor, type DisconnectScope } from "../domain/run/machine";
import type { RunView } from "../domain/run/run-view";
import { planRun } from "./start-run";
import { createRun, isActiveRunConflict } from "../domain/run/run-store";

/**
 * Starts disconnecting a connection: always removes Act-On's secrets; disables the application user and deletes the
 * app registration only if the admin asks. Planned and approved like any run.
 */
export async function startDisconnect(
  engine: Engine,
  input: { connectionId: string; scope: DisconnectScope; session?: AdminSession | null; actor: Actor },
): Promise<Result<RunView>> {
  const connection = await engine.db.connection.findUnique({
    where: { id: input.connectionId },
    select: { id: true, accountId: true, authMode: true, status: true, tenantId: true, credentialMode: true },
  });
  if (!connection) return fail(appError("not_found", "That connection does not exist."));
  // Only an admin of the connection's own tenant may remove its credentials: anyone else's Graph would answer 404 for
  // the app, and the secret would be forgotten here while it stays live at Microsoft.
  const actor: Actor = input.session ? { ...input.actor, tenantId: input.session.tenantId ?? input.actor.tenantId } : input.actor;
  const refused = checkActingTenant(actor, connection.tenantId, "disconnect");
  if (refused) return fail(refused);
  if (connection.status === "disconnected") return fail(appError("conflict", "This connection is already disconnected."));
  const needsMicrosoft = connection.authMode !== "onprem";
  if (needsMicrosoft && !input.session) return fail(appError("unauthorized", "Sign in with Microsoft first: removing the secret acts as you."));
  let run;
  try {
    run = await createRun(engine.db, {
      connectionId: connection.id,
      kind: "disconnect",
      steps: stepsFor("disconnect", connection.authMode, input.scope, connection.credentialMode ?? undefined),
      // The mode is kept on the run: the first step forgets it on the connection, and later steps still need it.
      options: {
        mode: connection.authMode,
        disconnect: input.scope,
        requestedBy: input.actor.id,
        ...(connection.authMode === "cloud" && connection.credentialMode ? { credential: connection.credentialMode } : {}),
      },
      connectionStatusBefore: connection.status,
      tenantId: input.session?.tenantId ?? null,
      planner: { owner: engine.owner, leaseMs: engine.config.leaseMs },
    });
  } catch (error) {
    if (isActiveRunConflict(error)) return fail(appError("conflict", "A setup run is in progress for this connection. Finish or cancel it first."));
    throw error;
  }
  if (input.session) {
    await saveAdminSession(engine.db, {
      connectionId: connection.id,
      session: input.session,
      keys: engine.config.keys,
      ttlMs: engine.config.adminSessionTtlMs,
    });
  }
  await recordAuditEvent(engine.db, {
    actor: auditActorOf(actor),
    action: "run.started",
    accountId: connection.accountId,
    connectionId: connection.id,
    runId: run.id,
    detail: { kind: "disconnect", ...input.scope, tenantId: actor.tenantId ?? null },
  });
  return planRun(engine, run.id, input.session);
}
