import "server-only";
import { notFound } from "next/navigation";
import { checkSessionScope } from "../handoff/handoff-scope";
import { getDb } from "../db";
import { requireSession, type PortalSessionView } from "../sessions/current-session";

const CONNECTION_ID = /^[A-Za-z0-9_-]{1,64}$/;

const SELECT = {
  id: true,
  accountId: true,
  status: true,
  authMode: true,
  environmentUrl: true,
  integrationUsername: true,
  tenantId: true,
  clientId: true,
  applicationUserId: true,
  lastVerifiedAt: true,
  lastErrorCode: true,
  lastErrorMessage: true,
} as const;

export type SessionConnection = {
  session: PortalSessionView;
  connection: {
    id: string;
    status: string;
    authMode: string;
    environmentUrl: string | null;
    integrationUsername: string | null;
    tenantId: string | null;
    clientId: string | null;
    applicationUserId: string | null;
    lastVerifiedAt: string | null;
    lastErrorCode: string | null;
    lastErrorMessage: string | null;
  };
};

/**
 * The session and the connection it may act on: the URL's connection must belong to the session's account (another
 * account's id is simply not found). Never selects a secret.
 */
export async function requireSessionConnection(connectionId: string): Promise<SessionConnection> {
  const session = await requireSession();
  if (!CONNECTION_ID.test(connectionId)) notFound();
  // A colleague's hand-off session never reaches these paths (manual, on-premises, disconnect, and their actions): its
  // link is for the steps it names on the checklist only, so here it finds nothing (handoff-scope.ts).
  if (checkSessionScope(session, { connectionId, action: "manual" })) notFound();
  const row = await getDb().connection.findUnique({ where: { id: connectionId }, select: SELECT });
  if (!row || row.accountId !== session.accountId) notFound();
  const { accountId: _accountId, lastVerifiedAt, ...rest } = row;
  return { session, connection: { ...rest, lastVerifiedAt: lastVerifiedAt?.toISOString() ?? null } };
}
