/**
 * Migrates a bench database with the committed migrations. A dynamic import: tsx runs the benches as CommonJS, and
 * scripts/migrate.mjs has a top-level await, which require() cannot load (ERR_REQUIRE_ASYNC_MODULE).
 */
export async function migrateDatabase(url: string): Promise<void> {
  // @ts-expect-error -- plain ESM script shared with the start command
  const { migrateAsync } = await import("../scripts/migrate.mjs");
  await migrateAsync({ ...process.env, DATABASE_URL: url });
}
