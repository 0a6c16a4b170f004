import "server-only";
import type { AuditActor } from "../domain/audit/record-audit-event";
import type { AppError } from "../errors";
import { revokeHandoffLinks } from "../handoff/handoff-links";
import type { Db } from "../db";
import { findLiveSecrets } from "../domain/secret/secret-commands";
import { hasLiveAdminSession, loadAdminSession } from "../domain/session/admin-sign-in";
import { approveRun } from "../provisioning/approve-run";
import { driveRunWith } from "../provisioning/engine";
import type { DisconnectScope } from "../domain/run/machine";
import { startDisconnect } from "../provisioning/start-disconnect";
import { getPathsEngine } from "./paths-engine";

/** What a disconnect will remove, listed for the confirmation before anything is done. */
export type DisconnectPreview = {
  secrets: { kind: "clientSecret" | "password"; hint: string | null }[];
  applicationUser: { id: string; environmentUrl: string | null } | null;
  appRegistration: { clientId: string } | null;
  needsMicrosoftSignIn: boolean;
  signedIn: boolean;
};

export async function previewDisconnect(connectionId: string, db: Db = getPathsEngine().db): Promise<DisconnectPreview> {
  const connection = await db.connection.findUniqueOrThrow({
    where: { id: connectionId },
    select: { authMode: true, clientId: true, applicationUserId: true, environmentUrl: true },
  });
  const secrets = await findLiveSecrets(db, connectionId);
  const needsMicrosoftSignIn = connection.authMode !== "onprem";
  // The sign-in's owner decides whether it can still be used (one past its expiry cannot).
  const signedIn = needsMicrosoftSignIn ? await hasLiveAdminSession(db, connectionId) : true;
  return {
    secrets: secrets.map((s) => ({ kind: s.kind, hint: s.hint })),
    applicationUser: connection.applicationUserId ? { id: connection.applicationUserId, environmentUrl: connection.environmentUrl } : null,
    appRegistration: connection.clientId && connection.authMode !== "onprem" ? { clientId: connection.clientId } : null,
    needsMicrosoftSignIn,
    signedIn,
  };
}

/**
 * Disconnects through the engine: a disconnect run (secrets always; the application user disabled and the app
 * deleted only when asked), approved by the admin's confirmation and driven to its end; open hand-off links withdrawn.
 */
export async function disconnectConnection(input: {
  connectionId: string;
  scope: DisconnectScope;
  actor: AuditActor;
}): Promise<{ ok: true } | { ok: false; error: AppError }> {
  const engine = getPathsEngine();
  const session = await loadAdminSession(engine.db, { connectionId: input.connectionId, keys: engine.config.keys, config: engine.config.identity });
  const started = await startDisconnect(engine, { connectionId: input.connectionId, scope: input.scope, session, actor: input.actor });
  if (!started.ok) return started;
  const approved = await approveRun(engine, { runId: started.value.id, actor: input.actor });
  if (!approved.ok) return approved;
  const finished = await driveRunWith(engine, started.value.id);
  if (finished.status !== "succeeded") {
    const failed = finished.run?.steps.find((s) => s.status === "failed");
    return {
      ok: false,
      error: {
        code: (failed?.errorCode as AppError["code"]) ?? "internal",
        userMessage: failed?.userMessage ?? "Disconnecting did not finish. Try again.",
        retryable: true,
      },
    };
  }
  await revokeHandoffLinks(engine.db, { connectionId: input.connectionId, actor: input.actor });
  return { ok: true };
}
