#!/usr/bin/env node
// Generates both Prisma clients (SQLite and PostgreSQL). One build of the portal serves either database, so both
// clients must exist; lib/core/db.ts picks one at runtime from DATABASE_URL. Runs after `npm install` and before tests.
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const prisma = join(root, "node_modules", ".bin", "prisma");
for (const provider of ["sqlite", "postgresql"]) {
  execFileSync(prisma, ["generate"], {
    cwd: root,
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, PRISMA_PROVIDER: provider, CHECKPOINT_DISABLE: "1", PRISMA_HIDE_UPDATE_MESSAGE: "1" },
  });
}
console.log("prisma: generated the sqlite and postgresql clients");
