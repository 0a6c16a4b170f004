/**
 * Test fixtures that give each test file its own real database, on SQLite and on PostgreSQL, migrated with the
 * committed migrations (the same `migrate deploy` the start command runs): copied from the run's templates, which
 * Vitest's global setup migrated once (vitest-global-setup.ts), or migrated here when a file runs without it.
 *
 * PostgreSQL comes from TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test). When it is
 * unreachable the PostgreSQL cases are skipped locally, but under CI=true they fail: CI must prove both databases.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, inject } from "vitest";
import { createDb, type Db } from "../../lib/core/db";
// @ts-expect-error -- plain ESM script shared with the start command
import { migrateAsync } from "../../scripts/migrate.mjs";
import { copySqliteTemplate, createDatabaseFromTemplate, dropPostgresDatabase } from "./database-templates";
import { isPostgresReachable, redactUrl, TEST_POSTGRES_URL } from "./postgres-server";

export type TestDatabase = { provider: "sqlite" | "postgresql"; url: string; db: Db; cleanup: () => Promise<void> };

/** Which providers this run covers; throws under CI when PostgreSQL is down, rather than silently skipping it. */
export async function providersUnderTest(): Promise<("sqlite" | "postgresql")[]> {
  if (await isPostgresReachable()) return ["sqlite", "postgresql"];
  if (process.env.CI) throw new Error(`PostgreSQL is unreachable at ${redactUrl(TEST_POSTGRES_URL)}; CI requires it.`);
  console.warn(`PostgreSQL unreachable at ${redactUrl(TEST_POSTGRES_URL)}: running the SQLite cases only.`);
  return ["sqlite"];
}

/** The run's migrated templates (vitest-global-setup.ts); absent when a file runs without that setup. */
function templates(): { sqliteFile?: string; postgres?: string | null } {
  try {
    return { sqliteFile: inject("sqliteTemplateFile"), postgres: inject("postgresTemplate") };
  } catch {
    return {};
  }
}

export async function createTestDatabase(provider: "sqlite" | "postgresql"): Promise<TestDatabase> {
  const template = templates();
  if (provider === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "portal-db-"));
    const file = join(dir, "test.db");
    const url = `file:${file}`;
    if (template.sqliteFile) copySqliteTemplate(template.sqliteFile, file);
    else await migrateAsync({ ...process.env, DATABASE_URL: url });
    const db = createDb(url);
    return {
      provider,
      url,
      db,
      cleanup: async () => {
        await db.$disconnect();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const name = `portal_test_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  let url: string;
  if (template.postgres) {
    url = await createDatabaseFromTemplate(TEST_POSTGRES_URL, name, template.postgres);
  } else {
    const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    const base = new URL(TEST_POSTGRES_URL);
    base.pathname = `/${name}`;
    url = base.toString();
    await migrateAsync({ ...process.env, DATABASE_URL: url });
  }
  const db = createDb(url);
  return {
    provider,
    url,
    db,
    cleanup: async () => {
      await db.$disconnect();
      await dropPostgresDatabase(TEST_POSTGRES_URL, name);
    },
  };
}

/**
 * A database of `provider` for the enclosing describe block: created and migrated before its tests, dropped after.
 * The returned object is filled in by beforeAll, so read its fields inside tests.
 */
export function useTestDatabase(provider: "sqlite" | "postgresql"): TestDatabase {
  const fixture = {} as TestDatabase;
  beforeAll(async () => {
    Object.assign(fixture, await createTestDatabase(provider));
  });
  afterAll(async () => {
    await fixture.cleanup?.();
  });
  return fixture;
}
