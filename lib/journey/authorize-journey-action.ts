import "server-only";
import type { Db } from "../db";
import { appError, fail, type Result } from "../errors";
import { checkSessionScope, type JourneyAction } from "../handoff/handoff-scope";
import type { PortalSessionView } from "../sessions/session-view";
import { getConnectionForViewer, type JourneyConnection } from "./portal-engine";

const CONNECTION_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The server-side check every journey action makes before it reads or writes anything: a live session, a connection
 * of the session's account (another account's id is not found), and — for a colleague's hand-off session — its one
 * connection and only the actions its link allows (handoff-scope.ts). Hidden buttons are not the check; this is.
 */
export async function authorizeJourneyAction(
  db: Db,
  session: PortalSessionView | null,
  input: { connectionId: unknown; action: JourneyAction },
): Promise<Result<JourneyConnection>> {
  if (typeof input.connectionId !== "string" || !CONNECTION_ID.test(input.connectionId))
    return fail(appError("not_found", "That connection does not exist for your account."));
  if (!session) return fail(appError("unauthorized", "Your session has ended. Open the link in Act-On again to continue."));
  const refused = checkSessionScope(session, { connectionId: input.connectionId, action: input.action });
  if (refused) return fail(refused);
  return getConnectionForViewer(db, input.connectionId, { kind: "account", accountId: session.accountId });
}
