import "server-only";
import { randomBytes } from "node:crypto";
import { recordAuditEvent, type AuditActor } from "../domain/audit/record-audit-event";
import type { Db } from "../core/db";
import type { DeepLinkConfig } from "../deep-link/deep-link-config";
import { LAUNCH_LINK_MAX_LIFETIME_SECONDS, launchUrl, signLaunchToken } from "../deep-link/launch-link";
import { appError, fail, ok, type Result } from "../core/errors";

export const RECONNECT_LINK_ACTION = "support.reconnect_link.minted";

export type MintReconnectLinkInput = { connectionId: string; userEmail: string; actor: AuditActor; config: DeepLinkConfig; now?: Date };
export type ReconnectLink = { url: string; expiresAt: string };

/**
 * Mints the Act-On launch link a support person sends a customer admin to reconnect: the same signed, single-use
 * `reconnect` link Act-On's servers make (journey-auth's signer), valid for the longest time a link may live. The audit
 * event records who minted it for whom and its nonce (so revocation can spend it), never the link itself.
 */
export async function mintReconnectLink(db: Db, input: MintReconnectLinkInput): Promise<Result<ReconnectLink>> {
  const now = input.now ?? new Date();
  const connection = await db.connection.findUnique({
    where: { id: input.connectionId },
    select: { id: true, account: { select: { id: true, actonAccountId: true, name: true } } },
  });
  if (!connection) return fail(appError("not_found", "There is no connection with that id."));
  const returnOrigin = input.config.returnOrigins[0];
  if (!returnOrigin) {
    return fail(
      appError("internal", "The portal has no Act-On return address configured (ACTON_RETURN_ORIGINS), so it cannot mint links.", {
        detail: "ACTON_RETURN_ORIGINS is empty",
      }),
    );
  }
  const jti = randomBytes(18).toString("base64url");
  const expiresAt = new Date(Math.floor(now.getTime() / 1000) * 1000 + LAUNCH_LINK_MAX_LIFETIME_SECONDS * 1000);
  const token = await signLaunchToken({
    keys: input.config.keys,
    audience: input.config.portalBaseUrl,
    actonAccountId: connection.account.actonAccountId,
    accountName: connection.account.name,
    userEmail: input.userEmail,
    intent: "reconnect",
    // Scoped: the session it opens is bound to this connection, whatever else the account holds.
    connectionId: connection.id,
    returnTo: `${returnOrigin.replace(/\/+$/, "")}/`,
    now,
    lifetimeSeconds: LAUNCH_LINK_MAX_LIFETIME_SECONDS,
    jti,
  });
  await recordAuditEvent(db, {
    actor: input.actor,
    action: RECONNECT_LINK_ACTION,
    accountId: connection.account.id,
    connectionId: connection.id,
    outcome: "success",
    detail: { jti, recipient: input.userEmail, expiresAt: expiresAt.toISOString() },
  });
  return ok({ url: launchUrl(input.config.portalBaseUrl, token), expiresAt: expiresAt.toISOString() });
}
