/**
 * Vitest's global setup: migrates this run's database templates once (see database-templates.ts) and hands their
 * names to the test files through `provide`; drops them when the run ends.
 */
import type { TestProject } from "vitest/node";
import { buildPostgresTemplate, buildSqliteTemplate, dropPostgresDatabase } from "./database-templates";
import { isPostgresReachable, redactUrl, TEST_POSTGRES_URL } from "./postgres-server";

declare module "vitest" {
  export interface ProvidedContext {
    /** The migrated SQLite file each test database is copied from. */
    sqliteTemplateFile: string;
    /** The migrated PostgreSQL database each test database is created from; null when PostgreSQL is down (locally). */
    postgresTemplate: string | null;
  }
}

export default async function setup(project: TestProject) {
  const [sqlite, postgres] = await Promise.all([
    buildSqliteTemplate(),
    // Under CI an unreachable server fails the PostgreSQL cases themselves (providersUnderTest), with that message.
    isPostgresReachable().then((up) => (up ? buildPostgresTemplate(TEST_POSTGRES_URL) : null)),
  ]);
  if (!postgres) console.warn(`PostgreSQL unreachable at ${redactUrl(TEST_POSTGRES_URL)}: no PostgreSQL template for this run.`);
  project.provide("sqliteTemplateFile", sqlite.file);
  project.provide("postgresTemplate", postgres);
  return async () => {
    sqlite.cleanup();
    if (postgres) await dropPostgresDatabase(TEST_POSTGRES_URL, postgres).catch(() => {});
  };
}
