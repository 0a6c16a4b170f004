import "server-only";
import { Prisma } from "@/generated/sqlite/client";
import type { Db } from "../core/db";
import { appError, fail, ok, type Result } from "../core/errors";
import type { ConnectionStatus } from "../domain/connection/status";
import { asHealthCause, type HealthState } from "../domain/connection/health-machine";
import type { StepName } from "../domain/run/machine";
import {
  decodeCursor,
  encodeCursor,
  environmentUrlPrefix,
  prefixRange,
  type AuthMode,
  type SupportConnectionPage,
  type SupportConnectionRow,
  type SupportConnectionSearch,
} from "./support-search";
import { isPostgresDb } from "./sql-dialect";

const { sql, join, empty, raw } = Prisma;
type Sql = Prisma.Sql;

type Row = {
  id: string;
  accountId: string;
  actonAccountId: string;
  accountName: string;
  status: ConnectionStatus;
  authMode: AuthMode;
  environmentUrl: string | null;
  environmentName: string | null;
  tenantId: string | null;
  tenantDomain: string | null;
  failingStep: string | null;
  failingErrorCode: string | null;
  healthState: HealthState | null;
  healthCause: string | null;
  healthCheckedAt: Date | null;
  lastVerifiedAt: Date | null;
  secretExpiresAt: Date | null;
  updatedAt: Date;
};

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Every connection, for Act-On's support staff: searched, filtered, sorted and keyset-paginated, one page at a time.
 * Reads only the Connection row's own columns (the failing step and current run are denormalised there by the
 * engine's commit) plus the account by primary key, so a page costs the same at 100 rows or 100,000; each search and
 * filter has an index (migrations 0001 and 0008_console_read_model). Never selects a secret.
 */
export async function searchConnectionsForSupport(db: Db, search: SupportConnectionSearch, now = new Date()): Promise<Result<SupportConnectionPage>> {
  const pg = isPostgresDb(db);
  const sortColumn = search.sort === "secretExpiry" ? sql`c."secretExpiresAt"` : sql`c."updatedAt"`;
  // Lower-cased text compared in byte order, so the range matches the expression indexes (see prefixRange).
  const lowerOf = (column: Sql) => (pg ? sql`lower(${column}) COLLATE "C"` : sql`lower(${column})`);

  const conditions: Sql[] = [];
  let broadSearch = false;
  if (search.q) {
    const found = await searchCondition(db, search.q, lowerOf);
    conditions.push(found.condition);
    broadSearch = found.broad;
  }
  if (search.status) conditions.push(pg ? sql`c."status" = ${search.status}::"ConnectionStatus"` : sql`c."status" = ${search.status}`);
  if (search.authMode) conditions.push(pg ? sql`c."authMode" = ${search.authMode}::"AuthMode"` : sql`c."authMode" = ${search.authMode}`);
  if (search.failingStep) conditions.push(sql`c."failingStep" = ${search.failingStep}`);
  if (search.health) conditions.push(pg ? sql`c."healthState" = ${search.health}::"HealthState"` : sql`c."healthState" = ${search.health}`);
  if (search.healthCause) conditions.push(sql`c."healthCause" = ${search.healthCause}`);
  if (search.secretExpiresWithinDays !== undefined) {
    conditions.push(sql`c."secretExpiresAt" < ${new Date(now.getTime() + search.secretExpiresWithinDays * 86_400_000)}`);
  }
  if (search.sort === "secretExpiry") conditions.push(sql`c."secretExpiresAt" IS NOT NULL`);

  if (search.cursor) {
    const cursor = decodeCursor(search.cursor, search.sort);
    if (!cursor) return fail(appError("invalid_input", "That page link is no longer valid: start again from the first page."));
    const at = new Date(cursor.at);
    // Row-value comparison: both databases walk the (sort, id) index from the cursor onwards.
    conditions.push(
      search.sort === "secretExpiry" ? sql`(${sortColumn}, c."id") > (${at}, ${cursor.id})` : sql`(${sortColumn}, c."id") < (${at}, ${cursor.id})`,
    );
  }

  // A broad search is a predicate checked along the sort order's index; SQLite's planner would otherwise serve its OR
  // from the search indexes and sort every match (PostgreSQL's statistics lead it to the walk by themselves).
  const forceSortIndex =
    broadSearch && !pg
      ? search.sort === "secretExpiry"
        ? sql`INDEXED BY "Connection_secretExpiresAt_id_idx"`
        : sql`INDEXED BY "Connection_updatedAt_id_idx"`
      : empty;
  const direction = search.sort === "secretExpiry" ? sql`ASC` : sql`DESC`;
  const where = conditions.length ? sql`WHERE ${join(conditions, " AND ")}` : empty;
  const rows = await db.$queryRaw<Row[]>`
    SELECT c."id", c."accountId", a."actonAccountId", a."name" AS "accountName", c."status", c."authMode", c."environmentUrl",
           c."environmentName", c."tenantId", c."tenantDomain", c."failingStep", c."failingErrorCode", c."healthState",
           c."healthCause", c."healthCheckedAt", c."lastVerifiedAt",
           c."secretExpiresAt", c."updatedAt"
    FROM "Connection" c ${forceSortIndex} JOIN "Account" a ON a."id" = c."accountId"
    ${where}
    ORDER BY ${sortColumn} ${direction}, c."id" ${direction}
    LIMIT ${search.limit + 1}`;

  const page = rows.slice(0, search.limit).map(toRow);
  const last = rows.length > search.limit ? page[page.length - 1] : null;
  const nextCursor = last
    ? encodeCursor({ sort: search.sort, at: (search.sort === "secretExpiry" ? last.secretExpiresAt : last.updatedAt)!, id: last.id })
    : null;
  return ok({ rows: page, nextCursor });
}

/** How many matches one kind of identifier may have before the search walks the sort order instead (see searchCondition). */
const SEARCH_ID_LIMIT = 1000;

type Found = { kind: "account" | "connection"; id: string | null };

/**
 * The search as a condition on `c`. A specific search (an account, a tenant, an environment) matches a handful of
 * connections: each kind of identifier is looked up in its own index and the page sorts those few rows. A broad one
 * ("Fabrikam", matching thousands) would sort thousands of rows that way, so when any lookup finds more than
 * SEARCH_ID_LIMIT the condition becomes a predicate checked while walking the sort order's index, where the next
 * page's rows come quickly precisely because matches are common.
 *
 * The lookup reads single-table index ranges only, each capped, and names accounts rather than joining their
 * connections: a join there let PostgreSQL hash thousands of accounts and scan every connection before its LIMIT
 * (EXPLAIN ANALYZE at 100,000 connections: 76 ms of a broad search's 131 ms). The page query then finds the accounts'
 * connections through the accountId index.
 */
async function searchCondition(db: Db, term: string, lowerOf: (column: Sql) => Sql): Promise<{ condition: Sql; broad: boolean }> {
  const name = prefixRange(term);
  const url = prefixRange(environmentUrlPrefix(term));
  const tenantId = GUID.test(term) ? term.toLowerCase() : null;
  const inRange = (column: Sql, range: { from: string; to: string }) => sql`${lowerOf(column)} >= ${range.from} AND ${lowerOf(column)} < ${range.to}`;
  // Each branch is its own capped subquery, so one broad identifier cannot crowd the others out of a shared LIMIT. A
  // branch over the cap answers one row with a null id instead of its ids: the database, not the driver, drops them.
  const capped = (kind: Found["kind"], select: Sql) =>
    sql`SELECT DISTINCT ${raw(`'${kind}'`)} AS "kind", CASE WHEN x."n" > ${SEARCH_ID_LIMIT} THEN NULL ELSE x."id" END AS "id"
        FROM (SELECT y."id", count(*) OVER () AS "n" FROM (${select} LIMIT ${SEARCH_ID_LIMIT + 1}) y) x`;
  // Ordered by the expression index: for a range holding 10 % of rows PostgreSQL otherwise fetches its capped rows by
  // a sequential scan computing lower() on every row (5 ms against 0.5 ms at 100,000 accounts).
  const range = (table: Sql, alias: Sql, column: Sql, r: { from: string; to: string }) =>
    sql`SELECT ${alias}."id" FROM ${table} ${alias} WHERE ${inRange(column, r)} ORDER BY ${lowerOf(column)}`;
  const branches: Sql[] = [
    capped("account", sql`SELECT a."id" FROM "Account" a WHERE a."actonAccountId" = ${term}`),
    capped("account", range(sql`"Account"`, sql`a`, sql`a."name"`, name)),
    capped("connection", range(sql`"Connection"`, sql`s`, sql`s."tenantDomain"`, name)),
    capped("connection", range(sql`"Connection"`, sql`s`, sql`s."environmentUrl"`, url)),
  ];
  if (tenantId) branches.push(capped("connection", sql`SELECT s."id" FROM "Connection" s WHERE s."tenantId" = ${tenantId}`));
  const found = await db.$queryRaw<Found[]>`${join(branches, " UNION ALL ")}`;
  const idsOf = (kind: Found["kind"]) => [...new Set(found.flatMap((r) => (r.kind === kind && r.id !== null ? [r.id] : [])))];
  const accounts = idsOf("account");
  const connections = idsOf("connection");
  const broad = found.some((r) => r.id === null) || accounts.length > SEARCH_ID_LIMIT || connections.length > SEARCH_ID_LIMIT;
  if (!broad && accounts.length === 0 && connections.length === 0) return { condition: sql`1 = 0`, broad: false };
  if (!broad) {
    const byAccount = accounts.length ? sql`c."accountId" IN (${join(accounts)})` : null;
    const byConnection = connections.length ? sql`c."id" IN (${join(connections)})` : null;
    const either = byAccount && byConnection ? sql`(${byAccount} OR ${byConnection})` : (byAccount ?? byConnection)!;
    return { condition: either, broad: false };
  }

  // `a` is the page query's account, joined by primary key: checked row by row along the walk.
  const predicate = sql`(a."actonAccountId" = ${term} OR (${inRange(sql`a."name"`, name)}) OR (${inRange(sql`c."tenantDomain"`, name)}) OR (${inRange(sql`c."environmentUrl"`, url)})${
    tenantId ? sql` OR c."tenantId" = ${tenantId}` : empty
  })`;
  return { condition: predicate, broad: true };
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

function toRow(r: Row): SupportConnectionRow {
  return {
    id: r.id,
    account: { id: r.accountId, actonAccountId: r.actonAccountId, name: r.accountName },
    status: r.status,
    authMode: r.authMode,
    environmentUrl: r.environmentUrl,
    environmentName: r.environmentName,
    tenantId: r.tenantId,
    tenantDomain: r.tenantDomain,
    failingStep: r.failingStep as StepName | null,
    failingErrorCode: r.failingErrorCode,
    health: r.healthState ? { state: r.healthState, cause: asHealthCause(r.healthCause), checkedAt: iso(r.healthCheckedAt) } : null,
    lastVerifiedAt: iso(r.lastVerifiedAt),
    secretExpiresAt: iso(r.secretExpiresAt),
    updatedAt: iso(r.updatedAt)!,
  };
}
