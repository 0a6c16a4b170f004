import "server-only";
import { notFound } from "next/navigation";
import { cache } from "react";
import { getDb, type Db } from "../core/db";
import { appError, fail, ok, type Result } from "../core/errors";
import { checkSessionScope, type JourneyAction } from "../handoff/handoff-scope";
import { checkHandoffStanding } from "../handoff/handoff-standing";
import { getCurrentSession, requireSession } from "../sessions/current-session";
import type { PortalSessionView } from "../sessions/session-view";
import { getConnectionForViewer, type JourneyConnection } from "./engine";

/** A connection id from a URL or a form: cuid-like and bounded; anything else is simply not found. */
const CONNECTION_ID = /^[A-Za-z0-9_-]{1,64}$/;

export type ConnectAction = JourneyAction;
export type Authorized = { session: PortalSessionView; connection: JourneyConnection };

const NOT_FOUND = "That connection does not exist for your account.";

/**
 * The one answer to "may this session take this action on this connection", asked by every page, layout, action and
 * route of app/connect before it reads or writes anything: a live session, a connection of the session's account
 * (another account's id, or a malformed one, is not found), and for a colleague's hand-off session its one connection
 * and only the actions its link allows (handoff-scope.ts). Hidden buttons are not the check; this is.
 */
export async function authorize(
  session: PortalSessionView | null,
  connectionId: unknown,
  action: ConnectAction,
  db: Db = getDb(),
): Promise<Result<Authorized>> {
  if (typeof connectionId !== "string" || !CONNECTION_ID.test(connectionId)) return fail(appError("not_found", NOT_FOUND));
  if (!session) return fail(appError("unauthorized", "Your session has ended. Open the link in Act-On again to continue."));
  const refused = checkSessionScope(session, { connectionId, action });
  if (refused) return fail(refused);
  const standing = await checkHandoffStanding(db, session, { connectionId, action });
  if (standing) return fail(standing);
  const connection = await getConnectionForViewer(db, connectionId, { kind: "account", accountId: session.accountId });
  return connection.ok ? ok({ session, connection: connection.value }) : connection;
}

/** `authorize` for the current request's session (server actions and route handlers answer its refusal in words). */
export async function authorizeRequest(connectionId: unknown, action: ConnectAction): Promise<Result<Authorized>> {
  return authorize(await getCurrentSession(), connectionId, action);
}

/**
 * `authorize` for pages and layouts: no session → the session-ended page; any refusal → a real 404
 * (app/connect/not-found.tsx), so a hand-off session on a path it may not open learns nothing, with the right status.
 * Cached per request (React's `cache`): a path's layout and its page ask the same question with one read.
 */
export const authorizePage = cache(async (connectionId: string, action: ConnectAction): Promise<Authorized> => {
  const session = await requireSession();
  const authorized = await authorize(session, connectionId, action);
  if (!authorized.ok) notFound();
  return authorized.value;
});
