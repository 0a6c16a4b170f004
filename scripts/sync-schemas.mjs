#!/usr/bin/env node
// Writes prisma/postgresql/schema.prisma from the SQLite source. Prisma fixes the provider per schema file, so the
// two must be separate files; generating one from the other is what keeps them from drifting.
// `--check` exits 1 when the committed PostgreSQL schema differs from what would be generated.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const source = join(root, "prisma/sqlite/schema.prisma");
const target = join(root, "prisma/postgresql/schema.prisma");

export function toPostgresql(schema) {
  const out = schema
    .replace('provider = "sqlite"', 'provider = "postgresql"')
    .replace('url      = "file:./unused.db"', 'url      = "postgresql://unused@localhost/unused"')
    .replace('output     = "../../generated/sqlite"', 'output     = "../../generated/postgresql"')
    .replace(
      /^\/\/ Source of truth[^\n]*\n\/\/[^\n]*\n\/\/[^\n]*\n/m,
      "// GENERATED from prisma/sqlite/schema.prisma by scripts/sync-schemas.mjs. Do not edit.\n",
    );
  for (const needle of ['provider = "postgresql"', "generated/postgresql", "postgresql://unused"]) {
    if (!out.includes(needle)) throw new Error(`sync-schemas: could not rewrite the SQLite schema (missing ${needle})`);
  }
  return out;
}

const expected = toPostgresql(readFileSync(source, "utf8"));
if (process.argv.includes("--check")) {
  let actual = "";
  try {
    actual = readFileSync(target, "utf8");
  } catch {}
  if (actual !== expected) {
    console.error("prisma/postgresql/schema.prisma is out of date: run `npm run db:sync-schemas`.");
    process.exit(1);
  }
  console.log("schemas in sync");
} else {
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, expected);
  console.log("wrote prisma/postgresql/schema.prisma");
}
