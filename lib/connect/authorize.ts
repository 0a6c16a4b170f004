import "server-only";
import { notFound } from "next/navigation";
import { cache } from "react";
import { appError, fail, ok, type Result } from "../core/errors";
import type { AdminSession } from "../microsoft/admin-session";
import type { Engine } from "../provisioning/engine";
import { checkHandoffStanding } from "../handoff/handoff-standing";
import { getCurrentSession, requireSession } from "../sessions/current-session";
import type { PortalSessionView } from "../sessions/session-view";
import { ACTION_POLICIES, checkActionPolicy, type JourneyAction } from "./action-policy";
import { loadOwnAdminSession } from "./admin-environments";
import { findOpenRunFacts, getConnectionForViewer, getPortalEngine, type JourneyConnection } from "./engine";

/** A connection id from a URL or a form: cuid-like and bounded; anything else is simply not found. */
const CONNECTION_ID = /^[A-Za-z0-9_-]{1,64}$/;

export type { JourneyAction };
export type Authorized = {
  session: PortalSessionView;
  connection: JourneyConnection;
  /** The person's own live Microsoft sign-in for this connection, when the action needed it (never another person's). */
  signIn: AdminSession | null;
};

const NOT_FOUND = "That connection does not exist for your account.";

export type AuthorizeOptions = {
  /** "page": only whether the session may open it (the page explains a missing sign-in); "act": the whole policy. */
  purpose?: "act" | "page";
  engine?: Engine;
};

/**
 * The one answer to "may this person take this action on this connection, now, with whose Microsoft sign-in", asked
 * by every page, layout, action and route of app/connect before it reads or writes anything:
 * 1. a live portal session, bound to one connection (the one its link opened; another id, another account's or a
 *    malformed one, is not found: nothing is revealed);
 * 2. the action's policy (action-policy.ts): the session's kind (a `status` link is read-only, a hand-off only its
 *    steps), and for an action that acts in the customer's tenant the person's OWN stored Microsoft sign-in, from the
 *    tenant the action acts in (the connection's, else its open run's);
 * 3. for a colleague's hand-off, its standing (lib/handoff/handoff-standing.ts): the link neither withdrawn nor
 *    expired, and the plan it was pinned to still open.
 * Hidden buttons are not the check; this is.
 */
export async function authorize(
  session: PortalSessionView | null,
  connectionId: unknown,
  action: JourneyAction,
  options: AuthorizeOptions = {},
): Promise<Result<Authorized>> {
  if (typeof connectionId !== "string" || !CONNECTION_ID.test(connectionId)) return fail(appError("not_found", NOT_FOUND));
  if (!session) return fail(appError("unauthorized", "Your session has ended. Open the link in Act-On again to continue."));
  if (session.connectionId !== connectionId) return fail(appError("not_found", NOT_FOUND, { detail: "not the session's connection" }));
  const engine = options.engine ?? getPortalEngine();
  const found = await getConnectionForViewer(engine.db, connectionId, { kind: "account", accountId: session.accountId });
  if (!found.ok) return found;
  const connection = found.value;
  const purpose = options.purpose ?? "act";

  const intentOnly = checkActionPolicy(action, { intent: session.intent, ownSignIn: null, tenantId: null, onPremises: false }, "page");
  if (intentOnly) return fail(appError(intentOnly.code, intentOnly.message, { detail: `policy:intent ${session.intent} session may not ${action}` }));
  if (purpose === "page") return ok({ session, connection, signIn: null });
  // A colleague's hand-off acts only while its link stands and on the plan it was pinned to (lib/handoff).
  const standing = action === "signOut" ? null : await checkHandoffStanding(engine.db, session, { connectionId, action });
  if (standing) return fail(standing);

  // Nothing of Microsoft's to check (a view, a checklist poll every second, Act-On-side options): no reads, no decrypt.
  if (ACTION_POLICIES[action].microsoft === "none") return ok({ session, connection, signIn: null });
  const openRun = await findOpenRunFacts(engine.db, connectionId);
  const signIn = session.microsoft ? await loadOwnAdminSession(connectionId, session, engine) : null;
  const refused = checkActionPolicy(action, {
    intent: session.intent,
    ownSignIn: signIn && session.microsoft ? { tenantId: session.microsoft.tenantId } : null,
    signedInAs: session.microsoft ? { tenantId: session.microsoft.tenantId } : null,
    tenantId: connection.tenantId ?? openRun?.tenantId ?? null,
    onPremises: connection.authMode === "onprem" || openRun?.mode === "onprem",
  });
  if (refused) return fail(appError(refused.code, refused.message, { detail: `policy:${refused.reason} ${action}` }));
  return ok({ session, connection, signIn });
}

/**
 * Where an action that answers with a page sends a refused request: the status page, naming why (the person must sign
 * in, sign in to the connection's tenant, or holds a read-only link); an unknown connection goes nowhere near it.
 */
export function refusalOfferPath(connectionId: string, error: { code: string; detail?: string }): string {
  if (error.code === "not_found") return "/";
  const reason = /^policy:(\w+)/.exec(error.detail ?? "")?.[1];
  const offer = reason === "intent" ? "read_only" : reason === "tenant" ? "forbidden" : "unauthorized";
  return `/connect/${encodeURIComponent(connectionId)}/status?offer=${offer}`;
}

/** `authorize` for the current request's session (server actions and route handlers answer its refusal in words). */
export async function authorizeRequest(connectionId: unknown, action: JourneyAction): Promise<Result<Authorized>> {
  return authorize(await getCurrentSession(), connectionId, action);
}

/**
 * `authorize` for pages and layouts (whether the session may open the page; its actions ask again in full): no
 * session → the session-ended page; any refusal → a real 404 (app/connect/not-found.tsx), so a session on a path it
 * may not open learns nothing, with the right status. Cached per request (React's `cache`): a path's layout and its
 * page ask the same question with one read.
 */
export const authorizePage = cache(async (connectionId: string, action: JourneyAction): Promise<Authorized> => {
  const session = await requireSession();
  const authorized = await authorize(session, connectionId, action, { purpose: "page" });
  if (!authorized.ok) notFound();
  return authorized.value;
});
