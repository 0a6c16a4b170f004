/**
 * Which page of the journey a connection is on, decided from server state only, so a reload, a reopened tab or a
 * second device lands where the connection is. Pure.
 */
import { isAwaitingApproval, isInProgress } from "../domain/run/machine";

export type JourneyPage = "sign-in" | "environment" | "plan" | "progress" | "sync" | "status";

export type JourneyFacts = {
  /** The admin signed in with Microsoft and the engine holds their sign-in for this connection. */
  signedIn: boolean;
  connection: { status: string; hasSyncOptions: boolean };
  /** The connection's latest run, if any. `approved` is false for a run whose plan was never approved. */
  run: { status: string; approved: boolean } | null;
  /**
   * What the session came for: `reconnect` (Act-On's Reconnect, or support's link) lands on the status page of a
   * connection that exists, where re-verify, repair and start over are offered; `handoff` is a colleague's session,
   * which only ever sees sign-in, the plan and the checklist; `status` is read-only: the status page or the checklist.
   */
  intent?: string;
  /** A colleague holds (or was sent) a hand-off link for this connection: its plan page follows their progress. */
  handedOff?: boolean;
};

export function journeyPageFor(facts: JourneyFacts): JourneyPage {
  const { run, connection } = facts;
  if (facts.intent === "handoff") {
    // The colleague signs in as themselves, reviews and approves the plan, then follows the checklist to the end.
    if (run && run.approved) return "progress";
    return facts.signedIn ? "plan" : "sign-in";
  }
  // A status link only looks: the checklist while a run is under way, else the status page (never sign-in or a plan).
  if (facts.intent === "status") return run && run.approved && isInProgress(run.status) ? "progress" : "status";
  // A run the admin approved stays on the checklist until it succeeds: running, waiting, or failed (Retry lives there).
  if (run && run.approved && isInProgress(run.status)) return "progress";
  // A reconnect lands on the status page (which links to the failed checklist and offers repair or start over).
  if (run && run.approved && run.status === "failed") return facts.intent === "reconnect" ? "status" : "progress";
  // A plan waiting for approval (a first connect, or a check-and-repair of an active connection).
  if (run && (isAwaitingApproval(run.status) || run.status === "planning")) return facts.signedIn || facts.handedOff ? "plan" : "sign-in";
  // Reconnect: a connection that exists (working or broken) opens on its status page, which offers what fits.
  if (facts.intent === "reconnect" && ["active", "failed", "actionRequired"].includes(connection.status)) return "status";
  if (connection.status === "active") return connection.hasSyncOptions ? "status" : "sync";
  // No run yet, a plan that failed or was cancelled, a disconnected connection: start from the environment.
  return facts.signedIn ? "environment" : "sign-in";
}

/** The URL of a journey page for a connection. */
export function journeyPath(connectionId: string, page: JourneyPage): string {
  return `/connect/${encodeURIComponent(connectionId)}/${page}`;
}

/** The steps the journey shows in its progress header, in order, with the pages that belong to each. */
export const JOURNEY_STAGES: { label: string; pages: JourneyPage[] }[] = [
  { label: "Sign in", pages: ["sign-in"] },
  { label: "Environment", pages: ["environment"] },
  { label: "Plan", pages: ["plan"] },
  { label: "Connect", pages: ["progress"] },
  { label: "Sync options", pages: ["sync"] },
  { label: "Done", pages: ["status"] },
];

/**
 * Where the checklist leads once a run is done, and what it offers when the run failed, by the run's path: every
 * path's run (cloud, legacy, on-premises, disconnect, a re-check) is followed on the same checklist.
 */
export function checklistWayOn(
  connectionId: string,
  run: { kind: string; mode: string | null },
  facts: { isHandoff: boolean; hasSyncOptions: boolean },
): { continueHref: string | null; continueLabel?: string; alternative?: { href: string; label: string; note: string } } {
  const id = encodeURIComponent(connectionId);
  if (facts.isHandoff) return { continueHref: null };
  if (run.kind === "disconnect") return { continueHref: `/connect/${id}/disconnect`, continueLabel: "Continue" };
  if (run.kind === "verify") {
    return {
      continueHref: journeyPath(connectionId, facts.hasSyncOptions ? "status" : "sync"),
      continueLabel: facts.hasSyncOptions ? "Back to the connection's status" : undefined,
      alternative: {
        href: journeyPath(connectionId, "status"),
        label: "Open the connection's status page",
        note: "To repair what broke (the portal plans only what is missing) or to start over:",
      },
    };
  }
  if (run.mode === "onprem") {
    return {
      continueHref: `/connect/${id}/on-premises`,
      continueLabel: "See the connection",
      alternative: {
        href: `/connect/${id}/on-premises`,
        label: "Try another server address or user",
        note: "If the server refused the user name and password, retrying will not help:",
      },
    };
  }
  const legacy = run.mode === "legacy" || run.mode === "basic";
  return {
    continueHref: journeyPath(connectionId, "sync"),
    alternative: legacy
      ? {
          href: `/connect/${id}/legacy`,
          label: "Try another integration user",
          note: "If the integration user cannot sign in (for example Microsoft asks them for MFA), retrying will not help:",
        }
      : undefined,
  };
}
