/**
 * A command started while another process holds the SQLite database in a write transaction (the portal committing a
 * step, a second command): it waits; when the holder lets go in time it proceeds, otherwise it says so in one line
 * and exits non-zero. Never a stack trace or a byte dump. Both when the command has to migrate first and when the
 * schema is already current.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDefaultScenario } from "@/emulator/scenarios/default";
import { DATABASE_BUSY_MESSAGE, DATABASE_WRITE_BUSY_MESSAGE } from "@/lib/cli/command-error";
import { useMicrosoftSandbox } from "@/test/support/microsoft-sandbox";
import { runPortalCommand, traceLines } from "@/test/support/portal-command";
import { holdWriteLock } from "@/test/support/sqlite-lock-holder";
import { createTestDatabase, type TestDatabase } from "@/test/support/test-databases";
// @ts-expect-error -- plain ESM script shared with the commands
import { migrationStatus } from "./lib/migration-status.mjs";

const fx = useMicrosoftSandbox(() => buildDefaultScenario());

function provisionEnv(url: string, extra: Record<string, string> = {}) {
  return {
    DATABASE_URL: url,
    PORTAL_ENCRYPTION_KEYS: `cli:${randomBytes(32).toString("base64")}`,
    MICROSOFT_AUTHORITY_HOST: fx.origin,
    MICROSOFT_GRAPH_URL: fx.graphUrl,
    MICROSOFT_DISCOVERY_URL: fx.discoveryUrl,
    DYNAMICS_ALLOWED_HOSTS: new URL(fx.origin).host,
    PORTAL_CLIENT_ID: fx.config.portalClientId,
    LOG_LEVEL: "error",
    ...extra,
  };
}

describe("a command that must migrate while another process holds the database", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "portal-held-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("waits, then migrates and carries on when the holder lets go in time", async () => {
    const file = join(dir, "released.db");
    const holder = await holdWriteLock(file);
    const run = runPortalCommand("provision", ["--account", "nobody-yet", "--environment", "Contoso Sales", "--yes"], {
      ...provisionEnv(`file:${file}`, { DATABASE_BUSY_WAIT_MS: "30000" }),
    });
    await new Promise((r) => setTimeout(r, 1_500));
    await holder.release();

    expect(await run.exited, run.output()).toBe(2);
    // It got past the migration to the command's own answer about the unknown account.
    expect(run.output()).toContain("is not known to the portal");
    expect(run.output()).not.toContain(DATABASE_BUSY_MESSAGE);
    expect(traceLines(run.output())).toEqual([]);
    expect((await migrationStatus(`file:${file}`)).current).toBe(true);
  }, 90_000);

  it("says in one line that the database is busy when the holder keeps it past the bound, and changes nothing", async () => {
    const file = join(dir, "held.db");
    const holder = await holdWriteLock(file);
    try {
      const run = runPortalCommand("provision", ["--account", "nobody-yet", "--create-account", "--yes"], {
        ...provisionEnv(`file:${file}`, { DATABASE_BUSY_WAIT_MS: "1500" }),
      });
      expect(await run.exited).not.toBe(0);
      const lines = run.output().trim().split("\n");
      expect(lines).toEqual([`✗ ${DATABASE_BUSY_MESSAGE}`]);
    } finally {
      await holder.release();
    }
    expect((await migrationStatus(`file:${file}`)).pending.length).toBeGreaterThan(0);
  }, 90_000);
});

describe("a command beside another process's write transaction, schema current", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase("sqlite");
    await t.db.account.count();
  });
  afterAll(async () => t?.cleanup());

  it("waits for the write lock and proceeds when it is released in time", async () => {
    const holder = await holdWriteLock(t.url.slice("file:".length));
    const run = runPortalCommand(
      "provision",
      ["--account", "acme-waits", "--create-account", "--environment", "Contoso Sales", "--yes"],
      provisionEnv(t.url),
    );
    try {
      await new Promise((r) => setTimeout(r, 1_500));
      expect(await t.db.account.count({ where: { actonAccountId: "acme-waits" } })).toBe(0);
      await holder.release();
      // The account was written once the lock was free, and the command went on to the Microsoft sign-in.
      await Promise.race([
        run.waitFor(/To sign in, use a web browser/),
        new Promise((_, reject) => setTimeout(() => reject(new Error(`no sign-in prompt after 40 s:\n${run.output()}`)), 40_000)),
      ]);
      expect(await t.db.account.count({ where: { actonAccountId: "acme-waits" } })).toBe(1);
      expect(traceLines(run.output())).toEqual([]);
    } finally {
      run.kill();
      await run.exited;
      await holder.release();
    }
  }, 90_000);

  it("says in one line that the database is busy when the write lock is held past the busy timeout", async () => {
    const holder = await holdWriteLock(t.url.slice("file:".length));
    try {
      const run = runPortalCommand("provision", ["--account", "acme-gives-up", "--create-account", "--yes"], provisionEnv(t.url));
      expect(await run.exited).toBe(1);
      expect(run.output().trim().split("\n")).toEqual([`✗ ${DATABASE_WRITE_BUSY_MESSAGE}`]);
    } finally {
      await holder.release();
    }
    expect(await t.db.account.count({ where: { actonAccountId: "acme-gives-up" } })).toBe(0);
  }, 90_000);
});
