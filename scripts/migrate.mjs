#!/usr/bin/env node
// Applies the committed migrations of the database DATABASE_URL names (SQLite file by default, or PostgreSQL).
// The start and test commands call this; nobody migrates by hand.
import { execFile, execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function migrateCommand(env) {
  const url = env.DATABASE_URL || "file:./.data/portal.db";
  if (url.startsWith("file:")) mkdirSync(dirname(resolve(root, url.slice(5))), { recursive: true });
  return {
    file: join(root, "node_modules", ".bin", "prisma"),
    args: ["migrate", "deploy"],
    options: { cwd: root, env: { ...env, DATABASE_URL: url, CHECKPOINT_DISABLE: "1", PRISMA_HIDE_UPDATE_MESSAGE: "1" } },
  };
}

export function migrate(env = process.env) {
  const { file, args, options } = migrateCommand(env);
  execFileSync(file, args, { ...options, stdio: ["ignore", "pipe", "inherit"] });
}

/** Same, without blocking the event loop (tests run servers in the same process). */
export function migrateAsync(env = process.env) {
  const { file, args, options } = migrateCommand(env);
  return new Promise((resolvePromise, reject) => {
    execFile(file, args, options, (error, _stdout, stderr) =>
      error ? reject(new Error(`prisma migrate deploy failed: ${stderr}`)) : resolvePromise(),
    );
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  migrate();
  console.log(`database migrated (${(process.env.DATABASE_URL || "file:./.data/portal.db").replace(/\/\/[^@]*@/, "//***@")})`);
}
