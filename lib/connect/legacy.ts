import "server-only";
import { isSameMicrosoftAccount } from "../handoff/handoff-scope";
import type { Db } from "../core/db";
import { appError, fail, ok, type Result } from "../core/errors";
import { getLatestRun } from "./engine";
import type { AdminSession } from "../microsoft/admin-session";
import type { Actor } from "../provisioning/actor";
import { loadAdminSession } from "../domain/session/admin-sign-in";
import { cancelPlanKeepingSignIn } from "./replace-plan";
import type { Engine } from "../provisioning/engine";
import type { Plan, PlanBlocker } from "../domain/run/plan";
import { startRun } from "../provisioning/start-run";
import type { PortalSessionView } from "../sessions/current-session";
import { isInProgress } from "../domain/run/machine";
import { parseStoredRunOptions } from "../domain/run/run-options";

/**
 * The legacy (user name and password) path and the move from it to OAuth, from the browser, through the engine:
 * `startRun` stores the password encrypted and computes the plan before anything is written. A legacy plan the
 * engine refuses (an integration user with MFA, security defaults, a missing role) is cancelled at once, which
 * forgets the password it was given; the admin's Microsoft sign-in is kept so they can try another user.
 */

type RoleChoice = "leastPrivilege" | "systemAdministrator";

/** The stored sign-in and a connection free for a new plan (an earlier plan awaiting approval is replaced). */
async function prepareNewPlan(
  engine: Engine,
  connectionId: string,
  actor: Actor,
  signedIn: { tenantId: string; username: string },
): Promise<Result<{ session: AdminSession }>> {
  const session = await loadAdminSession(engine.db, { connectionId, keys: engine.config.keys, config: engine.config.identity });
  // Only the person's own sign-in: after a hand-off the stored one may be a colleague's.
  if (!session || !isSameMicrosoftAccount(session, signedIn))
    return fail(appError("unauthorized", "Sign in with Microsoft again: the setup acts as you."));
  const latest = await getLatestRun(engine.db, connectionId);
  if (latest && isInProgress(latest.status)) {
    return fail(appError("conflict", "A setup run is already in progress for this connection. Follow it on the checklist."));
  }
  if (latest && (latest.status === "awaitingApproval" || (latest.status === "failed" && latest.approved))) {
    const cancelled = await cancelPlanKeepingSignIn(engine, { runId: latest.id, connectionId, actor, session });
    if (!cancelled.ok) return cancelled;
  }
  return ok({ session });
}

/**
 * Starts a legacy connect run: the engine's plan for the integration user. @returns refused when the plan had
 * blockers (then the run is cancelled and the password forgotten; findLegacyRefusal explains why).
 */
export async function startLegacyPlan(
  engine: Engine,
  input: {
    portalSession: PortalSessionView;
    connectionId: string;
    actor: Actor;
    choice: { environment: string; integrationUsername: string; password: string; role: RoleChoice };
  },
): Promise<Result<{ runId: string; refused: boolean }>> {
  if (!input.portalSession.microsoft) return fail(appError("unauthorized", "Sign in with Microsoft first: the setup acts as you."));
  const prepared = await prepareNewPlan(engine, input.connectionId, input.actor, input.portalSession.microsoft);
  if (!prepared.ok) return prepared;
  const { session } = prepared.value;
  const started = await startRun(engine, {
    accountId: input.portalSession.accountId,
    connectionId: input.connectionId,
    kind: "connect",
    options: {
      mode: "legacy",
      role: input.choice.role,
      environment: input.choice.environment,
      integrationUsername: input.choice.integrationUsername,
      requestedBy: input.portalSession.microsoft.username,
    },
    session,
    password: input.choice.password,
    actor: input.actor,
  });
  if (!started.ok) return started;
  if (!started.value.plan?.blockers.length) return ok({ runId: started.value.id, refused: false });
  const cancelled = await cancelPlanKeepingSignIn(engine, { runId: started.value.id, connectionId: input.connectionId, actor: input.actor, session });
  if (!cancelled.ok) return cancelled;
  return ok({ runId: started.value.id, refused: true });
}

/** Starts the move of a user-name-and-password connection to OAuth: the engine's migrate plan (kind migrate). */
export async function startMigrationPlan(
  engine: Engine,
  input: {
    portalSession: PortalSessionView;
    connection: { id: string; environmentUrl: string | null; securityRole: string | null };
    actor: Actor;
    role?: RoleChoice;
  },
): Promise<Result<{ runId: string }>> {
  if (!input.portalSession.microsoft) return fail(appError("unauthorized", "Sign in with Microsoft first: the move acts as you."));
  const prepared = await prepareNewPlan(engine, input.connection.id, input.actor, input.portalSession.microsoft);
  if (!prepared.ok) return prepared;
  const { session } = prepared.value;
  const started = await startRun(engine, {
    accountId: input.portalSession.accountId,
    connectionId: input.connection.id,
    kind: "migrate",
    options: {
      mode: "cloud",
      role: input.role ?? (input.connection.securityRole === "systemAdministrator" ? "systemAdministrator" : "leastPrivilege"),
      environment: input.connection.environmentUrl ?? undefined,
      requestedBy: input.portalSession.microsoft.username,
    },
    session,
    actor: input.actor,
  });
  return started.ok ? ok({ runId: started.value.id }) : started;
}

export type LegacyRefusalFacts = { runId: string; blockers: PlanBlocker[]; integrationUsername: string | null; environment: string | null };

/** The connection's latest run when it is a legacy plan the engine refused (cancelled with blockers); else null. */
export async function findLegacyRefusal(db: Db, connectionId: string): Promise<LegacyRefusalFacts | null> {
  const run = await db.provisioningRun.findFirst({
    where: { connectionId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    select: { id: true, kind: true, status: true, options: true, plan: true, approvedAt: true },
  });
  if (!run || run.kind !== "connect" || run.status !== "cancelled" || run.approvedAt) return null;
  const options = parseStoredRunOptions(run.options);
  const plan = run.plan as Plan | null;
  if (options?.mode !== "legacy" || !plan?.blockers.length) return null;
  return {
    runId: run.id,
    blockers: plan.blockers,
    integrationUsername: options.integrationUsername ?? null,
    environment: plan.environment?.url ?? null,
  };
}

/** The mode and kind of a run (the plan page's actions keep them when they plan again). */
export async function findRunShape(db: Db, runId: string): Promise<{ kind: string; mode: string; role: RoleChoice } | null> {
  const run = await db.provisioningRun.findUnique({ where: { id: runId }, select: { kind: true, options: true } });
  if (!run) return null;
  const options = parseStoredRunOptions(run.options);
  return { kind: run.kind, mode: options?.mode ?? "cloud", role: options?.role ?? "leastPrivilege" };
}
