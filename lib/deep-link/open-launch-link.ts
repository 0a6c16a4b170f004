import "server-only";
import { ensureAccount } from "../domain/account/ensure-account";
import { recordAuditEvent } from "../domain/audit/record-audit-event";
import { createConnection } from "../domain/connection/create-connection";
import type { Db } from "../core/db";
import { appError, type AppError } from "../core/errors";
import { createPortalSession, findSessionByToken, revokePortalSession } from "../sessions/portal-sessions";
import { hashToken } from "../sessions/session-token";
import type { PortalSessionView, SessionLifetimes } from "../sessions/session-view";
import { consumeDeepLinkNonce } from "./consume-nonce";
import type { DeepLinkConfig } from "./deep-link-config";
import { CLOCK_TOLERANCE_SECONDS, LINK_REFUSALS, verifyLaunchLink } from "./launch-link";

export type OpenLaunchLinkInput = {
  /** The `t` parameter of /launch. */
  token: string;
  /** The browser's current `portal_session` cookie, if any. */
  cookieToken?: string | null;
  config: DeepLinkConfig;
  lifetimes: SessionLifetimes;
  now?: Date;
};

export type OpenLaunchLinkResult =
  /** A new session: set the cookie to `sessionToken` (expiring at `expiresAt`). */
  | { kind: "opened"; sessionToken: string; expiresAt: Date; session: PortalSessionView }
  /** The same link reopened in the browser that holds its session: keep the cookie. */
  | { kind: "continued"; session: PortalSessionView }
  | { kind: "refused"; error: AppError };

/**
 * Exchanges an Act-On launch link for a portal session: verify the link, consume its single-use nonce, find or create
 * the account and its connection (the latest one not disconnected, else a new draft cloud connection), then open the
 * session. A refused link writes nothing but its audit event.
 */
export async function openLaunchLink(db: Db, input: OpenLaunchLinkInput): Promise<OpenLaunchLinkResult> {
  const now = input.now ?? new Date();
  const verification = await verifyLaunchLink(input.token, {
    keys: input.config.keys,
    audience: input.config.portalBaseUrl,
    returnOrigins: input.config.returnOrigins,
    now,
  });

  const trustedJti = verification.ok ? verification.claims.jti : verification.trusted?.jti;
  // Reopening (back button, a second click in Act-On's tab) the link this browser already exchanged continues that
  // session, even once the link itself has expired: the signature was valid and the cookie proves the browser.
  // Only looked at (never touched) here: a refused link writes nothing but its audit event.
  const existing =
    input.cookieToken && trustedJti ? await findSessionByToken(db, input.cookieToken, { lifetimes: input.lifetimes, now, touch: false }) : null;
  const continues =
    existing?.kind === "active" &&
    trustedJti &&
    existing.linkJtiHash === hashToken(trustedJti) &&
    (verification.ok || verification.error.code === "link_expired");
  if (continues) return { kind: "continued", session: existing.session };

  if (!verification.ok) {
    await recordRefusal(db, verification.error, verification.trusted?.actonAccountId ?? null);
    return { kind: "refused", error: verification.error };
  }
  const claims = verification.claims;
  if (await isIssuedBeforeRevocation(db, claims.actonAccountId, claims.issuedAt)) {
    const error = appError("link_expired", LINK_REFUSALS.link_expired, { detail: "issued before support revoked the account's access" });
    await recordRefusal(db, error, claims.actonAccountId);
    return { kind: "refused", error };
  }
  const consumed = await consumeDeepLinkNonce(db, { nonce: claims.jti, actonAccountId: claims.actonAccountId, expiresAt: claims.expiresAt, now });
  if (!consumed.ok) {
    const error =
      consumed.error.code === "link_replayed"
        ? { ...consumed.error, userMessage: LINK_REFUSALS.link_replayed, detail: "jti already used" }
        : consumed.error;
    await recordRefusal(db, error, claims.actonAccountId);
    return { kind: "refused", error };
  }

  const account = await ensureAccount(db, { actonAccountId: claims.actonAccountId, name: claims.accountName });
  const connectionId = claims.connectionId ? await namedConnection(db, account.id, claims.connectionId) : await connectionFor(db, account.id);
  if (!connectionId) {
    const error = appError("link_malformed", LINK_REFUSALS.link_malformed, { detail: "connection_id is not a connection of the account" });
    await recordRefusal(db, error, claims.actonAccountId);
    return { kind: "refused", error };
  }
  if (existing?.kind === "active") await revokePortalSession(db, existing.session.id, "replaced by a new link", now);
  const { token, session } = await createPortalSession(db, {
    accountId: account.id,
    connectionId,
    intent: claims.intent,
    returnTo: claims.returnTo,
    actonUserEmail: claims.userEmail,
    environmentHint: claims.environmentUrl,
    linkJti: claims.jti,
    lifetimes: input.lifetimes,
    now,
  });
  await recordAuditEvent(db, {
    actor: { type: "admin", id: `acton-user:${claims.userEmail}` },
    action: "session.opened",
    accountId: account.id,
    connectionId,
    outcome: "success",
    detail: { intent: claims.intent, returnOrigin: new URL(claims.returnTo).origin, environmentUrl: claims.environmentUrl ?? undefined },
  });
  const expiresAt = new Date(now.getTime() + input.lifetimes.absoluteMs);
  return { kind: "opened", sessionToken: token, expiresAt, session };
}

/**
 * True when support revoked the account's access at or after the link was signed (`iat`): the link is refused like an
 * expired one, whoever signed it (Act-On's servers, /api/v1/deep-links or the support console). The clocks' allowed
 * difference counts against the link: one Act-On signed just before the revocation on a clock running ahead would
 * otherwise carry an `iat` after it (a new link works again half a minute after the revocation).
 */
async function isIssuedBeforeRevocation(db: Db, actonAccountId: string, issuedAt: Date): Promise<boolean> {
  const account = await db.account.findUnique({ where: { actonAccountId }, select: { launchLinksValidFrom: true } });
  const cutoff = account?.launchLinksValidFrom;
  return !!cutoff && issuedAt.getTime() <= cutoff.getTime() + CLOCK_TOLERANCE_SECONDS * 1000;
}

/** The connection a portal-signed link names, when it is the account's; null otherwise. */
async function namedConnection(db: Db, accountId: string, connectionId: string): Promise<string | null> {
  const row = await db.connection.findFirst({ where: { id: connectionId, accountId }, select: { id: true } });
  return row?.id ?? null;
}

async function connectionFor(db: Db, accountId: string): Promise<string> {
  const latest = await db.connection.findFirst({
    where: { accountId, status: { not: "disconnected" } },
    orderBy: { createdAt: "desc" },
    select: { id: true },
  });
  if (latest) return latest.id;
  return (await createConnection(db, { accountId, authMode: "cloud" })).id;
}

/**
 * A launch request that carries no token never reaches verification; it is still refused as a malformed link and
 * audited like every other refusal (an unverified caller).
 */
export async function refuseMissingToken(db: Db): Promise<void> {
  await recordRefusal(db, appError("link_malformed", LINK_REFUSALS.link_malformed, { detail: "no token in t" }), null);
}

async function recordRefusal(db: Db, error: AppError, verifiedActonAccountId: string | null): Promise<void> {
  await recordAuditEvent(db, {
    actor: { type: "acton", id: verifiedActonAccountId ? `acton-account:${verifiedActonAccountId}` : "unverified-link" },
    action: "deep_link.refused",
    outcome: "failure",
    detail: { code: error.code, reason: error.detail ?? null, ...(verifiedActonAccountId ? { actonAccountId: verifiedActonAccountId } : {}) },
  });
}
