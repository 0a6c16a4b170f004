/**
 * Migrated database templates for one Vitest run: a SQLite file and a PostgreSQL database, each migrated once with
 * the committed migrations (scripts/migrate.mjs, the start command's `migrate deploy`). Every test file then copies the
 * file or runs `CREATE DATABASE … TEMPLATE` instead of spawning the Prisma CLI itself (1.5–2.3 s each, ~60 times).
 *
 * A template's name carries a hash of both migrations folders and this run's id: a changed migration can never be
 * served from an old template, and two checkouts testing at once never share (or drop) each other's templates.
 */
import { createHash, randomBytes } from "node:crypto";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
// @ts-expect-error -- plain ESM script shared with the start command
import { migrateAsync } from "../../scripts/migrate.mjs";

const ROOT = join(import.meta.dirname, "..", "..");
const MIGRATIONS = ["sqlite", "postgresql"].map((p) => join(ROOT, "prisma", p, "migrations"));
/** PostgreSQL template databases this module makes: `portal_tpl_<migrations hash>_<run id>`. */
const TEMPLATE_PREFIX = "portal_tpl_";
/** A template this old was left by a run that died before its teardown (a run takes minutes, not hours). */
const ABANDONED_AFTER_MS = 6 * 60 * 60_000;

/** A short hash of every migration file (path and content), so a changed migration means a new template. */
function migrationsHash(folders: string[] = MIGRATIONS): string {
  const hash = createHash("sha256");
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else hash.update(path.slice(ROOT.length)).update("\0").update(readFileSync(path)).update("\0");
    }
  };
  for (const folder of folders) walk(folder);
  return hash.digest("hex").slice(0, 12);
}

/** The template database name of a run, and the time it was made (base 36), so an abandoned one can be dropped. */
function templateName(hash: string, now = Date.now()): string {
  return `${TEMPLATE_PREFIX}${hash}_${now.toString(36)}_${randomBytes(3).toString("hex")}`;
}

/** When the template `name` was made, or null if the name is not one of ours. */
function templateCreatedAt(name: string): number | null {
  const m = /^portal_tpl_[0-9a-f]{12}_([0-9a-z]+)_[0-9a-f]{6}$/.exec(name);
  return m ? parseInt(m[1], 36) : null;
}

/** Migrates a SQLite file in a fresh temporary folder and folds its write-ahead log in, so a plain copy is complete. */
export async function buildSqliteTemplate(): Promise<{ file: string; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), "portal-template-"));
  const file = join(dir, "template.db");
  await migrateAsync({ ...process.env, DATABASE_URL: `file:${file}` });
  const db = new Database(file);
  try {
    db.pragma("wal_checkpoint(TRUNCATE)");
    // Rollback journal in the template: each copy starts from one self-contained file (lib/core/db.ts turns WAL on again).
    db.pragma("journal_mode = DELETE");
  } finally {
    db.close();
  }
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Copies the template file to `target` (a test's own database). */
export function copySqliteTemplate(templateFile: string, target: string): void {
  copyFileSync(templateFile, target);
}

function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withAdmin<T>(serverUrl: string, f: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await f(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Creates and migrates this run's PostgreSQL template; drops templates that runs which died long ago left behind. */
export async function buildPostgresTemplate(serverUrl: string, hash = migrationsHash()): Promise<string> {
  const name = templateName(hash);
  await withAdmin(serverUrl, async (admin) => {
    const { rows } = await admin.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'portal\\_tpl\\_%'");
    for (const { datname } of rows) {
      const createdAt = templateCreatedAt(datname);
      if (createdAt !== null && Date.now() - createdAt > ABANDONED_AFTER_MS) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
    await admin.query(`CREATE DATABASE "${name}"`);
  });
  try {
    await migrateAsync({ ...process.env, DATABASE_URL: databaseUrl(serverUrl, name) });
  } catch (error) {
    await dropPostgresDatabase(serverUrl, name);
    throw error;
  }
  return name;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `CREATE DATABASE name TEMPLATE template`. PostgreSQL refuses while any other session is connected to the template
 * (SQLSTATE 55006, "source database … is being accessed by other users"): briefly, when a migration's connection is
 * still closing, or another file's copy is under way. Retried with a short backoff for up to 30 s.
 */
export async function createDatabaseFromTemplate(serverUrl: string, name: string, template: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (let attempt = 0; ; attempt++) {
    try {
      await withAdmin(serverUrl, (admin) => admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
      return databaseUrl(serverUrl, name);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== "55006" || Date.now() > deadline) throw error;
      await sleep(Math.min(50 * 2 ** attempt, 500) + Math.random() * 50);
    }
  }
}

export async function dropPostgresDatabase(serverUrl: string, name: string): Promise<void> {
  await withAdmin(serverUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}
