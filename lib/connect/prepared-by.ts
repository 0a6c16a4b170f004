import "server-only";
import { findRunOptions } from "../domain/run/run-store";
import type { Db } from "../core/db";
import { adminActor } from "../sessions/current-session";
import type { PortalSessionView } from "../sessions/session-view";

/**
 * True when a run's `requestedBy` (a run option: the admin's UPN, or an audit actor id) names this session's person.
 * A plan is approved, or handed off to a colleague, only by the person who prepared it.
 */
export function isPreparedBy(session: PortalSessionView, requestedBy: string | undefined | null): boolean {
  if (!requestedBy) return false;
  const me = [session.microsoft?.username, adminActor(session).id].filter((v): v is string => !!v).map((v) => v.toLowerCase());
  return me.includes(requestedBy.toLowerCase());
}

/** `isPreparedBy` for a run of the database. */
export async function wasPreparedBy(db: Db, session: PortalSessionView, runId: string): Promise<boolean> {
  return isPreparedBy(session, (await findRunOptions(db, runId))?.requestedBy);
}
