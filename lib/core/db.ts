import "server-only";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient as SqliteClient, type Prisma } from "@/generated/sqlite/client";
import { PrismaClient as PostgresClient } from "@/generated/postgresql/client";
import { getEnv } from "./env";
import { createSqliteAdapter } from "./sqlite-adapter";

/**
 * The one place a PrismaClient is built. Both generated clients exist (Prisma ties a client to one provider), and
 * DATABASE_URL picks between them, so one build of the portal serves SQLite and PostgreSQL alike.
 * The SQLite client's type is the canonical one: the schemas are generated from the same source.
 */
export type Db = InstanceType<typeof SqliteClient>;

/** A transaction's client: commands that write inside their caller's transaction take it. */
export type Tx = Prisma.TransactionClient;

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

/**
 * How long an interactive transaction may wait for one of the pool's connections, and run. Prisma's defaults (2 s and
 * 5 s) failed most of a hundred concurrent onboardings on PostgreSQL on a loaded 2-core machine ("Unable to start a
 * transaction in the given time"): the engine's short transactions queue for the pool's ten connections, and a
 * commit that waits is better than a run that fails.
 */
const POSTGRES_TRANSACTION_OPTIONS = { maxWait: 15_000, timeout: 20_000 };

export function createDb(url: string): Db {
  if (isPostgresUrl(url)) {
    return new PostgresClient({
      adapter: new PrismaPg({ connectionString: url }),
      transactionOptions: POSTGRES_TRANSACTION_OPTIONS,
    }) as unknown as Db;
  }
  const client = new SqliteClient({ adapter: createSqliteAdapter(url) });
  // Write-ahead logging: readers never block the writer (the CLI, the portal and a crashed-then-resumed runner may
  // share the file) and a commit appends to the log instead of syncing the whole database; NORMAL sync is safe in WAL.
  // WAL is a property of the file, set once by scripts/migrate.mjs before any of them opens it; asking again here is a
  // no-op then, and covers a file migrated before that. synchronous is per connection. Issued first on the client's
  // single connection, so every later query runs with them.
  client.$queryRawUnsafe("PRAGMA journal_mode = WAL").catch(() => {});
  client.$queryRawUnsafe("PRAGMA synchronous = NORMAL").catch(() => {});
  return client;
}

const globalForDb = globalThis as unknown as { portalDb?: Db };

/** The process-wide client, created on first use (never at import: `next build` evaluates route modules). */
export function getDb(): Db {
  return (globalForDb.portalDb ??= createDb(getEnv().DATABASE_URL));
}
