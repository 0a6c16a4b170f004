import "server-only";
import { findLiveSecrets, type LiveSecret } from "../domain/secret/secret-commands";
import type { DisconnectScope } from "../domain/run/machine";
import { appError, fail, ok, type Result } from "../core/errors";
import { revokeHandoffLinks } from "../handoff/handoff-links";
import { approveRun } from "../provisioning/approve-run";
import type { Engine } from "../provisioning/engine";
import { startDisconnect } from "../provisioning/start-disconnect";
import { adminActor } from "../sessions/current-session";
import { loadOwnAdminSession } from "./admin-environments";
import type { Authorized } from "./authorize";
import { cancelPlanKeepingSignIn } from "./replace-plan";

/** What a disconnect will remove, listed for the confirmation before anything is done. */
export type DisconnectPreview = {
  secrets: { kind: LiveSecret["kind"]; hint: string | null }[];
  applicationUser: { id: string; environmentUrl: string | null } | null;
  appRegistration: { clientId: string } | null;
  /**
   * The connection signs in as Act-On's own connector app: its application user is always disabled (that is what ends
   * Act-On's access), and what may be removed from the tenant is the connector's enterprise application, not an app.
   */
  actonConnector: boolean;
  needsMicrosoftSignIn: boolean;
  /** The person holds their OWN live Microsoft sign-in for this connection (never one another person left behind). */
  signedIn: boolean;
};

const SIGN_IN_FIRST = "Sign in with Microsoft first: removing the client secret at Microsoft acts as you.";

export async function previewDisconnect(
  engine: Engine,
  { session, connection }: Pick<Authorized, "session" | "connection">,
): Promise<DisconnectPreview> {
  const secrets = await findLiveSecrets(engine.db, connection.id);
  const needsMicrosoftSignIn = connection.authMode !== "onprem";
  const signedIn = needsMicrosoftSignIn ? (await loadOwnAdminSession(connection.id, session, engine)) !== null : true;
  return {
    secrets: secrets.map((s) => ({ kind: s.kind, hint: s.hint })),
    applicationUser: connection.applicationUserId ? { id: connection.applicationUserId, environmentUrl: connection.environmentUrl } : null,
    appRegistration: connection.clientId && connection.authMode !== "onprem" ? { clientId: connection.clientId } : null,
    actonConnector: connection.authMode === "cloud" && connection.credentialMode === "connector",
    needsMicrosoftSignIn,
    signedIn,
  };
}

/**
 * Disconnects through the engine: a disconnect run (secrets always; the application user disabled and the app
 * deleted only when asked), approved by the person's confirmation and handed to the run pool; the checklist follows
 * it, so a Microsoft that asks to wait shows as waiting, not as a failure. The run acts with the person's OWN stored
 * Microsoft sign-in, which `authorize` found for them (a colleague's or an earlier admin's is never borrowed). The run
 * is created only to be approved at once by its creator: one whose approval is refused is cancelled on the spot, so no
 * destructive plan is ever left waiting for someone else's approval, or blocking the connection. Open hand-off links
 * are withdrawn: a connection being disconnected has nothing left to hand off.
 */
export async function disconnect(
  engine: Engine,
  { session, connection, signIn }: Authorized,
  scope: DisconnectScope,
): Promise<Result<{ runId: string }>> {
  const actor = adminActor(session);
  const needsMicrosoft = connection.authMode !== "onprem";
  if (needsMicrosoft && !signIn) return fail(appError("unauthorized", SIGN_IN_FIRST));
  const own = needsMicrosoft ? signIn : null;
  const started = await startDisconnect(engine, { connectionId: connection.id, scope, session: own, actor });
  if (!started.ok) return started;
  const approved = await approveRun(engine, { runId: started.value.id, actor, session: own });
  if (!approved.ok) {
    await cancelPlanKeepingSignIn(engine, { runId: started.value.id, connectionId: connection.id, actor, session: own });
    return approved;
  }
  await revokeHandoffLinks(engine.db, { connectionId: connection.id, actor });
  return ok({ runId: started.value.id });
}
