/** The PostgreSQL server the tests use: TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test). */
import pg from "pg";

export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL || "postgresql://postgres@127.0.0.1:5432/test";

export async function isPostgresReachable(url = TEST_POSTGRES_URL): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}
