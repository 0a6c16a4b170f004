/**
 * Which page of the journey a connection is on, decided from server state only, so a reload, a reopened tab or a
 * second device lands where the connection is. Pure.
 */

export const JOURNEY_PAGES = ["sign-in", "environment", "plan", "progress", "sync", "status"] as const;
export type JourneyPage = (typeof JOURNEY_PAGES)[number];

export type JourneyFacts = {
  /** The admin signed in with Microsoft and the engine holds their sign-in for this connection. */
  signedIn: boolean;
  connection: { status: string; hasSyncOptions: boolean };
  /** The connection's latest run, if any. `approved` is false for a run whose plan was never approved. */
  run: { status: string; approved: boolean } | null;
};

const UNFINISHED_AFTER_APPROVAL = new Set(["pending", "running", "waiting"]);

export function journeyPageFor(facts: JourneyFacts): JourneyPage {
  const { run, connection } = facts;
  // A run the admin approved stays on the checklist until it succeeds: running, waiting, or failed (Retry lives there).
  if (run && run.approved && (UNFINISHED_AFTER_APPROVAL.has(run.status) || run.status === "failed")) return "progress";
  // A plan waiting for approval (a first connect, or a check-and-repair of an active connection).
  if (run && (run.status === "awaitingApproval" || run.status === "planning")) return facts.signedIn ? "plan" : "sign-in";
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
