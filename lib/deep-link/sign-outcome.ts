import "server-only";
import { getDb, type Db } from "../core/db";
import { appError, fail, ok, type Result } from "../core/errors";
import type { PortalSessionView } from "../sessions/session-view";
import { deepLinkConfigFromEnv, type DeepLinkConfig } from "./deep-link-config";
import { appendOutcome, signOutcomeToken } from "./outcome-token";

export type ReturnToActOnOptions = { db?: Db; config?: DeepLinkConfig; now?: Date };

/**
 * The URL "Return to Act-On" goes to: the session's verified return URL with the connection's outcome appended as a
 * signed JWS (`acton_outcome`), so Act-On trusts it without calling the portal. Signed at the moment of the click
 * (the token lives 5 minutes): link to /return-to-acton rather than rendering this URL into a page.
 */
export async function getReturnToActOnUrl(session: PortalSessionView, options: ReturnToActOnOptions = {}): Promise<Result<string>> {
  const db = options.db ?? getDb();
  if (!session.returnTo || !session.connectionId) {
    return fail(appError("not_found", "This visit did not come from Act-On, so there is no Act-On page to return to. Open Act-On in another tab."));
  }
  let cfg = options.config;
  if (!cfg) {
    const fromEnv = deepLinkConfigFromEnv();
    if (!fromEnv.ok) return fail(fromEnv.error);
    cfg = fromEnv.value;
  }
  // ACTON_RETURN_ORIGINS may have changed since the link was verified: check the origin again.
  if (!cfg.returnOrigins.includes(new URL(session.returnTo).origin)) {
    return fail(appError("link_return_not_allowed", "The Act-On page this visit came from is no longer allowed. Open Act-On in another tab."));
  }
  const connection = await db.connection.findFirst({
    where: { id: session.connectionId, accountId: session.accountId },
    select: { id: true, status: true },
  });
  if (!connection) return fail(appError("not_found", "This connection no longer exists. Open the Dynamics connector in Act-On again."));
  const token = await signOutcomeToken({
    keys: cfg.keys,
    portalBaseUrl: cfg.portalBaseUrl,
    returnTo: session.returnTo,
    actonAccountId: session.actonAccountId,
    connectionId: connection.id,
    status: connection.status,
    now: options.now,
  });
  return ok(appendOutcome(session.returnTo, token));
}
