import "server-only";
import type { Db } from "../core/db";
import { isPostgresUrl } from "../core/db";

export type HealthReport = {
  status: "ok" | "degraded";
  version: string;
  database: { provider: "sqlite" | "postgresql"; reachable: boolean; latencyMs: number | null };
};

/** Pings the database with a bounded wait, so a hung connection reports "unreachable" instead of hanging the probe. */
export async function checkHealth(options: { db: () => Db; databaseUrl: string; version: string; timeoutMs?: number }): Promise<HealthReport> {
  const provider = isPostgresUrl(options.databaseUrl) ? "postgresql" : "sqlite";
  const started = performance.now();
  let reachable = false;
  try {
    await withTimeout(options.db().$queryRawUnsafe("SELECT 1"), options.timeoutMs ?? 2000);
    reachable = true;
  } catch {
    reachable = false;
  }
  return {
    status: reachable ? "ok" : "degraded",
    version: options.version,
    database: { provider, reachable, latencyMs: reachable ? Math.round(performance.now() - started) : null },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
