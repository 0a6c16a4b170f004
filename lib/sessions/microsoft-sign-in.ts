import "server-only";
import { recordAuditEvent } from "../domain/audit/record-audit-event";
import type { Db } from "../core/db";
import { appError, fail, ok, type Result } from "../core/errors";
import { log } from "../core/log";
import { findTenantId } from "../microsoft/find-tenant";
import { isMicrosoftError } from "../microsoft/errors";
import { completeSignIn, getSignedInIdentity, getSignInUrl } from "../microsoft/admin-session";
import type { IdentityConfig } from "../microsoft/identity-config";
import { forgetAdminSession, loadAdminSession, saveAdminSession } from "../domain/session/admin-sign-in";
import { isInProgress, UNFINISHED_RUN_STATUSES } from "../domain/run/machine";
import { isSameMicrosoftAccount } from "../handoff/handoff-scope";
import { checkHandoffStanding } from "../handoff/handoff-standing";
import { openSecret, sealSecret, type EncryptionKey, type SealedSecret } from "../domain/secret/secret-box";
import { recordMicrosoftIdentity, recordPendingSignIn, revokePortalSession, rotateSessionToken, takePendingSignIn } from "./portal-sessions";
import { hashToken, newOpaqueToken } from "./session-token";
import type { PortalSessionView } from "./session-view";
import { outcomeOfMicrosoftError, type SignInOutcome } from "./sign-in-outcome";
import { signInReturnPageSchema, type SignInReturnPage } from "./sign-in-return";

/**
 * Microsoft sign-in for a portal session: authorization code with PKCE on the portal's confidential client, the
 * `state` and `nonce` bound to the session. The state is stored hashed (it comes back in the URL); the PKCE verifier
 * and nonce are sealed with PORTAL_ENCRYPTION_KEYS and bound to the session id. On success the id token's identity is
 * recorded on the session and the MSAL token cache goes to the engine's admin session store for the session's
 * connection (encrypted, never a cookie).
 */

/** A pending sign-in older than this is refused: Microsoft's own authorization codes live minutes, not hours. */
const SIGN_IN_WINDOW_MS = 15 * 60_000;

const aad = (sessionId: string) => `portal-session-sign-in:v1:${sessionId}`;

/**
 * Sealed with the session: the PKCE verifier, the nonce, the path page to return to (if a path started it), and the
 * tenant whose authority the sign-in went through (when one was known or chosen).
 */
type Sealed = { verifier: string; nonce: string; then?: SignInReturnPage; tenant?: string };

export type SignInContext = { db: Db; keys: EncryptionKey[]; identity: IdentityConfig; redirectUri: string; now?: Date };

/**
 * Starts a sign-in: returns Microsoft's authorize URL (the only place the state and nonce leave the server). The
 * authority is the tenant the connection acts in once it is known (reconnect, repair, a colleague's hand-off, approval),
 * or the organization the admin chose (`tenantId`, see findSignInOrganization): a guest or partner admin signing in
 * through `organizations` would get a token for their own home tenant. Without either, `organizations`.
 */
export async function beginMicrosoftSignIn(
  ctx: SignInContext,
  session: PortalSessionView,
  options: { then?: SignInReturnPage; tenantId?: string } = {},
): Promise<{ url: string }> {
  const state = newOpaqueToken();
  const nonce = newOpaqueToken();
  const known = session.connectionId ? (await connectionTenant(ctx, session.connectionId, session.accountId)).tenantId : null;
  const tenant = options.tenantId ?? known ?? undefined;
  const request = await getSignInUrl({ config: ctx.identity, redirectUri: ctx.redirectUri, state, nonce, prompt: "select_account", tenant });
  const sealed = sealSecret(
    JSON.stringify({ verifier: request.codeVerifier, nonce, then: options.then, tenant } satisfies Sealed),
    ctx.keys,
    aad(session.id),
  );
  await recordPendingSignIn(ctx.db, session.id, { stateHash: hashToken(state), sealed: JSON.stringify(sealed), now: ctx.now });
  return { url: request.url };
}

export type CallbackQuery = { code?: string; state?: string; error?: string; error_description?: string; error_subcode?: string };

export type SignInResult =
  | {
      ok: true;
      identity: { tenantId: string; objectId: string; username: string; name: string | null };
      /** The session's new cookie token (the one it had before the sign-in no longer works) and its expiry. */
      cookie: { token: string; expiresAt: Date };
      then?: SignInReturnPage;
    }
  | { ok: false; outcome: SignInOutcome; detail: string; then?: SignInReturnPage };

/**
 * Completes a sign-in from Microsoft's redirect. Refuses a state this session did not start (or already redeemed), a
 * sign-in older than SIGN_IN_WINDOW_MS, an id token whose nonce differs, and an account of another tenant than the
 * connection's. Microsoft's own refusals (cancel, consent blocked) come back as outcomes the checklist explains.
 */
export async function completeMicrosoftSignIn(ctx: SignInContext, session: PortalSessionView, query: CallbackQuery): Promise<SignInResult> {
  const now = ctx.now ?? new Date();
  const pending = query.state ? await takePendingSignIn(ctx.db, session.id, hashToken(query.state)) : null;
  if (!pending) return refused(ctx, session, "mismatch", "state does not match a sign-in this session started");
  if (now.getTime() - pending.startedAt.getTime() > SIGN_IN_WINDOW_MS) return refused(ctx, session, "expired", "sign-in older than 15 minutes");
  const opened = openSecret(JSON.parse(pending.sealed) as SealedSecret, ctx.keys, aad(session.id));
  if (!opened.ok) return refused(ctx, session, "failed", "pending sign-in could not be opened");
  const sealed = JSON.parse(opened.value) as Sealed;
  const { verifier, nonce, tenant } = sealed;
  // Sealed by this server, but parsed again: only a page of the closed list is ever a redirect target.
  const then = signInReturnPageSchema.safeParse(sealed.then).data;
  if (query.error) {
    const outcome = outcomeOfMicrosoftError(query.error, query.error_description, query.error_subcode);
    const aadsts = /AADSTS\d+/.exec(query.error_description ?? "")?.[0];
    return { ...(await refused(ctx, session, outcome, `${query.error}${aadsts ? ` ${aadsts}` : ""}`)), then };
  }
  if (!query.code) return { ...(await refused(ctx, session, "failed", "no code in the redirect")), then };

  let admin;
  try {
    admin = await completeSignIn({ config: ctx.identity, code: query.code, codeVerifier: verifier, redirectUri: ctx.redirectUri, nonce, tenant });
  } catch (e) {
    if (isMicrosoftError(e)) {
      const outcome: SignInOutcome =
        e.appError.code === "consent_required" ? "consent_required" : e.upstreamCode === "nonce_mismatch" ? "mismatch" : "failed";
      return refused(ctx, session, outcome, `${e.upstreamCode ?? e.appError.code}`);
    }
    // MSAL's own nonce check (nonce_mismatch) throws a client error that is not a Microsoft answer.
    return refused(ctx, session, "failed", e instanceof Error ? e.message.slice(0, 120) : "sign-in failed");
  }
  const identity = await getSignedInIdentity(admin);
  // MSAL compared the nonce already; compare again so a change of library behaviour cannot silently drop the check.
  if (!identity || identity.nonce !== nonce) return refused(ctx, session, "mismatch", "id token nonce does not match");
  // A tenant's authority issues that tenant's tokens; the id token's tid says so, or the sign-in is not used.
  if (tenant && identity.tenantId.toLowerCase() !== tenant.toLowerCase()) {
    return { ...(await refused(ctx, session, "wrong_tenant", "signed-in tenant differs from the authority's")), then };
  }

  if (session.connectionId) {
    // A colleague's hand-off keeps no sign-in once its link or the plan it was made for has ended.
    const handoff = await checkHandoffStanding(ctx.db, session, { connectionId: session.connectionId, action: "signIn", now });
    if (handoff) return refused(ctx, session, "handoff_ended", handoff.detail ?? "hand-off ended");
    const standing = await signInStanding(ctx, session.connectionId, session.accountId, identity);
    if (standing) return refused(ctx, session, standing.outcome, standing.detail);
  }
  const { nonce: _nonce, ...who } = identity;
  await recordMicrosoftIdentity(ctx.db, session.id, who, now);
  const cookie = await rotateSessionToken(ctx.db, session.id);
  if (!cookie) return refused(ctx, session, "failed", "the portal session ended during the sign-in");
  if (session.connectionId) await saveAdminSession(ctx.db, { connectionId: session.connectionId, session: admin, keys: ctx.keys });
  await recordAuditEvent(ctx.db, {
    actor: { type: "admin", id: `${who.tenantId}:${who.objectId}` },
    action: "session.signed_in",
    accountId: session.accountId,
    connectionId: session.connectionId,
    outcome: "success",
    detail: { tenantId: who.tenantId },
  });
  return { ok: true, identity: who, cookie, then };
}

/**
 * Whether this sign-in may become the connection's stored one. It must come from the tenant the connection acts in:
 * the connection's, else that of the run someone already planned or started (a plan in Contoso is never approved with
 * a Fabrikam sign-in, nor does the Fabrikam sign-in wipe the Contoso admin's). And a run under way keeps acting with
 * the sign-in its approver gave it: another person's sign-in does not replace it mid-run.
 */
async function signInStanding(
  ctx: SignInContext,
  connectionId: string,
  accountId: string,
  who: { tenantId: string; username: string },
): Promise<{ outcome: SignInOutcome; detail: string } | null> {
  const { tenantId, source, openRun } = await connectionTenant(ctx, connectionId, accountId);
  if (tenantId && tenantId.toLowerCase() !== who.tenantId.toLowerCase()) {
    return { outcome: "wrong_tenant", detail: `signed-in tenant differs from the ${source === "connection" ? "connection's" : "open run's"}` };
  }
  if (openRun && isInProgress(openRun.status)) {
    const stored = await loadAdminSession(ctx.db, { connectionId, keys: ctx.keys, config: ctx.identity });
    if (stored && !isSameMicrosoftAccount(stored, who))
      return { outcome: "run_in_progress", detail: "a run under way acts with another person's sign-in" };
  }
  return null;
}

/** The tenant a connection acts in: its own, else that of the run someone already planned or started; null if neither. */
async function connectionTenant(ctx: Pick<SignInContext, "db">, connectionId: string, accountId: string) {
  const connection = await ctx.db.connection.findFirst({ where: { id: connectionId, accountId }, select: { tenantId: true } });
  const openRun = await ctx.db.provisioningRun.findFirst({
    where: { connectionId, status: { in: [...UNFINISHED_RUN_STATUSES] } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    select: { tenantId: true, status: true },
  });
  const tenantId = connection?.tenantId ?? openRun?.tenantId ?? null;
  return { tenantId, source: connection?.tenantId ? ("connection" as const) : ("run" as const), openRun };
}

/**
 * The tenant id of the organization an admin named in "Sign in to another organization", or why not: Microsoft knows
 * no such organization (`not_found`), or could not be asked. @throws never
 */
export async function findSignInOrganization(ctx: Pick<SignInContext, "identity">, organization: string): Promise<Result<string>> {
  try {
    const tenantId = await findTenantId({ config: ctx.identity, organization });
    if (tenantId) return ok(tenantId);
    return fail(
      appError(
        "not_found",
        `Microsoft knows no organization "${organization}". Check the domain or tenant id with the organization's administrator.`,
      ),
    );
  } catch (error) {
    log.warn("sign-in: the organization's tenant could not be looked up", {
      error: error instanceof Error ? error.message.slice(0, 200) : "unknown",
    });
    return fail(appError("upstream_unavailable", "Microsoft did not answer. Nothing was changed; try again in a minute.", { retryable: true }));
  }
}

async function refused(ctx: SignInContext, session: PortalSessionView, outcome: SignInOutcome, detail: string): Promise<SignInResult> {
  // The pending sign-in is not cleared here: a state that matched was cleared when it was taken, and a callback with a
  // foreign state must not cancel the sign-in this browser really started.
  log.info("microsoft sign-in not completed", { outcome, detail });
  await recordAuditEvent(ctx.db, {
    actor: { type: "admin", id: `acton-user:${session.actonUserEmail ?? "unknown"}` },
    action: "session.sign_in_failed",
    accountId: session.accountId,
    connectionId: session.connectionId,
    outcome: "failure",
    detail: { outcome, reason: detail },
  });
  return { ok: false, outcome, detail };
}

/**
 * Signs the person out: ends the portal session and, when the connection's stored Microsoft sign-in is this person's
 * own, forgets it (the refresh token it holds is the sign-in). A sign-in another person stored (a colleague's, through
 * a hand-off) is theirs: signing out here never ends it. Without the keys to read it, nothing is forgotten.
 */
export async function signOutPortalSession(
  ctx: Pick<SignInContext, "db"> & Partial<Pick<SignInContext, "keys" | "identity">>,
  session: PortalSessionView,
  now: Date = new Date(),
): Promise<void> {
  const { db } = ctx;
  await revokePortalSession(db, session.id, "signed out", now);
  if (session.microsoft && session.connectionId && ctx.keys && ctx.identity) {
    const stored = await loadAdminSession(db, { connectionId: session.connectionId, keys: ctx.keys, config: ctx.identity, now });
    if (stored && isSameMicrosoftAccount(stored, session.microsoft)) await forgetAdminSession(db, session.connectionId);
  }
  await recordAuditEvent(db, {
    actor: session.microsoft
      ? { type: "admin", id: `${session.microsoft.tenantId}:${session.microsoft.objectId}` }
      : { type: "admin", id: `acton-user:${session.actonUserEmail ?? "unknown"}` },
    action: "session.signed_out",
    accountId: session.accountId,
    connectionId: session.connectionId,
    outcome: "success",
  });
}
