// Is the database's schema current? Compares Prisma's own record of applied migrations (`_prisma_migrations`) with
// the committed migration folders, without Prisma's schema engine: `migrate deploy` takes an exclusive lock on a
// SQLite file (PRAGMA locking_mode=EXCLUSIVE) even when nothing is pending, which it cannot get while the running
// portal holds the file open in WAL mode. Reading the table needs no lock at all in WAL mode.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ROOT } from "./paths.mjs";

/**
 * @typedef {{ name: string; checksum: string }} CommittedMigration
 * @typedef {{ migration_name: string; checksum: string; finished_at: unknown; rolled_back_at: unknown }} AppliedRow
 * @typedef {{ current: boolean; pending: string[]; failed: string[]; modified: string[]; unknown: string[] }} MigrationStatus
 */

/**
 * Pure. `applied` is null when the database has no `_prisma_migrations` table (or no file) yet.
 * Current means every committed migration has a finished, not rolled back row, and no migration is left failed
 * (`migrate deploy` refuses to go on past one). An edited migration (`modified`, checksum differs) or one the code
 * does not know (`unknown`, a newer checkout migrated this database) is reported but does not make the schema stale:
 * `migrate deploy` would change nothing for either.
 * @param {CommittedMigration[]} committed
 * @param {AppliedRow[] | null} applied
 * @returns {MigrationStatus}
 */
export function compareMigrations(committed, applied) {
  const rows = applied ?? [];
  const done = new Map();
  const failed = new Set();
  for (const row of rows) {
    if (row.rolled_back_at != null) continue;
    if (row.finished_at == null) failed.add(row.migration_name);
    else done.set(row.migration_name, row.checksum);
  }
  const names = new Set(committed.map((m) => m.name));
  const pending = committed.filter((m) => !done.has(m.name)).map((m) => m.name);
  const modified = committed.filter((m) => done.has(m.name) && done.get(m.name) !== m.checksum).map((m) => m.name);
  const unknown = [...done.keys()].filter((name) => !names.has(name));
  const stillFailed = [...failed].filter((name) => !done.has(name));
  return { current: pending.length === 0 && stillFailed.length === 0, pending, failed: stillFailed, modified, unknown };
}

export function isPostgresUrl(url) {
  return /^postgres(ql)?:\/\//.test(url);
}

/** The committed migrations of a provider, in the order Prisma applies them, with Prisma's checksum (SHA-256 of the file). */
export function readCommittedMigrations(provider, root = ROOT) {
  const dir = join(root, "prisma", provider, "migrations");
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, "migration.sql")))
    .map((entry) => entry.name)
    .sort()
    .map((name) => ({
      name,
      checksum: createHash("sha256")
        .update(readFileSync(join(dir, name, "migration.sql")))
        .digest("hex"),
    }));
}

const APPLIED_SQL = "SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations";

/** Prisma's rows for the database at `url`, or null when it has none yet. Waits up to `busyTimeoutMs` for a lock. */
async function readAppliedMigrations(url, { busyTimeoutMs = 5_000, root = ROOT } = {}) {
  if (isPostgresUrl(url)) {
    const { default: pg } = await import("pg");
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: busyTimeoutMs });
    await client.connect();
    try {
      const exists = await client.query("SELECT to_regclass('_prisma_migrations') IS NOT NULL AS present");
      if (!exists.rows[0].present) return null;
      return (await client.query(APPLIED_SQL)).rows;
    } finally {
      await client.end().catch(() => {});
    }
  }
  const file = resolve(root, url.replace(/^file:/, ""));
  if (!existsSync(file)) return null;
  const { default: Database } = await import("better-sqlite3");
  const db = new Database(file, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
  try {
    const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'").get();
    return table ? db.prepare(APPLIED_SQL).all() : null;
  } finally {
    db.close();
  }
}

/** The schema status of the database at `url` against this checkout's migrations. */
export async function migrationStatus(url, options = {}) {
  const committed = readCommittedMigrations(isPostgresUrl(url) ? "postgresql" : "sqlite", options.root);
  return compareMigrations(committed, await readAppliedMigrations(url, options));
}
