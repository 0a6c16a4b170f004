import "server-only";
import { recordAuditEvent, type AuditActor } from "../domain/audit/record-audit-event";
import type { Db } from "../core/db";
import { consumeDeepLinkNonce } from "../deep-link/consume-nonce";
import { LAUNCH_LINK_MAX_LIFETIME_SECONDS } from "../deep-link/launch-link";
import { appError, fail, ok, type Result } from "../core/errors";
import { revokeAccountSessions } from "../sessions/revoke-account-sessions";
import { RECONNECT_LINK_ACTION } from "./mint-reconnect-link";

export type RevokeCustomerAccessInput = { connectionId: string; reason: string; actor: AuditActor; now?: Date };
export type RevokedAccess = { sessions: number; links: number };

/**
 * Ends the customer's access to the portal: every open portal session of the connection's account (journey-auth's
 * revokeAccountSessions), and every reconnect link the console minted for the account that is still unused and
 * unexpired (its nonce is spent, so opening it is refused as already used). Links Act-On's own servers signed are not
 * known to the portal until used; they expire within 15 minutes.
 */
export async function revokeCustomerAccess(db: Db, input: RevokeCustomerAccessInput): Promise<Result<RevokedAccess>> {
  const now = input.now ?? new Date();
  const connection = await db.connection.findUnique({
    where: { id: input.connectionId },
    select: { id: true, account: { select: { id: true, actonAccountId: true } } },
  });
  if (!connection) return fail(appError("not_found", "There is no connection with that id."));
  const sessions = await revokeAccountSessions(connection.account.id, { db, actor: input.actor, reason: input.reason, now });

  const minted = await db.auditEvent.findMany({
    where: {
      accountId: connection.account.id,
      action: RECONNECT_LINK_ACTION,
      occurredAt: { gte: new Date(now.getTime() - LAUNCH_LINK_MAX_LIFETIME_SECONDS * 1000) },
    },
    select: { detail: true },
  });
  let links = 0;
  for (const event of minted) {
    const detail = (event.detail ?? {}) as { jti?: unknown; expiresAt?: unknown };
    if (typeof detail.jti !== "string" || typeof detail.expiresAt !== "string") continue;
    const spent = await consumeDeepLinkNonce(db, {
      nonce: detail.jti,
      actonAccountId: connection.account.actonAccountId,
      expiresAt: new Date(detail.expiresAt),
      now,
    });
    if (spent.ok) links++;
  }
  await recordAuditEvent(db, {
    actor: input.actor,
    action: "support.customer_access.revoked",
    accountId: connection.account.id,
    connectionId: connection.id,
    outcome: "success",
    detail: { sessions, links, reason: input.reason },
  });
  return ok({ sessions, links });
}
