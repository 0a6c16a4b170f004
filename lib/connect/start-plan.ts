import "server-only";
import { appError, fail, ok, type Result } from "../core/errors";
import { log } from "../core/log";
import { cancelPlanKeepingSignIn } from "./replace-plan";
import { startRun } from "../provisioning/start-run";
import { adminActor } from "../sessions/current-session";
import type { PortalSessionView } from "../sessions/session-view";
import type { AdminSession } from "../microsoft/admin-session";
import { listAdminEnvironments } from "./admin-environments";
import { environmentWithoutAsking, type ChosenFor } from "./environment-without-asking";
import { journeyPageFor } from "./journey-page";
import { getLatestRun, getPortalEngine, type JourneyConnection } from "./engine";
import { isInProgress } from "../domain/run/machine";

export type { ChosenFor };

export type PlanChoice = {
  environment?: string;
  role: "leastPrivilege" | "systemAdministrator";
  secret?: "rotate" | "keep";
  kind?: "connect" | "migrate";
};

/** `authorize`'s answer: the session, the connection and the person's own stored sign-in (null when it found none). */
type Who = { session: PortalSessionView; connection: JourneyConnection; signIn: AdminSession | null };

/**
 * (Re)computes the plan: the engine reads what exists and stores the plan; nothing is written at Microsoft. A plan
 * still awaiting approval is replaced (cancelling it forgets the stored sign-in, so the sign-in is read first and
 * handed to the new run).
 */
export async function startPlan({ session, connection, signIn }: Who, choice: PlanChoice): Promise<Result<{ runId: string }>> {
  const engine = getPortalEngine();
  // Only this person's own sign-in, as authorize found it: after a hand-off the stored one may be the colleague's.
  const adminSession = signIn;
  if (!adminSession || !session.microsoft) return fail(appError("unauthorized", "Sign in with Microsoft again: the setup acts as you."));
  const latest = await getLatestRun(engine.db, connection.id);
  if (latest && isInProgress(latest.status)) {
    return fail(appError("conflict", "A setup run is already in progress for this connection. Follow it on the checklist."));
  }
  if (latest && (latest.status === "awaitingApproval" || (latest.status === "failed" && latest.approved))) {
    const cancelled = await cancelPlanKeepingSignIn(engine, {
      runId: latest.id,
      connectionId: connection.id,
      actor: adminActor(session),
      session: adminSession,
    });
    if (!cancelled.ok) return cancelled;
  }
  const run = await startRun(engine, {
    accountId: session.accountId,
    connectionId: connection.id,
    kind: choice.kind ?? "connect",
    options: {
      mode: "cloud",
      role: choice.role,
      environment: choice.environment,
      secret: choice.secret ?? "rotate",
      requestedBy: session.microsoft.username,
    },
    session: adminSession,
    actor: adminActor(session),
  });
  return run.ok ? ok({ runId: run.value.id }) : run;
}

/**
 * Right after the admin signed in, when the connection's next page is the environment picker but there is nothing
 * to choose (Act-On named a listed environment, or Microsoft lists only one), the plan is prepared at once and the
 * admin lands on it; the plan names the environment and keeps "Choose another environment". Returns how the
 * environment was found, or null (Discovery failing, a run already started, several environments): the picker is
 * shown as before, with any problem on it.
 */
export async function planWithoutAsking(who: Who): Promise<ChosenFor | null> {
  const { session, connection } = who;
  if (session.intent === "handoff") return null;
  const engine = getPortalEngine();
  const latest = await getLatestRun(engine.db, connection.id);
  const page = journeyPageFor({
    signedIn: true,
    connection: { status: connection.status, hasSyncOptions: connection.syncOptions != null },
    run: latest ? { status: latest.status, approved: latest.approved } : null,
    intent: session.intent,
  });
  if (page !== "environment") return null;
  const listed = await listAdminEnvironments(connection.id);
  if (!listed.ok) return null;
  const choice = environmentWithoutAsking(listed.value, session.environmentHint);
  if (!choice) return null;
  const planned = await startPlan(who, { environment: choice.url, role: "leastPrivilege" });
  if (!planned.ok) log.info("journey: the plan was not prepared without asking", { connectionId: connection.id, code: planned.error.code });
  return planned.ok ? choice.chosenFor : null;
}
