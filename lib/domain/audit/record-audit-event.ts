import "server-only";
import type { Db } from "../../core/db";
import { redact } from "../../core/log";

export type AuditActor = { type: "admin" | "support" | "acton" | "system"; id: string };

export type AuditEventInput = {
  actor: AuditActor;
  /** Dotted verb, e.g. `connection.created`, `run.approved`, `secret.rotated`. */
  action: string;
  accountId?: string | null;
  connectionId?: string | null;
  runId?: string | null;
  outcome?: "success" | "failure" | null;
  /** Codes and identifiers only. Passed through the log redactor, so a secret given by mistake is not stored. */
  detail?: Record<string, unknown> | null;
};

/** Appends one event to the audit log. There is no update or delete: the table refuses both. */
export async function recordAuditEvent(db: Pick<Db, "auditEvent">, event: AuditEventInput): Promise<{ id: string }> {
  return db.auditEvent.create({
    data: {
      actorType: event.actor.type,
      actorId: event.actor.id,
      action: event.action,
      accountId: event.accountId ?? null,
      connectionId: event.connectionId ?? null,
      runId: event.runId ?? null,
      outcome: event.outcome ?? null,
      detail: event.detail ? (redact(event.detail) as object) : undefined,
    },
    select: { id: true },
  });
}

/** A connection's history, newest first (support console). */
export async function listAuditEvents(db: Db, filter: { connectionId?: string; accountId?: string; take?: number }) {
  return db.auditEvent.findMany({
    where: { connectionId: filter.connectionId, accountId: filter.accountId },
    orderBy: { occurredAt: "desc" },
    take: Math.min(filter.take ?? 100, 500),
  });
}
