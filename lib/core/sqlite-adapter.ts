import "server-only";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";

/**
 * How long a connection waits for another process's write lock before giving up (better-sqlite3's `timeout`, i.e.
 * SQLite's busy timeout). The portal, every command and every test worker may write to the same file at once; their
 * write transactions are short, so a wait this long means something is stuck, not busy.
 */
const SQLITE_BUSY_TIMEOUT_MS = 10_000;

type BetterSqlite3Handle = { prepare(sql: string): unknown };
/** The part of a better-sqlite3 Statement the adapter uses (index.js performIO / executeIO). */
type Statement = {
  readonly reader: boolean;
  run(params: unknown[]): unknown;
  columns(): unknown[];
  raw(on: boolean): { all(params: unknown[]): unknown[] };
};
type SqlDriverAdapter = Awaited<ReturnType<PrismaBetterSQLite3["connect"]>>;
/** What PrismaClient and the Prisma CLI accept as an adapter (the shape of PrismaBetterSQLite3). */
export type SqliteAdapterFactory = Pick<PrismaBetterSQLite3, "provider" | "adapterName" | "connect" | "connectToShadowDb">;

/**
 * The SQLite driver adapter for the portal's PrismaClient: a busy timeout, and every transaction begun IMMEDIATE.
 *
 * Why IMMEDIATE: the adapter begins transactions DEFERRED, so a transaction that reads before it writes (a claim, an
 * approval, a step's commit) upgrades its read lock to a write lock mid-way. In WAL mode that upgrade fails at once
 * with SQLITE_BUSY(_SNAPSHOT), without waiting, when another process committed in between: two processes on one file
 * (the portal's resumer and `npm run provision`) would then fail each other's transactions. BEGIN IMMEDIATE takes the
 * write lock first, waiting up to the busy timeout, so the transaction can no longer be overtaken.
 */
export function createSqliteAdapter(url: string, options: { busyTimeoutMs?: number } = {}): SqliteAdapterFactory {
  const inner = new PrismaBetterSQLite3({ url, timeout: options.busyTimeoutMs ?? SQLITE_BUSY_TIMEOUT_MS });
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    connect: async () => beginImmediate(await inner.connect()),
    connectToShadowDb: async () => beginImmediate(await inner.connectToShadowDb()),
  };
}

/** Prepared statements kept per connection; Prisma's SQL text repeats (one text per query shape), so a few hundred cover it. */
const STATEMENT_CACHE_SIZE = 500;

function beginImmediate(adapter: SqlDriverAdapter): SqlDriverAdapter {
  // The adapter keeps its better-sqlite3 handle as `client` and begins with `client.prepare("BEGIN")`; the statement
  // text is the one thing it does not let us choose.
  const client = (adapter as unknown as { client?: BetterSqlite3Handle }).client;
  if (!client || typeof client.prepare !== "function") {
    throw new Error("@prisma/adapter-better-sqlite3 no longer exposes its connection; review lib/sqlite-adapter.ts after the upgrade");
  }
  const prepare = client.prepare.bind(client) as (sql: string) => Statement;
  const cached = statementCache(prepare, STATEMENT_CACHE_SIZE);
  client.prepare = (sql: string) => cached(sql === "BEGIN" ? "BEGIN IMMEDIATE" : sql);
  return adapter;
}

/**
 * The adapter prepares every query afresh (`prepare(sql).bind(args)`), and compiling the SQL was a twentieth of the
 * portal's CPU with a hundred onboardings at once. Statements are kept by their text, least recently used dropped
 * first, and handed out as a one-use binding: better-sqlite3's own `bind` is permanent, so the arguments are passed
 * to each execution instead. Statements run synchronously to completion, so one never serves two queries at once.
 */
function statementCache(prepare: (sql: string) => Statement, size: number) {
  const statements = new Map<string, Statement>();
  const get = (sql: string): Statement => {
    const hit = statements.get(sql);
    if (hit) {
      statements.delete(sql);
      statements.set(sql, hit);
      return hit;
    }
    const statement = prepare(sql);
    statements.set(sql, statement);
    if (statements.size > size) statements.delete(statements.keys().next().value!);
    return statement;
  };
  const bound = (statement: Statement, params: unknown[]) => ({
    reader: statement.reader,
    run: () => statement.run(params),
    columns: () => statement.columns(),
    raw: () => ({ all: () => statement.raw(true).all(params) }),
  });
  // `prepare("BEGIN").run()` (a transaction's start) runs without binding anything.
  return (sql: string) => {
    const statement = get(sql);
    return { ...bound(statement, []), bind: (params: unknown[]) => bound(statement, params) };
  };
}
