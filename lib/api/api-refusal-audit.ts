import "server-only";
import { apiCallerActor, type ApiCaller } from "../api-auth/app-roles";
import { getDb, type Db } from "../core/db";
import { getEnv } from "../core/env";
import { log } from "../core/log";
import { recordAuditEvent } from "../domain/audit/record-audit-event";
import { RefusalCounter, type RefusalBatch, type RefusalKey } from "./refusal-counter";

const globalForRefusals = globalThis as unknown as { portalApiRefusals?: { key: string; counter: RefusalCounter } };

async function writeRefusalCounts(db: Db, batch: RefusalBatch): Promise<void> {
  for (const { count, ...key } of batch.counts) {
    await recordAuditEvent(db, {
      actor: { type: "system", id: "api-refusals" },
      action: "api.refusals",
      outcome: "failure",
      detail: { ...key, count, windowStart: batch.windowStart.toISOString(), windowEnd: batch.windowEnd.toISOString() },
    });
  }
}

/** This process's counter, bound to its database (one per database and window length, as a test may change both). */
function refusalCounter(): RefusalCounter {
  const env = getEnv();
  const key = `${env.DATABASE_URL}|${env.API_REFUSAL_AUDIT_WINDOW_MS}`;
  const cached = globalForRefusals.portalApiRefusals;
  if (cached?.key === key) return cached.counter;
  const db = getDb();
  const counter = new RefusalCounter({
    windowMs: env.API_REFUSAL_AUDIT_WINDOW_MS,
    write: (batch) => writeRefusalCounts(db, batch),
    onError: (error) => log.error("api: could not write the refusal counts to the audit log", { error }),
  });
  globalForRefusals.portalApiRefusals = { key, counter };
  return counter;
}

/** A refusal of a caller the API cannot hold to account: counted, and written with its window's count later. */
export function countAnonymousRefusal(key: RefusalKey): void {
  refusalCounter().count(key);
}

/** A caller whose token proved who they are, refused (a missing role, a service on the console's API): its own row. */
export async function recordCallerRefusal(
  db: Db,
  refusal: { caller: ApiCaller; method: string; route: string; path: string; reason: string; roles: readonly string[] },
): Promise<void> {
  await recordAuditEvent(db, {
    actor: apiCallerActor(refusal.caller),
    action: "api.refused",
    outcome: "failure",
    detail: { method: refusal.method, route: refusal.route, path: refusal.path, reason: refusal.reason, roles: [...refusal.roles] },
  });
}
