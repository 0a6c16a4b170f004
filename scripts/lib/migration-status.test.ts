/** "Is the schema current?": Prisma's record of applied migrations against the committed migration folders. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error -- plain ESM script shared with the commands
import { compareMigrations, migrationStatus, readCommittedMigrations } from "./migration-status.mjs";
// @ts-expect-error -- plain ESM script shared with the commands
import { migrateAsync } from "../migrate.mjs";

const committed = [
  { name: "0001_init", checksum: "a" },
  { name: "0002_more", checksum: "b" },
];
const row = (migration_name: string, checksum: string, finished = true, rolledBack = false) => ({
  migration_name,
  checksum,
  finished_at: finished ? "2026-01-01T00:00:00Z" : null,
  rolled_back_at: rolledBack ? "2026-01-01T00:00:01Z" : null,
});

describe("compareMigrations", () => {
  it("is current when every committed migration has a finished row", () => {
    expect(compareMigrations(committed, [row("0001_init", "a"), row("0002_more", "b")])).toEqual({
      current: true,
      pending: [],
      failed: [],
      modified: [],
      unknown: [],
    });
  });

  it("is behind on a database without Prisma's table, with every migration pending", () => {
    expect(compareMigrations(committed, null)).toMatchObject({ current: false, pending: ["0001_init", "0002_more"] });
  });

  it("is behind when a committed migration has no row, or only a rolled-back one", () => {
    expect(compareMigrations(committed, [row("0001_init", "a")])).toMatchObject({ current: false, pending: ["0002_more"] });
    expect(compareMigrations(committed, [row("0001_init", "a"), row("0002_more", "b", true, true)])).toMatchObject({
      current: false,
      pending: ["0002_more"],
    });
  });

  it("is not current while a migration is left failed (started, never finished, not rolled back)", () => {
    expect(compareMigrations(committed, [row("0001_init", "a"), row("0002_more", "b", false)])).toMatchObject({
      current: false,
      failed: ["0002_more"],
    });
  });

  it("a failed attempt that was later applied is not a failure", () => {
    expect(compareMigrations(committed, [row("0001_init", "a"), row("0002_more", "b", false, true), row("0002_more", "b")]).current).toBe(true);
  });

  it("reports an edited migration and one this checkout does not know, without calling the schema stale", () => {
    expect(compareMigrations(committed, [row("0001_init", "changed"), row("0002_more", "b"), row("0003_newer", "c")])).toEqual({
      current: true,
      pending: [],
      failed: [],
      modified: ["0001_init"],
      unknown: ["0003_newer"],
    });
  });
});

describe("migrationStatus on a real SQLite file", () => {
  it("reads the committed folders with Prisma's checksums, and agrees with migrate deploy", async () => {
    const mine = readCommittedMigrations("sqlite");
    expect(mine.length).toBeGreaterThan(0);
    expect(mine[0]).toMatchObject({ name: "0001_init", checksum: expect.stringMatching(/^[0-9a-f]{64}$/) });

    const dir = mkdtempSync(join(tmpdir(), "portal-status-"));
    try {
      const url = `file:${join(dir, "status.db")}`;
      expect(await migrationStatus(url)).toMatchObject({ current: false, pending: mine.map((m: { name: string }) => m.name) });
      await migrateAsync({ ...process.env, DATABASE_URL: url });
      // The checksums match the ones Prisma recorded: nothing is reported modified.
      expect(await migrationStatus(url)).toEqual({ current: true, pending: [], failed: [], modified: [], unknown: [] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
