import "server-only";
import { randomBytes } from "node:crypto";
import { apiCallerActor, type ApiCaller } from "../api-auth/app-roles";
import { recordAuditEvent } from "../domain/audit/record-audit-event";
import type { Db } from "../core/db";
import { appError, fail, ok, type Result } from "../core/errors";
import type { DeepLinkConfig } from "./deep-link-config";
import { launchUrl, signLaunchToken, type LaunchIntent } from "./launch-link";

/** Who the link is for and where it returns to (`returnTo` must be on one of the known Act-On origins). */
export type LaunchLinkRequest = { accountId: string; accountName: string; intent: LaunchIntent; userEmail: string; returnTo: string };

/** The audit action of a link minted through the API (its detail holds the nonce, so a revocation can spend it). */
export const MINTED_LINK_ACTION = "deep_link.minted";

/** Links minted through the API live 10 minutes (the launch accepts at most 15). */
const MINTED_LINK_LIFETIME_SECONDS = 10 * 60;

/**
 * Signs a launch link for an account and intent, exactly as Act-On's servers would, so Act-On can ask the portal for
 * one instead of holding the HMAC key itself. Audited with the caller; the link itself is never stored or logged.
 */
export async function mintLaunchLink(
  db: Db,
  options: { request: LaunchLinkRequest; caller: ApiCaller; config: DeepLinkConfig; now?: Date },
): Promise<Result<{ url: string; expiresAt: string }>> {
  const { request, config } = options;
  const origin = new URL(request.returnTo).origin;
  if (!config.returnOrigins.includes(origin)) {
    return fail(
      appError(
        "invalid_input",
        `returnTo must be on one of the Act-On origins this portal knows (${config.returnOrigins.join(", ") || "none configured"}).`,
      ),
    );
  }
  const now = options.now ?? new Date();
  const jti = randomBytes(18).toString("base64url");
  const expiresAt = new Date((Math.floor(now.getTime() / 1000) + MINTED_LINK_LIFETIME_SECONDS) * 1000);
  const token = await signLaunchToken({
    keys: config.keys,
    audience: config.portalBaseUrl,
    actonAccountId: request.accountId,
    accountName: request.accountName,
    userEmail: request.userEmail,
    intent: request.intent,
    returnTo: request.returnTo,
    now,
    lifetimeSeconds: MINTED_LINK_LIFETIME_SECONDS,
    jti,
  });
  const account = await db.account.findUnique({ where: { actonAccountId: request.accountId }, select: { id: true } });
  await recordAuditEvent(db, {
    actor: apiCallerActor(options.caller),
    action: MINTED_LINK_ACTION,
    accountId: account?.id ?? null,
    outcome: "success",
    // The nonce (not the link: it cannot be opened without the signature) lets a revocation spend it.
    detail: { actonAccountId: request.accountId, intent: request.intent, jti, expiresAt: expiresAt.toISOString() },
  });
  return ok({ url: launchUrl(config.portalBaseUrl, token), expiresAt: expiresAt.toISOString() });
}
