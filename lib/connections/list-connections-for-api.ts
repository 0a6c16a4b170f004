import "server-only";
import type { AuthMode, ConnectionStatus } from "@/generated/sqlite/client";
import type { Db } from "../core/db";
import type { HealthCause, HealthState } from "../domain/connection/health-machine";
import { appError, fail, ok, type Result } from "../core/errors";
import { CONNECTION_RESOURCE_SELECT, findFailingSteps, type ConnectionRecord } from "./connection-resource";

/** Which connections, and which page of them. */
export type ConnectionListFilter = {
  account?: string;
  status?: ConnectionStatus[];
  authMode?: AuthMode[];
  /** Health states; a connection never probed matches none. */
  health?: HealthState[];
  healthCause?: HealthCause[];
  /** ISO 8601 instant. */
  updatedSince?: string;
  limit: number;
  cursor?: string;
};

type Cursor = { updatedAt: Date; id: string };

function encodeConnectionCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.updatedAt.toISOString(), cursor.id])).toString("base64url");
}

function decodeCursor(raw: string): Cursor | null {
  try {
    const value = JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as unknown;
    if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== "string" || typeof value[1] !== "string") return null;
    const updatedAt = new Date(value[0]);
    return Number.isNaN(updatedAt.getTime()) ? null : { updatedAt, id: value[1] };
  } catch {
    return null;
  }
}

/**
 * A page of connections in the order they last changed (oldest first, ties by id), so a caller that syncs with
 * `updatedSince` and follows `nextCursor` sees every change once. Keyset pagination: the cursor is the last row's
 * (updatedAt, id), and the next page starts strictly after it, so inserts and updates never shift a page.
 */
export async function listConnectionsForApi(
  db: Db,
  query: ConnectionListFilter,
): Promise<Result<{ items: ConnectionRecord[]; nextCursor: string | null }>> {
  const cursor = query.cursor ? decodeCursor(query.cursor) : null;
  if (query.cursor && !cursor) return fail(appError("invalid_input", "cursor is not a cursor this API returned."));
  const rows = await db.connection.findMany({
    where: {
      ...(query.account ? { account: { actonAccountId: query.account } } : {}),
      ...(query.status ? { status: { in: query.status } } : {}),
      ...(query.authMode ? { authMode: { in: query.authMode } } : {}),
      ...(query.health ? { healthState: { in: query.health } } : {}),
      ...(query.healthCause ? { healthCause: { in: query.healthCause } } : {}),
      AND: [
        query.updatedSince ? { updatedAt: { gte: new Date(query.updatedSince) } } : {},
        cursor ? { OR: [{ updatedAt: { gt: cursor.updatedAt } }, { updatedAt: cursor.updatedAt, id: { gt: cursor.id } }] } : {},
      ],
    },
    orderBy: [{ updatedAt: "asc" }, { id: "asc" }],
    take: query.limit + 1,
    select: CONNECTION_RESOURCE_SELECT,
  });
  const page = rows.slice(0, query.limit);
  const failing = await findFailingSteps(db, page);
  const last = page[page.length - 1];
  return ok({
    items: page.map((r) => ({ ...r, failing: failing.get(r.id) ?? null })),
    nextCursor: rows.length > query.limit && last ? encodeConnectionCursor(last) : null,
  });
}
