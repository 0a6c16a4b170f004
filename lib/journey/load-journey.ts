import "server-only";
import { cache } from "react";
import { notFound, redirect } from "next/navigation";
import { getDb } from "../db";
import type { RunView } from "../provisioning/run-view";
import { requireSession, type PortalSessionView } from "../sessions/current-session";
import { journeyPageFor, journeyPath, type JourneyPage } from "./journey-page";
import {
  getConnectionForViewer,
  getLatestRun,
  getRunViewForViewer,
  hasStoredAdminSignIn,
  type JourneyConnection,
  type LatestRun,
  type Viewer,
} from "./portal-engine";

export type Journey = {
  session: PortalSessionView;
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
  const db = getDb();
  const viewer = accountViewer(session);
  const connection = await getConnectionForViewer(db, connectionId, viewer);
  if (!connection.ok) notFound();
  const latestRun = await getLatestRun(db, connectionId);
  const run = latestRun ? await getRunViewForViewer(db, latestRun.id, viewer) : null;
  const signedIn = !!session.microsoft && (await hasStoredAdminSignIn(db, connectionId));
  const page = journeyPageFor({
    signedIn,
    connection: { status: connection.value.status, hasSyncOptions: connection.value.syncOptions != null },
    run: latestRun ? { status: latestRun.status, approved: latestRun.approved } : null,
  });
  return { session, viewer, connection: connection.value, latestRun, run: run?.ok ? run.value : null, signedIn, page };
});

/** Sends the browser to the page the connection's state calls for unless it is on one of `allowed`. */
export function ensurePage(journey: Journey, allowed: JourneyPage[]): void {
  if (!allowed.includes(journey.page)) redirect(journeyPath(journey.connection.id, journey.page));
}
