import "server-only";
import { appError, fail, ok, type Result } from "../core/errors";
import { checkHandoffStanding } from "../handoff/handoff-standing";
import { retryRun as engineRetry } from "../provisioning/retry-run";
import { adminActor } from "../sessions/current-session";
import { loadOwnAdminSession, loadStoredAdminSession } from "./admin-environments";
import type { Authorized } from "./authorize";
import { toChecklist, type ChecklistSnapshot } from "./checklist";
import { getPortalEngine, getRunViewForViewer } from "./engine";

/**
 * Retries the failed step with the engine's retry (finished steps are not redone) and hands the run back to the pool;
 * answers the checklist's fresh snapshot. A retry acts as the person who clicks it: with their own sign-in, never one
 * stored by someone else.
 */
export async function retryRun({ session, connection }: Authorized, runId: string): Promise<Result<ChecklistSnapshot>> {
  const engine = getPortalEngine();
  const pinned = await checkHandoffStanding(engine.db, session, { connectionId: connection.id, action: "retryRun", request: { runId } });
  if (pinned) return fail(pinned);
  const run = await getRunViewForViewer(engine.db, runId, { kind: "account", accountId: session.accountId });
  if (!run.ok || run.value.connection.id !== connection.id)
    return fail(appError("not_found", "That run does not belong to this connection. Reload the page."));
  const own = await loadOwnAdminSession(connection.id, session);
  if (!own && (await loadStoredAdminSession(connection.id)))
    return fail(appError("unauthorized", "Sign in with Microsoft first: the retry acts as you, not as the person who signed in last."));
  const retried = await engineRetry(engine, { runId: run.value.id, actor: adminActor(session), session: own });
  return retried.ok ? ok(toChecklist(retried.value, { adminSignedIn: true })) : retried;
}
