// Prisma CLI configuration (migrate deploy / migrate diff / generate). The provider follows DATABASE_URL, as at
// runtime; PRISMA_PROVIDER overrides it so both clients can be generated without a database.
// Prisma does not load .env when this file exists, which is what we want: scripts/run.mjs sets the environment.
import path from "node:path";
import { defineConfig } from "prisma/config";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";

const url = process.env.DATABASE_URL || "file:./.data/portal.db";
const provider =
  process.env.PRISMA_PROVIDER === "postgresql" || process.env.PRISMA_PROVIDER === "sqlite"
    ? process.env.PRISMA_PROVIDER
    : /^postgres(ql)?:\/\//.test(url)
      ? "postgresql"
      : "sqlite";

if (provider === "postgresql") {
  // prisma/orm#27403: adapter-pg cannot deserialize the catalog types `name` (19) and `"char"` (18) that
  // migrate reads; present them as text.
  const proto = pg.Result.prototype as unknown as { addFields(f: { dataTypeID: number }[]): void };
  const original = proto.addFields;
  proto.addFields = function (fields) {
    for (const f of fields) if (f.dataTypeID === 19 || f.dataTypeID === 18) f.dataTypeID = 25;
    return original.call(this, fields);
  };
}

/** Discrete fields, not connectionString: migrate's shadow database overrides `database`, which pg ignores otherwise. */
function pgConfigFromUrl(raw: string): pg.PoolConfig {
  const u = new URL(raw);
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : 5432,
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.slice(1)) || "postgres",
    idleTimeoutMillis: 1,
    allowExitOnIdle: true,
  };
}

/**
 * The CLI's busy timeout on SQLite: how long `migrate deploy` waits for its exclusive lock while another process holds
 * the file (scripts/migrate.mjs passes the command's bound). Without one it would wait better-sqlite3's default 5 s.
 */
const busyTimeoutMs = Number(process.env.DATABASE_BUSY_WAIT_MS || NaN) >= 0 ? Number(process.env.DATABASE_BUSY_WAIT_MS) : 15_000;

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join("prisma", provider, "schema.prisma"),
  migrations: { path: path.join("prisma", provider, "migrations") },
  adapter: async () => (provider === "postgresql" ? new PrismaPg(pgConfigFromUrl(url)) : new PrismaBetterSQLite3({ url, timeout: busyTimeoutMs })),
});
