import "server-only";
import { apiCallerActor, type ApiCaller } from "../api-auth/app-roles";
import { recordAuditEvent } from "../domain/audit/record-audit-event";
import type { Db } from "../core/db";
import { appError, fail, ok, type Result } from "../core/errors";
import type { DeepLinkConfig } from "./deep-link-config";
import { launchUrl, signLaunchToken, type LaunchIntent } from "./launch-link";

/** Who the link is for and where it returns to (`returnTo` must be on one of the known Act-On origins). */
export type LaunchLinkRequest = { accountId: string; accountName: string; intent: LaunchIntent; userEmail: string; returnTo: string };

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
  });
  const account = await db.account.findUnique({ where: { actonAccountId: request.accountId }, select: { id: true } });
  await recordAuditEvent(db, {
    actor: apiCallerActor(options.caller),
    action: "deep_link.minted",
    accountId: account?.id ?? null,
    outcome: "success",
    detail: { actonAccountId: request.accountId, intent: request.intent },
  });
  return ok({
    url: launchUrl(config.portalBaseUrl, token),
    expiresAt: new Date((Math.floor(now.getTime() / 1000) + MINTED_LINK_LIFETIME_SECONDS) * 1000).toISOString(),
  });
}
