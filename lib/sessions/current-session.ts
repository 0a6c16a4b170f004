import "server-only";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import type { AuditActor } from "../domain/audit/record-audit-event";
import { getDb } from "../core/db";
import { findSessionByToken } from "./portal-sessions";
import { sessionLifetimesFromEnv } from "./session-config";
import { SESSION_COOKIE } from "./session-cookie";
import type { PortalSessionView } from "./session-view";

export type { PortalSessionView } from "./session-view";

/**
 * The browser's portal session, or null (no cookie, unknown, idle, expired or revoked). Read once per request
 * (React's `cache`), however many components ask.
 */
export const getCurrentSession = cache(async (): Promise<PortalSessionView | null> => {
  const token = (await cookies()).get(SESSION_COOKIE)?.value;
  if (!token) return null;
  const found = await findSessionByToken(getDb(), token, { lifetimes: sessionLifetimesFromEnv() });
  return found.kind === "active" ? found.session : null;
});

/**
 * The current session; without one, sends the browser to /session-ended (which explains how to start again from
 * Act-On). For pages, layouts and server actions.
 */
export async function requireSession(): Promise<PortalSessionView> {
  const session = await getCurrentSession();
  if (!session) redirect("/session-ended");
  return session;
}

/**
 * Who to record in the audit log for what this session does: the Microsoft identity once signed in (`<tid>:<oid>`,
 * with the tenant for the engine's tenant check), before that the Act-On user the link named.
 */
export function adminActor(session: PortalSessionView): AuditActor & { tenantId?: string } {
  if (session.microsoft)
    return { type: "admin", id: `${session.microsoft.tenantId}:${session.microsoft.objectId}`, tenantId: session.microsoft.tenantId };
  return { type: "admin", id: `acton-user:${session.actonUserEmail ?? "unknown"}` };
}
