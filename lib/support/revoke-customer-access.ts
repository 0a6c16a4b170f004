import "server-only";
import { closeLaunchLinks } from "../domain/account/close-launch-links";
import { recordAuditEvent, type AuditActor } from "../domain/audit/record-audit-event";
import { forgetAdminSessionsOf } from "../domain/session/admin-sign-in";
import type { Db } from "../core/db";
import type { RunStatus } from "../domain/run/machine";
import { consumeDeepLinkNonce } from "../deep-link/consume-nonce";
import { LAUNCH_LINK_MAX_LIFETIME_SECONDS } from "../deep-link/launch-link";
import { MINTED_LINK_ACTION } from "../deep-link/mint-launch-link";
import { appError, fail, ok, type Result } from "../core/errors";
import { revokeAccountHandoffLinks } from "../handoff/handoff-links";
import type { Engine } from "../provisioning/engine";
import { cancelRun } from "../provisioning/retry-run";
import { getPortalEngine } from "../provisioning/run-pool";
import { revokeAccountSessions } from "../sessions/revoke-account-sessions";
import { RECONNECT_LINK_ACTION } from "./mint-reconnect-link";

export type RevokeCustomerAccessInput = { connectionId: string; reason: string; actor: AuditActor; now?: Date };
export type RevokedAccess = {
  /** Portal sessions ended (Act-On's and colleagues' hand-off sessions). */
  sessions: number;
  /** Unused launch links the portal minted (console and /api/v1/deep-links) whose nonce was spent. */
  links: number;
  /** Every launch link signed at or before this time (give or take the clocks' allowed 30 s) is refused from now on, whoever signed it. */
  launchLinksValidFrom: string;
  /** Hand-off links withdrawn (unused ones, and used ones whose colleague could otherwise still act). */
  handoffLinks: number;
  /** Stored Microsoft sign-ins of the account's connections forgotten. */
  adminSignIns: number;
  /** Plans waiting for approval (or being prepared) cancelled; their connections are back as they were. */
  cancelledRuns: number;
};

/** Runs that would otherwise still be there to approve once someone is back in. */
const WAITING_RUN_STATUSES: RunStatus[] = ["planning", "awaitingApproval"];

/**
 * Ends every way the customer's account has into the portal and its tenant, for all the account's connections:
 * - every open portal session (revokeAccountSessions), hand-off sessions included;
 * - every launch link signed until now, through an account-level cutoff on `iat`, so links Act-On's servers signed and
 *   the portal never saw are refused too; the links the portal minted itself and that are still unused also have
 *   their nonce spent (counted);
 * - every hand-off link still within its lifetime;
 * - every run waiting for approval, cancelled through the engine's cancel (the connection's status is restored);
 * - every stored Microsoft sign-in (after the cancels, which forget their own connection's).
 * One audit row says how many of each.
 */
export async function revokeCustomerAccess(
  db: Db,
  input: RevokeCustomerAccessInput,
  engine: Engine = getPortalEngine(),
): Promise<Result<RevokedAccess>> {
  const now = input.now ?? new Date();
  const connection = await db.connection.findUnique({
    where: { id: input.connectionId },
    select: { id: true, account: { select: { id: true, actonAccountId: true, connections: { select: { id: true } } } } },
  });
  if (!connection) return fail(appError("not_found", "There is no connection with that id."));
  const { account } = connection;
  const connectionIds = account.connections.map((c) => c.id);

  // First the doors: no new session can open from a link signed until now, and none stays open.
  await closeLaunchLinks(db, { accountId: account.id, at: now });
  const sessions = await revokeAccountSessions(account.id, { db, actor: input.actor, reason: input.reason, now });
  const links = await spendMintedLaunchLinks(db, { accountId: account.id, actonAccountId: account.actonAccountId, now });
  const handoffLinks = await revokeAccountHandoffLinks(db, { accountId: account.id, actor: input.actor, now });

  // Then what a returning person could pick up: plans to approve, and the sign-ins they would run with.
  const adminSignInsBefore = await db.secret.count({ where: { connectionId: { in: connectionIds }, kind: "adminTokenCache", status: "active" } });
  const waiting = await db.provisioningRun.findMany({
    where: { connectionId: { in: connectionIds }, status: { in: WAITING_RUN_STATUSES } },
    select: { id: true },
  });
  let cancelledRuns = 0;
  for (const run of waiting) {
    const cancelled = await cancelRun({ ...engine, db }, { runId: run.id, actor: input.actor });
    if (cancelled.ok) cancelledRuns++;
  }
  await forgetAdminSessionsOf(db, { connectionIds, at: now });

  const revoked: RevokedAccess = {
    sessions,
    links,
    launchLinksValidFrom: now.toISOString(),
    handoffLinks,
    adminSignIns: adminSignInsBefore,
    cancelledRuns,
  };
  await recordAuditEvent(db, {
    actor: input.actor,
    action: "support.customer_access.revoked",
    accountId: account.id,
    connectionId: connection.id,
    outcome: "success",
    detail: { ...revoked, connections: connectionIds.length, reason: input.reason },
  });
  return ok(revoked);
}

/**
 * Spends the nonce of every launch link the portal minted for the account (support console and /api/v1/deep-links)
 * that may still be unexpired; counts those that were still unused. The `iat` cutoff already refuses them: spending
 * them answers "how many were out there".
 */
async function spendMintedLaunchLinks(db: Db, input: { accountId: string; actonAccountId: string; now: Date }): Promise<number> {
  const minted = await db.auditEvent.findMany({
    where: {
      accountId: input.accountId,
      action: { in: [RECONNECT_LINK_ACTION, MINTED_LINK_ACTION] },
      occurredAt: { gte: new Date(input.now.getTime() - LAUNCH_LINK_MAX_LIFETIME_SECONDS * 1000) },
    },
    select: { detail: true },
  });
  let spent = 0;
  for (const event of minted) {
    const detail = (event.detail ?? {}) as { jti?: unknown; expiresAt?: unknown };
    if (typeof detail.jti !== "string" || typeof detail.expiresAt !== "string") continue;
    const consumed = await consumeDeepLinkNonce(db, {
      nonce: detail.jti,
      actonAccountId: input.actonAccountId,
      expiresAt: new Date(detail.expiresAt),
      now: input.now,
    });
    if (consumed.ok) spent++;
  }
  return spent;
}
