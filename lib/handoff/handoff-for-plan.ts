import "server-only";
import type { AuditActor } from "../domain/audit/record-audit-event";
import type { Db } from "../core/db";
import { appError, fail, type Result } from "../core/errors";
import type { Plan, PlanBlocker } from "../domain/run/plan";
import type { MissingRole } from "../domain/run/plan";
import type { StepName } from "../domain/run/machine";
import { createHandoffLink, type CreatedHandoffLink, type HandoffConfig } from "./handoff-links";
import { pinOfRun } from "./handoff-standing";

/**
 * The hand-off as the plan page sees it: which roles the signed-in admin lacks (from the plan's blockers), a link for
 * a colleague who holds them (scoped to the steps that need them), and how that hand-off is going.
 */

/** The missing roles of a plan's blockers (each once), or [] when nothing a colleague could do blocks it. */
export function missingRolesOf(plan: Pick<Plan, "blockers"> | null): MissingRole[] {
  const roles = new Map<string, MissingRole>();
  for (const b of plan?.blockers ?? []) if (b.need) roles.set(b.need.kind, b.need);
  return [...roles.values()];
}

/** The steps a colleague is asked to complete, in run order, and the role they need, in words. */
function handoffScopeOf(roles: MissingRole[]): { steps: StepName[]; requiredRole: string } {
  const order: StepName[] = ["environment", "preconditions", "appRegistration", "adminConsent", "clientSecret", "applicationUser", "verify"];
  const steps = order.filter((s) => roles.some((r) => r.steps.includes(s)));
  return { steps, requiredRole: roles.map((r) => r.role).join("; and ") };
}

const isRoleBlocker = (b: PlanBlocker) => !!b.need;

/**
 * Creates a hand-off link for the connection's blocked plan: only when the latest run awaits approval and every
 * blocker is a missing role (another blocker, such as an environment not chosen, is not the colleague's to fix).
 * Nothing is written otherwise.
 */
export async function createHandoffForPlan(
  db: Db,
  input: { accountId: string; connectionId: string; runId: string; actor: AuditActor; now?: Date },
  config: HandoffConfig,
): Promise<Result<CreatedHandoffLink & { requiredRole: string }>> {
  const run = await db.provisioningRun.findFirst({
    where: { id: input.runId, connectionId: input.connectionId, connection: { accountId: input.accountId } },
    select: { id: true, status: true, plan: true, kind: true, options: true },
  });
  if (!run) return fail(appError("not_found", "That plan does not belong to this connection. Reload the page."));
  const latest = await db.provisioningRun.findFirst({
    where: { connectionId: input.connectionId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    select: { id: true },
  });
  if (run.status !== "awaitingApproval" || latest?.id !== run.id)
    return fail(appError("conflict", "This plan has changed meanwhile. Reload the page to see the current one."));
  const plan = run.plan as unknown as Plan | null;
  const roles = missingRolesOf(plan);
  if (!plan || roles.length === 0 || !plan.blockers.every(isRoleBlocker))
    return fail(appError("invalid_input", "This plan is not blocked by a missing role: there is nothing to hand off to a colleague."));
  const scope = handoffScopeOf(roles);
  const created = await createHandoffLink(
    db,
    {
      accountId: input.accountId,
      connectionId: input.connectionId,
      steps: scope.steps,
      requiredRole: scope.requiredRole,
      pin: pinOfRun(run),
      actor: input.actor,
      now: input.now,
    },
    config,
  );
  return created.ok ? { ok: true, value: { ...created.value, requiredRole: scope.requiredRole } } : created;
}

export type HandoffProgress = {
  state: "open" | "used" | "expired" | "revoked";
  requiredRole: string | null;
  steps: StepName[];
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
  /** The colleague's Microsoft account once they signed in (preferred_username), else null. */
  colleague: string | null;
};

/**
 * The connection's latest hand-off link and how far the colleague got (opened, signed in as whom), for the first
 * admin's page. Never the link itself: it is not stored.
 */
export async function findHandoffProgress(db: Db, input: { accountId: string; connectionId: string; now?: Date }): Promise<HandoffProgress | null> {
  const now = input.now ?? new Date();
  const select = { steps: true, requiredRole: true, createdAt: true, expiresAt: true, usedAt: true, revokedAt: true, usedBySessionId: true } as const;
  // A colleague at work (a link opened within its lifetime) matters more than a newer link nobody opened yet.
  const link =
    (await db.handoffLink.findFirst({
      where: { accountId: input.accountId, connectionId: input.connectionId, usedAt: { not: null }, revokedAt: null, expiresAt: { gt: now } },
      orderBy: { usedAt: "desc" },
      select,
    })) ??
    (await db.handoffLink.findFirst({
      where: { accountId: input.accountId, connectionId: input.connectionId },
      orderBy: { createdAt: "desc" },
      select,
    }));
  if (!link) return null;
  const colleague = link.usedBySessionId
    ? await db.portalSession.findUnique({ where: { id: link.usedBySessionId }, select: { msUsername: true } })
    : null;
  return {
    state: link.revokedAt ? "revoked" : link.usedAt ? "used" : link.expiresAt <= now ? "expired" : "open",
    requiredRole: link.requiredRole,
    steps: (Array.isArray(link.steps) ? link.steps : []).filter((s): s is StepName => typeof s === "string"),
    createdAt: link.createdAt.toISOString(),
    expiresAt: link.expiresAt.toISOString(),
    usedAt: link.usedAt?.toISOString() ?? null,
    colleague: colleague?.msUsername ?? null,
  };
}

/** For the colleague's pages: the role their link asks for, its steps, and who asked (their Microsoft account, if known). */
export async function findHandoffBrief(
  db: Db,
  input: { linkId: string; connectionId: string },
): Promise<{ requiredRole: string | null; steps: StepName[]; askedBy: string | null } | null> {
  const link = await db.handoffLink.findFirst({
    where: { id: input.linkId, connectionId: input.connectionId },
    select: { requiredRole: true, steps: true, createdBy: true },
  });
  if (!link) return null;
  const [tenantId, objectId] = link.createdBy.split(":");
  const asker =
    tenantId && objectId && tenantId !== "acton-user"
      ? await db.portalSession.findFirst({ where: { msTenantId: tenantId, msObjectId: objectId }, select: { msUsername: true } })
      : null;
  return {
    requiredRole: link.requiredRole,
    steps: (Array.isArray(link.steps) ? link.steps : []).filter((s): s is StepName => typeof s === "string"),
    askedBy: asker?.msUsername ?? null,
  };
}
