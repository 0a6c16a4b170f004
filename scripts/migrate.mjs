#!/usr/bin/env node
// Applies the committed migrations of the database DATABASE_URL names (SQLite file by default, or PostgreSQL).
// The start and test commands call this; nobody migrates by hand.
import { execFile, execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CommandFailure, DATABASE_BUSY_MESSAGE, reportFailure } from "./lib/command-failure.mjs";
import { isPostgresUrl, migrationStatus } from "./lib/migration-status.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const DEFAULT_URL = "file:./.data/portal.db";

/** How long a command waits for a database another process holds before saying so (DATABASE_BUSY_WAIT_MS). */
export function busyWaitMs(env = process.env) {
  const ms = Number(env.DATABASE_BUSY_WAIT_MS || NaN);
  return Number.isFinite(ms) && ms >= 0 ? ms : 15_000;
}

function migrateCommand(env) {
  const url = env.DATABASE_URL || DEFAULT_URL;
  if (url.startsWith("file:")) mkdirSync(dirname(resolve(root, url.slice(5))), { recursive: true });
  return {
    file: join(root, "node_modules", ".bin", "prisma"),
    args: ["migrate", "deploy"],
    options: {
      cwd: root,
      // prisma.config.ts gives the CLI's SQLite connection this busy timeout: the bound on waiting for the lock.
      env: { ...env, DATABASE_URL: url, DATABASE_BUSY_WAIT_MS: String(busyWaitMs(env)), CHECKPOINT_DISABLE: "1", PRISMA_HIDE_UPDATE_MESSAGE: "1" },
    },
  };
}

/**
 * Why `migrate deploy` failed because another process held the database: on SQLite the adapter reports SQLITE_BUSY
 * as `SocketTimeout`, a kind the schema engine does not know, hence the WASM error; on PostgreSQL Prisma times out on
 * its advisory lock (P1002).
 */
export function isBusyFailure(output) {
  return /SocketTimeout|SQLITE_BUSY|database is locked|advisory lock|\bP1002\b/i.test(output);
}

/** WAL is a property of the file: set it once here, so every process that opens the database later shares it safely. */
async function setWriteAheadLog(url) {
  if (isPostgresUrl(url)) return;
  const { default: Database } = await import("better-sqlite3");
  const db = new Database(resolve(root, url.replace(/^file:/, "")), { timeout: 1_000 });
  try {
    db.pragma("journal_mode = WAL");
  } catch {
    // Held by someone else right now: lib/core/db.ts asks for WAL again on every connection.
  } finally {
    db.close();
  }
}

export function migrate(env = process.env) {
  const { file, args, options } = migrateCommand(env);
  execFileSync(file, args, { ...options, stdio: ["ignore", "pipe", "inherit"] });
}

/** Same, without blocking the event loop (tests run servers in the same process). */
export function migrateAsync(env = process.env) {
  const { file, args, options } = migrateCommand(env);
  return new Promise((resolvePromise, reject) => {
    execFile(file, args, options, (error, stdout, stderr) => {
      if (!error) return resolvePromise();
      const failure = new Error(`prisma migrate deploy failed: ${stderr}`);
      failure.output = `${stdout}\n${stderr}`;
      reject(failure);
    });
  });
}

/**
 * What every command does before it opens the database: migrate only when the schema is behind this checkout, so a
 * command beside the running portal (which keeps the file open) does not need the lock `migrate deploy` takes.
 * Throws a CommandFailure with one line to show: DATABASE_BUSY_MESSAGE when another process held the database
 * longer than DATABASE_BUSY_WAIT_MS. Resolves whether it migrated.
 */
export async function ensureMigrated(env = process.env) {
  const url = env.DATABASE_URL || DEFAULT_URL;
  let status;
  try {
    status = await migrationStatus(url, { busyTimeoutMs: busyWaitMs(env) });
  } catch (error) {
    if (error?.code === "SQLITE_BUSY" || error?.code === "SQLITE_LOCKED") throw new CommandFailure(DATABASE_BUSY_MESSAGE, { cause: error });
    throw new CommandFailure(`Cannot read the portal's database (${redactUrl(url)}): ${error?.message ?? error}`, { cause: error });
  }
  if (status.current) return { migrated: false, status };
  try {
    await migrateAsync({ ...env, DATABASE_URL: url });
  } catch (error) {
    if (isBusyFailure(error.output ?? error.message)) throw new CommandFailure(DATABASE_BUSY_MESSAGE, { cause: error });
    throw new CommandFailure(
      `The database's schema could not be brought up to date (${redactUrl(url)}); run \`npm run db:migrate\` to see Prisma's reason`,
      { cause: error },
    );
  }
  await setWriteAheadLog(url);
  return { migrated: true, status };
}

export function redactUrl(url) {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    migrate();
    await setWriteAheadLog(process.env.DATABASE_URL || DEFAULT_URL);
    console.log(`database migrated (${redactUrl(process.env.DATABASE_URL || DEFAULT_URL)})`);
  } catch (error) {
    process.exit(reportFailure(error));
  }
}
