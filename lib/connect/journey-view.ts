import "server-only";
import { cache } from "react";
import { redirect } from "next/navigation";
import { getDb } from "../core/db";
import type { RunView } from "../domain/run/run-view";
import type { PortalSessionView } from "../sessions/current-session";
import { findHandoffProgress, type HandoffProgress } from "../handoff/handoff-for-plan";
import { loadOwnAdminSession } from "./admin-environments";
import { journeyPageFor, journeyPath, type JourneyPage } from "./journey-page";
import { checkActionPolicy, type JourneyAction } from "./action-policy";
import { authorizePage } from "./authorize";
import { findRunShape } from "./legacy";
import { getLatestRun, getRunViewForViewer, type JourneyConnection, type LatestRun, type Viewer } from "./engine";

export type Journey = {
  session: PortalSessionView;
  /** A colleague's hand-off session (bound to this connection and its steps). */
  isHandoff: boolean;
  /** The connection's latest hand-off link and how far the colleague got (for the first admin's pages). */
  handoff: HandoffProgress | null;
  viewer: Viewer;
  connection: JourneyConnection;
  latestRun: LatestRun | null;
  /** How the latest run connects (cloud, legacy, onprem), from its options. */
  runMode: string | null;
  run: RunView | null;
  signedIn: boolean;
  /** The page the connection's state calls for. */
  page: JourneyPage;
};

const accountViewer = (session: PortalSessionView): Viewer => ({ kind: "account", accountId: session.accountId });

/**
 * Everything a journey page needs, from server state: the session (or the session page), the connection as this
 * account may see it (another account's → not found), its latest run and the page that state calls for.
 * Cached per request, so a layout and a page share one read.
 */
export const loadJourney = cache(async (connectionId: string): Promise<Journey> => {
  // A hand-off session sees its own connection only (another connection of the account is simply not found).
  const { session, connection } = await authorizePage(connectionId, "view");
  const db = getDb();
  const viewer = accountViewer(session);
  const latestRun = await getLatestRun(db, connectionId);
  const run = latestRun ? await getRunViewForViewer(db, latestRun.id, viewer) : null;
  // Signed in means: the sign-in the engine holds for this connection is this person's own (a colleague's hand-off
  // sign-in replaces it, and must never let the first admin act as the colleague).
  const signedIn = !!session.microsoft && (await loadOwnAdminSession(connectionId, session)) !== null;
  const isHandoff = session.intent === "handoff";
  const handoff = isHandoff ? null : await findHandoffProgress(db, { accountId: session.accountId, connectionId });
  const page = journeyPageFor({
    signedIn,
    connection: { status: connection.status, hasSyncOptions: connection.syncOptions != null },
    run: latestRun ? { status: latestRun.status, approved: latestRun.approved } : null,
    intent: session.intent,
    handedOff: handoff?.state === "open" || handoff?.state === "used",
  });
  const runMode = latestRun ? ((await findRunShape(db, latestRun.id))?.mode ?? null) : null;
  return { session, isHandoff, handoff, viewer, connection, latestRun, runMode, run: run?.ok ? run.value : null, signedIn, page };
});

/**
 * A page for one action (the environment picker for choosing one, sync options for saving them…) opens only for a
 * session whose kind may take that action (action-policy.ts): a colleague's hand-off or a read-only status link is
 * sent to its own page instead. The status page is the Act-On admin's: `view` there means "not a hand-off".
 */
export function ensureMayOpen(journey: Journey, action: JourneyAction | "statusPage"): void {
  const refused =
    action === "statusPage"
      ? journey.isHandoff
      : checkActionPolicy(action, { intent: journey.session.intent, ownSignIn: null, tenantId: null, onPremises: false }, "page") !== null;
  if (refused) redirect(journeyPath(journey.connection.id, journey.page));
}

/** Sends the browser to the page the connection's state calls for unless it is on one of `allowed`. */
export function ensurePage(journey: Journey, allowed: JourneyPage[]): void {
  if (!allowed.includes(journey.page)) redirect(journeyPath(journey.connection.id, journey.page));
}
