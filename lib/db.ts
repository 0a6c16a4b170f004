import "server-only";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient as SqliteClient } from "@/generated/sqlite/client";
import { PrismaClient as PostgresClient } from "@/generated/postgresql/client";
import { getEnv } from "./env";

/**
 * The one place a PrismaClient is built. Both generated clients exist (Prisma ties a client to one provider), and
 * DATABASE_URL picks between them, so one build of the portal serves SQLite and PostgreSQL alike.
 * The SQLite client's type is the canonical one: the schemas are generated from the same source.
 */
export type Db = InstanceType<typeof SqliteClient>;

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

export function createDb(url: string): Db {
  if (isPostgresUrl(url)) {
    return new PostgresClient({ adapter: new PrismaPg({ connectionString: url }) }) as unknown as Db;
  }
  return new SqliteClient({ adapter: new PrismaBetterSQLite3({ url }) });
}

const globalForDb = globalThis as unknown as { portalDb?: Db };

/** The process-wide client, created on first use (never at import: `next build` evaluates route modules). */
export function getDb(): Db {
  return (globalForDb.portalDb ??= createDb(getEnv().DATABASE_URL));
}
