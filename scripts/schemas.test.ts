import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

describe("Prisma schemas", () => {
  it("keeps prisma/postgresql/schema.prisma generated from the SQLite source", () => {
    expect(() => execFileSync("node", ["scripts/sync-schemas.mjs", "--check"], { stdio: "pipe" })).not.toThrow();
  });

  it("has the same migrations, by name, for both providers", () => {
    const names = (p: string) =>
      readdirSync(`prisma/${p}/migrations`)
        .filter((n) => !n.endsWith(".toml"))
        .sort();
    expect(names("postgresql")).toEqual(names("sqlite"));
    expect(readFileSync("prisma/sqlite/migrations/migration_lock.toml", "utf8")).toContain('provider = "sqlite"');
    expect(readFileSync("prisma/postgresql/migrations/migration_lock.toml", "utf8")).toContain('provider = "postgresql"');
  });
});
