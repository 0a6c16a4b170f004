/** The benches' databases: fresh, migrated with the committed migrations, dropped afterwards. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

export const POSTGRES_URL = process.env.TEST_POSTGRES_URL || "postgresql://postgres@127.0.0.1:5432/test";

/**
 * A dynamic import: tsx runs the benches as CommonJS, and scripts/migrate.mjs has a top-level await, which require()
 * cannot load (ERR_REQUIRE_ASYNC_MODULE).
 */
async function migrateDatabase(url: string): Promise<void> {
  // @ts-expect-error -- plain ESM script shared with the start command
  const { migrateAsync } = await import("../scripts/migrate.mjs");
  await migrateAsync({ ...process.env, DATABASE_URL: url });
}

/** A fresh, migrated database of `provider` named after `prefix`; `drop` removes it (disconnect its clients first). */
export async function createBenchDatabase(provider: "sqlite" | "postgresql", prefix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  if (provider === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    const url = `file:${join(dir, "bench.db")}`;
    await migrateDatabase(url);
    return { url, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `${prefix.replace(/-/g, "_")}_${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const u = new URL(POSTGRES_URL);
  u.pathname = `/${name}`;
  await migrateDatabase(u.toString());
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: POSTGRES_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}
