import "server-only";
import { recordAuditEvent, type AuditActor } from "../domain/audit/record-audit-event";
import { getDb, type Db } from "../core/db";
import { revokeSessionsOfAccount } from "./portal-sessions";

export type RevokeAccountSessionsOptions = {
  db?: Db;
  /** Who asked (support staff); recorded in the audit log. */
  actor?: AuditActor;
  reason?: string;
  now?: Date;
};

/**
 * Ends every open portal session of an account (support's "sign everyone out"): their next request finds no
 * session and is sent back to Act-On for a new link. Returns how many sessions were open.
 */
export async function revokeAccountSessions(accountId: string, options: RevokeAccountSessionsOptions = {}): Promise<number> {
  const db = options.db ?? getDb();
  const count = await revokeSessionsOfAccount(db, accountId, options.reason ?? "revoked", options.now);
  await recordAuditEvent(db, {
    actor: options.actor ?? { type: "system", id: "portal" },
    action: "session.revoked",
    accountId,
    outcome: "success",
    detail: { sessions: count, reason: options.reason ?? "revoked" },
  });
  return count;
}
