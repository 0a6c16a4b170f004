import "server-only";
import type { Prisma } from "@/generated/sqlite/client";
import type { Db } from "../core/db";

/**
 * A connection as it may be shown outside the portal (Act-On's API maps it to its resource): never a secret, never
 * `syncOptions` internals or Microsoft object ids beyond the client id.
 */
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
  credentialMode: true,
  healthState: true,
  healthCause: true,
  healthSince: true,
  healthCheckedAt: true,
  createdAt: true,
  updatedAt: true,
  account: { select: { actonAccountId: true, name: true } },
} as const;

type ConnectionRow = Prisma.ConnectionGetPayload<{ select: typeof CONNECTION_RESOURCE_SELECT }>;

/** The step holding a connection back (failed, or waiting for a person) and its cause. */
export type FailingStep = { step: string; code: string | null; message: string | null; requestIds: string[]; at: string | null };

export type ConnectionRecord = ConnectionRow & { failing: FailingStep | null };

/** Statuses in which a step is holding the connection back (failed, or waiting for a person). */
const FAILING_STATUSES = new Set<ConnectionRow["status"]>(["failed", "actionRequired"]);

/**
 * The failing step and its cause for each connection that is failed or waits for a person: the most recently changed
 * failed or waiting step of the connection. One query for a whole page, not one per row.
 */
export async function findFailingSteps(db: Db, rows: { id: string; status: ConnectionRow["status"] }[]): Promise<Map<string, FailingStep>> {
  const ids = rows.filter((r) => FAILING_STATUSES.has(r.status)).map((r) => r.id);
  const result = new Map<string, FailingStep>();
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

/** One connection as it may be shown outside, with its failing step, or null. */
export async function findConnectionRecord(db: Db, connectionId: string): Promise<ConnectionRecord | null> {
  const row = await db.connection.findUnique({ where: { id: connectionId }, select: CONNECTION_RESOURCE_SELECT });
  if (!row) return null;
  const failing = await findFailingSteps(db, [row]);
  return { ...row, failing: failing.get(row.id) ?? null };
}
