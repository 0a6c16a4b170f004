/**
 * Who acts on a run, and the tenant rule: a run, a retry, an approval, a cancel and a disconnect act only with a
 * Microsoft sign-in from the connection's own tenant (once it has one). Checked before any call to Microsoft. Pure.
 */
import type { AuditActor } from "../domain/audit/record-audit-event";
import { appError, type AppError } from "../core/errors";

/** The acting person: an audit actor plus the Entra tenant of their Microsoft sign-in (absent before sign-in). */
export type Actor = AuditActor & { tenantId?: string };

export type ActingVerb = "start" | "approve" | "retry" | "cancel" | "disconnect";

/**
 * Refuses an actor whose Microsoft sign-in is from another tenant than `expectedTenantId` (the connection's, or the
 * run's while the connection has none). Admins must be signed in; support staff and the system may only cancel.
 */
export function checkActingTenant(actor: Actor, expectedTenantId: string | null, verb: ActingVerb): AppError | null {
  if (actor.type !== "admin") {
    if (verb === "cancel") return null;
    return appError("forbidden", `Only the customer's administrator, signed in with Microsoft, can ${verb} this setup.`);
  }
  if (!expectedTenantId) return null;
  if (!actor.tenantId) return appError("unauthorized", `Sign in with Microsoft (an account of tenant ${expectedTenantId}) to ${verb} this setup.`);
  if (actor.tenantId.toLowerCase() !== expectedTenantId.toLowerCase()) {
    return appError(
      "forbidden",
      `This connection belongs to Microsoft tenant ${expectedTenantId}, but you are signed in to tenant ${actor.tenantId}. Sign in with an account of tenant ${expectedTenantId} to ${verb} it.`,
      { detail: `tenant mismatch: expected ${expectedTenantId}, got ${actor.tenantId}` },
    );
  }
  return null;
}

/** The audit actor of an Actor (the tenant goes into the event's detail, never into the actor id twice). */
export function auditActorOf(actor: Actor): AuditActor {
  return { type: actor.type, id: actor.id };
}
