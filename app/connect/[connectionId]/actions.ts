"use server";
/**
 * The journey's server actions. Next.js checks each action request's Origin against the host (CSRF); every action
 * then validates its input with zod, checks the session and that the connection belongs to the session's account,
 * and answers bad input with a message while changing nothing.
 */
import { redirect } from "next/navigation";
import { recordAuditEvent } from "@/lib/domain/audit/record-audit-event";
import { getDb } from "@/lib/core/db";
import type { Result } from "@/lib/core/errors";
import { toChecklist, type RetryState } from "@/lib/connect/checklist";
import { loadOwnAdminSession, loadStoredAdminSession } from "@/lib/connect/admin-environments";
import { authorizeRequest } from "@/lib/connect/authorize";
import { createHandoffForPlan } from "@/lib/handoff/handoff-for-plan";
import { handoffConfigFromEnv } from "@/lib/handoff/handoff-config";
import type { JourneyAction } from "@/lib/handoff/handoff-scope";
import { startVerification } from "@/lib/provisioning/start-verification";
import type { HandoffLinkState } from "./plan/handoff-link.types";
import { journeyPath } from "@/lib/connect/journey-page";
import { getPortalEngine, getRunViewForViewer, type JourneyConnection } from "@/lib/connect/engine";
import { findRunShape } from "@/lib/connect/legacy";
import { cancelPlanKeepingSignIn } from "@/lib/connect/replace-plan";
import { saveSyncOptions } from "@/lib/domain/connection/commands";
import { findRunOptions } from "@/lib/domain/run/run-store";
import { approveRun } from "@/lib/provisioning/approve-run";
import { retryRun } from "@/lib/provisioning/retry-run";
import { startPlan } from "@/lib/connect/start-plan";
import { adminActor, type PortalSessionView } from "@/lib/sessions/current-session";
import type { Prisma } from "@/generated/sqlite/client";
import { approveFormSchema, environmentFormSchema, runFormSchema, type RoleChoice } from "./form-schemas";
import { fieldErrorsOf, firstProblem, formFields, type FormState } from "@/lib/core/forms";
import { syncOptionsFromForm, syncOptionsSchema } from "@/lib/connections/sync-options.schema";

type Guarded = { session: PortalSessionView; connection: JourneyConnection };

/**
 * The session and the connection as the session's account may see it, or why not; a colleague's hand-off session only
 * for the actions its link allows (lib/handoff/handoff-scope.ts).
 */
function guard(connectionId: unknown, action: JourneyAction): Promise<Result<Guarded>> {
  return authorizeRequest(connectionId, action);
}

/** Starts a run for the chosen environment: the engine reads what exists and stores the plan; nothing is written yet. */
export async function chooseEnvironmentAction(connectionId: string, _state: FormState, form: FormData): Promise<FormState> {
  const parsed = environmentFormSchema.safeParse(formFields(form));
  if (!parsed.success) {
    return { status: "error", message: firstProblem(parsed.error), fieldErrors: fieldErrorsOf(parsed.error) };
  }
  const g = await guard(connectionId, "chooseEnvironment");
  if (!g.ok) return { status: "error", message: g.error.userMessage };
  const started = await startPlan(g.value, { environment: parsed.data.environment, role: "leastPrivilege" });
  if (!started.ok) return { status: "error", message: started.error.userMessage };
  redirect(journeyPath(g.value.connection.id, "plan"));
}

/** Approves the plan and starts the run at once; a different role choice first recomputes the plan to review. */
export async function approvePlanAction(connectionId: string, _state: FormState, form: FormData): Promise<FormState> {
  const parsed = approveFormSchema.safeParse(formFields(form));
  if (!parsed.success) return { status: "error", message: firstProblem(parsed.error) };
  const g = await guard(connectionId, "approvePlan");
  if (!g.ok) return { status: "error", message: g.error.userMessage };
  const engine = getPortalEngine();
  const run = await getRunViewForViewer(engine.db, parsed.data.runId, { kind: "account", accountId: g.value.session.accountId });
  if (!run.ok || run.value.connection.id !== g.value.connection.id)
    return { status: "error", message: "That plan does not belong to this connection. Reload the page." };
  if (run.value.status !== "awaitingApproval") redirect(journeyPath(g.value.connection.id, "progress"));
  // The plan acts with the sign-in stored for it: only its owner approves (never the first admin with a colleague's).
  const ownSession = await loadOwnAdminSession(g.value.connection.id, g.value.session);
  if (!ownSession)
    return { status: "error", message: "This plan was prepared with another person's Microsoft sign-in. Check it again as you before approving." };
  const shape = await findRunShape(engine.db, run.value.id);
  const plannedSecret = (await findRunOptions(engine.db, run.value.id))?.secret;
  const currentRole = shape?.role ?? "leastPrivilege";
  if (currentRole !== parsed.data.role) {
    if (shape?.mode === "legacy") {
      // The password is kept for the run that was given it, never for a new plan: the legacy form asks for it again.
      const cancelled = await cancelPlanKeepingSignIn(engine, {
        runId: run.value.id,
        connectionId: g.value.connection.id,
        actor: adminActor(g.value.session),
        session: ownSession,
      });
      if (!cancelled.ok) return { status: "error", message: cancelled.error.userMessage };
      redirect(`/connect/${encodeURIComponent(g.value.connection.id)}/legacy?role=${parsed.data.role}`);
    }
    const replanned = await startPlan(g.value, {
      environment: run.value.plan?.environment?.url ?? undefined,
      role: parsed.data.role,
      secret: plannedSecret,
      kind: run.value.kind === "migrate" ? "migrate" : "connect",
    });
    if (!replanned.ok) return { status: "error", message: replanned.error.userMessage };
    redirect(`${journeyPath(g.value.connection.id, "plan")}?updated=role`);
  }
  const approved = await approveRun(engine, { runId: run.value.id, actor: adminActor(g.value.session) });
  if (!approved.ok) return { status: "error", message: approved.error.userMessage };
  redirect(journeyPath(g.value.connection.id, "progress"));
}

/** Computes the plan again for the same environment (after the admin fixed a blocker). */
export async function recheckPlanAction(connectionId: string, form: FormData): Promise<void> {
  const parsed = runFormSchema.safeParse(formFields(form));
  const g = await guard(connectionId, "recheckPlan");
  if (!g.ok) redirect("/");
  if (parsed.success) {
    // The environment, role and kind are the plan's own, never the form's: a colleague's hand-off cannot move the
    // connection. A move to OAuth stays a move; a legacy plan needs its password again (its own form).
    const engine = getPortalEngine();
    const run = await engine.db.provisioningRun.findFirst({
      where: { id: parsed.data.runId, connectionId: g.value.connection.id },
      select: { plan: true },
    });
    const shape = run ? await findRunShape(engine.db, parsed.data.runId) : null;
    if (shape?.mode === "legacy") redirect(`/connect/${encodeURIComponent(g.value.connection.id)}/legacy`);
    if (run && shape) {
      const options = await findRunOptions(engine.db, parsed.data.runId);
      const plannedUrl = (run.plan as { environment?: { url?: string } | null } | null)?.environment?.url;
      const rechecked = await startPlan(g.value, {
        environment: plannedUrl ?? options?.environment,
        role: shape.role,
        secret: options?.secret,
        kind: shape.kind === "migrate" ? "migrate" : "connect",
      });
      if (!rechecked.ok) redirect(`${journeyPath(g.value.connection.id, "plan")}?recheck=${rechecked.error.code}`);
    }
  }
  redirect(journeyPath(g.value.connection.id, "plan"));
}

/**
 * Repair a broken part: a new plan for the connection's environment in which every step reuses what still exists and
 * the live client secret is kept, so the plan lists only what is missing (a deleted application user, a withdrawn
 * consent, a removed secret).
 */
export async function repairConnectionAction(connectionId: string): Promise<void> {
  const g = await guard(connectionId, "repair");
  if (!g.ok) redirect("/");
  const planned = await startPlan(g.value, {
    environment: g.value.connection.environmentUrl ?? undefined,
    role: roleOf(g.value.connection),
    secret: "keep",
  });
  redirect(planned.ok ? journeyPath(g.value.connection.id, "plan") : `${journeyPath(g.value.connection.id, "status")}?offer=${planned.error.code}`);
}

/** Re-run verification: the stored credential signs in and calls WhoAmI (nothing changes at Microsoft). */
export async function verifyConnectionAction(connectionId: string): Promise<void> {
  const g = await guard(connectionId, "verify");
  if (!g.ok) redirect("/");
  const started = await startVerification(getPortalEngine(), { connectionId: g.value.connection.id, actor: adminActor(g.value.session) });
  redirect(
    started.ok ? journeyPath(g.value.connection.id, "progress") : `${journeyPath(g.value.connection.id, "status")}?offer=${started.error.code}`,
  );
}

/**
 * Start over: the environment picker again, then a full plan (a new client secret; the working connection stays as it
 * is until the new setup is verified). Needs the admin's own sign-in.
 */
export async function startOverAction(connectionId: string): Promise<void> {
  const g = await guard(connectionId, "startOver");
  if (!g.ok) redirect("/");
  if (!(await loadOwnAdminSession(g.value.connection.id, g.value.session))) redirect(journeyPath(g.value.connection.id, "sign-in"));
  redirect(`${journeyPath(g.value.connection.id, "environment")}?again=1`);
}

/**
 * The signed-in person lacks a role the plan needs: a single-use hand-off link (24 h by default) for a colleague who
 * holds it, scoped to this connection and the steps that need them. The link is answered once and never stored.
 */
export async function createHandoffLinkAction(connectionId: string, _state: HandoffLinkState, form: FormData): Promise<HandoffLinkState> {
  const parsed = runFormSchema.safeParse(formFields(form));
  if (!parsed.success) return { status: "error", message: firstProblem(parsed.error) };
  const g = await guard(connectionId, "createHandoff");
  if (!g.ok) return { status: "error", message: g.error.userMessage };
  const config = handoffConfigFromEnv();
  if (!config.ok) return { status: "error", message: config.error.userMessage };
  const created = await createHandoffForPlan(
    getDb(),
    { accountId: g.value.session.accountId, connectionId: g.value.connection.id, runId: parsed.data.runId, actor: adminActor(g.value.session) },
    config.value,
  );
  if (!created.ok) return { status: "error", message: created.error.userMessage };
  return {
    status: "success",
    link: {
      url: created.value.url,
      expiresAt: created.value.expiresAt.toISOString(),
      validForHours: Math.round(config.value.ttlMs / 3_600_000),
      requiredRole: created.value.requiredRole,
    },
  };
}

const roleOf = (c: JourneyConnection): RoleChoice => (c.securityRole === "systemAdministrator" ? "systemAdministrator" : "leastPrivilege");

/** Throws the plan away and goes back to the environment picker. */
export async function changeEnvironmentAction(connectionId: string, form: FormData): Promise<void> {
  const parsed = runFormSchema.safeParse(formFields(form));
  const g = await guard(connectionId, "changeEnvironment");
  if (!g.ok || !parsed.success) redirect("/");
  const engine = getPortalEngine();
  const run = await getRunViewForViewer(engine.db, parsed.data.runId, { kind: "account", accountId: g.value.session.accountId });
  const shape = run.ok ? await findRunShape(engine.db, run.value.id) : null;
  if (run.ok && run.value.connection.id === g.value.connection.id && run.value.status === "awaitingApproval") {
    // Keep the admin's sign-in: cancelling forgets it, but choosing another environment still acts as them.
    const adminSession = await loadOwnAdminSession(g.value.connection.id, g.value.session);
    if (!adminSession) redirect(journeyPath(g.value.connection.id, "sign-in"));
    await cancelPlanKeepingSignIn(engine, {
      runId: run.value.id,
      connectionId: g.value.connection.id,
      actor: adminActor(g.value.session),
      session: adminSession,
    });
  }
  // Back to where this kind of run chooses its environment: the legacy form, the move to OAuth, or the picker.
  const id = encodeURIComponent(g.value.connection.id);
  if (shape?.mode === "legacy") redirect(`/connect/${id}/legacy`);
  if (shape?.kind === "migrate") redirect(`/connect/${id}/migrate`);
  redirect(journeyPath(g.value.connection.id, "environment"));
}

/** Retries the failed step with the engine's retry (finished steps are not redone) and wakes the run. */
export async function retryRunAction(connectionId: string, form: FormData): Promise<RetryState> {
  const parsed = runFormSchema.safeParse(formFields(form));
  if (!parsed.success) return { status: "error", message: firstProblem(parsed.error) };
  const g = await guard(connectionId, "retryRun");
  if (!g.ok) return { status: "error", message: g.error.userMessage };
  const engine = getPortalEngine();
  const viewer = { kind: "account" as const, accountId: g.value.session.accountId };
  const run = await getRunViewForViewer(engine.db, parsed.data.runId, viewer);
  if (!run.ok || run.value.connection.id !== g.value.connection.id)
    return { status: "error", message: "That run does not belong to this connection. Reload the page." };
  // A retry acts as the person who clicks it: with their own sign-in, never one stored by someone else.
  const own = await loadOwnAdminSession(g.value.connection.id, g.value.session);
  if (!own && (await loadStoredAdminSession(g.value.connection.id)))
    return { status: "error", message: "Sign in with Microsoft first: the retry acts as you, not as the person who signed in last." };
  const retried = await retryRun(engine, { runId: run.value.id, actor: adminActor(g.value.session), session: own });
  if (!retried.ok) return { status: "error", message: retried.error.userMessage };
  return { status: "success", snapshot: toChecklist(retried.value, { adminSignedIn: true }) };
}

/** Saves Act-On's sync options on the connection (validated by the same schema as the form). */
export async function saveSyncOptionsAction(connectionId: string, _state: FormState, form: FormData): Promise<FormState> {
  const parsed = syncOptionsSchema.safeParse(syncOptionsFromForm(form));
  if (!parsed.success) return { status: "error", message: "Some sync options need your attention.", fieldErrors: fieldErrorsOf(parsed.error) };
  const g = await guard(connectionId, "saveSyncOptions");
  if (!g.ok) return { status: "error", message: g.error.userMessage };
  if (g.value.connection.status !== "active") return { status: "error", message: "Sync options can be saved once the connection is active." };
  const db = getDb();
  await saveSyncOptions(db, { connectionId: g.value.connection.id, syncOptions: parsed.data as unknown as Prisma.InputJsonObject });
  await recordAuditEvent(db, {
    actor: adminActor(g.value.session),
    action: "connection.syncOptionsSaved",
    accountId: g.value.session.accountId,
    connectionId: g.value.connection.id,
    outcome: "success",
    detail: { records: parsed.data.records, scoreTarget: parsed.data.score.target, intervalHours: parsed.data.schedule.intervalHours },
  });
  redirect(journeyPath(g.value.connection.id, "status"));
}
