import "server-only";
import type { Db } from "../core/db";

/**
 * Which database a client talks to, for the few raw queries whose SQL differs (enum casts, collations). Read from
 * the client itself, not from the environment, so a test's or a bench's own database is judged correctly.
 */
export function isPostgresDb(db: Db): boolean {
  return (db as unknown as { _activeProvider?: string })._activeProvider === "postgresql";
}
