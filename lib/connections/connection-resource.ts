import "server-only";
import type { ConnectionResource } from "../api/v1/schemas";
import type { Db } from "../db";

/** The columns the API shows: never a secret, never `syncOptions` internals or Microsoft object ids beyond the client id. */
export const CONNECTION_RESOURCE_SELECT = {
  id: true,
  status: true,
  authMode: true,
  environmentUrl: true,
  environmentName: true,
  environmentId: true,
  tenantId: true,
  tenantDomain: true,
  clientId: true,
  securityRole: true,
  integrationUsername: true,
  lastVerifiedAt: true,
  secretExpiresAt: true,
  createdAt: true,
  updatedAt: true,
  account: { select: { actonAccountId: true, name: true } },
} as const;

type Row = {
  id: string;
  status: ConnectionResource["status"];
  authMode: ConnectionResource["authMode"];
  environmentUrl: string | null;
  environmentName: string | null;
  environmentId: string | null;
  tenantId: string | null;
  tenantDomain: string | null;
  clientId: string | null;
  securityRole: ConnectionResource["securityRole"];
  integrationUsername: string | null;
  lastVerifiedAt: Date | null;
  secretExpiresAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  account: { actonAccountId: string; name: string };
};

type Failing = NonNullable<ConnectionResource["failing"]>;

/** Statuses in which a step is holding the connection back (failed, or waiting for a person). */
const FAILING_STATUSES = new Set<ConnectionResource["status"]>(["failed", "actionRequired"]);

/**
 * The failing step and its cause for each connection that is failed or waits for a person: the most recently changed
 * failed or waiting step of the connection. One query for a whole page, not one per row.
 */
export async function findFailingSteps(db: Db, rows: { id: string; status: ConnectionResource["status"] }[]): Promise<Map<string, Failing>> {
  const ids = rows.filter((r) => FAILING_STATUSES.has(r.status)).map((r) => r.id);
  const result = new Map<string, Failing>();
  if (ids.length === 0) return result;
  const steps = await db.provisioningStep.findMany({
    where: { connectionId: { in: ids }, status: { in: ["failed", "waiting"] } },
    orderBy: [{ updatedAt: "desc" }],
    select: { connectionId: true, name: true, errorCode: true, userMessage: true, waitingFor: true, requestIds: true, updatedAt: true },
  });
  for (const s of steps) {
    if (result.has(s.connectionId)) continue;
    result.set(s.connectionId, {
      step: s.name,
      code: s.errorCode,
      message: s.userMessage ?? (s.waitingFor ? `Waiting for ${s.waitingFor}` : null),
      requestIds: Array.isArray(s.requestIds) ? s.requestIds.filter((x): x is string => typeof x === "string") : [],
      at: s.updatedAt.toISOString(),
    });
  }
  return result;
}

export function toConnectionResource(row: Row, failing: Failing | undefined): ConnectionResource {
  return {
    id: row.id,
    account: { id: row.account.actonAccountId, name: row.account.name },
    status: row.status,
    authMode: row.authMode,
    environment: { url: row.environmentUrl, name: row.environmentName, id: row.environmentId },
    tenant: { id: row.tenantId, domain: row.tenantDomain },
    clientId: row.clientId,
    securityRole: row.securityRole,
    integrationUsername: row.integrationUsername,
    lastVerifiedAt: row.lastVerifiedAt?.toISOString() ?? null,
    secretExpiresAt: row.secretExpiresAt?.toISOString() ?? null,
    failing: failing ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** One connection as the API shows it, or null. */
export async function findConnectionResource(db: Db, connectionId: string): Promise<ConnectionResource | null> {
  const row = await db.connection.findUnique({ where: { id: connectionId }, select: CONNECTION_RESOURCE_SELECT });
  if (!row) return null;
  const failing = await findFailingSteps(db, [row]);
  return toConnectionResource(row, failing.get(row.id));
}
