import "server-only";
import { cache } from "react";
import { notFound, redirect } from "next/navigation";
import { getDb } from "../db";
import type { RunView } from "../domain/run/run-view";
import { requireSession, type PortalSessionView } from "../sessions/current-session";
import { checkSessionScope } from "../handoff/handoff-scope";
import { findHandoffProgress, type HandoffProgress } from "../handoff/handoff-for-plan";
import { loadOwnAdminSession } from "./admin-environments";
import { journeyPageFor, journeyPath, type JourneyPage } from "./journey-page";
import { getConnectionForViewer, getLatestRun, getRunViewForViewer, type JourneyConnection, type LatestRun, type Viewer } from "./portal-engine";

export type Journey = {
  session: PortalSessionView;
  /** A colleague's hand-off session (bound to this connection and its steps). */
  isHandoff: boolean;
  /** The connection's latest hand-off link and how far the colleague got (for the first admin's pages). */
  handoff: HandoffProgress | null;
  viewer: Viewer;
  connection: JourneyConnection;
  latestRun: LatestRun | null;
  run: RunView | null;
  signedIn: boolean;
  /** The page the connection's state calls for. */
  page: JourneyPage;
};

/** A connection id from the URL: cuid-like, bounded; anything else is simply not found. */
const CONNECTION_ID = /^[A-Za-z0-9_-]{1,64}$/;

export const accountViewer = (session: PortalSessionView): Viewer => ({ kind: "account", accountId: session.accountId });

/**
 * Everything a journey page needs, from server state: the session (or the session page), the connection as this
 * account may see it (another account's → not found), its latest run and the page that state calls for.
 * Cached per request, so a layout and a page share one read.
 */
export const loadJourney = cache(async (connectionId: string): Promise<Journey> => {
  const session = await requireSession();
  if (!CONNECTION_ID.test(connectionId)) notFound();
  // A hand-off session sees its own connection only (another connection of the account is simply not found).
  if (checkSessionScope(session, { connectionId, action: "view" })) notFound();
  const db = getDb();
  const viewer = accountViewer(session);
  const connection = await getConnectionForViewer(db, connectionId, viewer);
  if (!connection.ok) notFound();
  const latestRun = await getLatestRun(db, connectionId);
  const run = latestRun ? await getRunViewForViewer(db, latestRun.id, viewer) : null;
  // Signed in means: the sign-in the engine holds for this connection is this person's own (a colleague's hand-off
  // sign-in replaces it, and must never let the first admin act as the colleague).
  const signedIn = !!session.microsoft && (await loadOwnAdminSession(connectionId, session)) !== null;
  const isHandoff = session.intent === "handoff";
  const handoff = isHandoff ? null : await findHandoffProgress(db, { accountId: session.accountId, connectionId });
  const page = journeyPageFor({
    signedIn,
    connection: { status: connection.value.status, hasSyncOptions: connection.value.syncOptions != null },
    run: latestRun ? { status: latestRun.status, approved: latestRun.approved } : null,
    intent: session.intent,
    handedOff: handoff?.state === "open" || handoff?.state === "used",
  });
  return { session, isHandoff, handoff, viewer, connection: connection.value, latestRun, run: run?.ok ? run.value : null, signedIn, page };
});

/** A colleague's hand-off session may not open this page (sync options, status, disconnect…): send it to its own. */
export function ensureNotHandoff(journey: Journey): void {
  if (journey.isHandoff) redirect(journeyPath(journey.connection.id, journey.page));
}

/** Sends the browser to the page the connection's state calls for unless it is on one of `allowed`. */
export function ensurePage(journey: Journey, allowed: JourneyPage[]): void {
  if (!allowed.includes(journey.page)) redirect(journeyPath(journey.connection.id, journey.page));
}
