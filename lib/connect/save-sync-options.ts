import "server-only";
import type { Prisma } from "@/generated/sqlite/client";
import type { SyncOptions } from "../connections/sync-options.schema";
import { getDb } from "../core/db";
import { appError, fail, ok, type Result } from "../core/errors";
import { recordAuditEvent } from "../domain/audit/record-audit-event";
import { saveSyncOptions as storeSyncOptions } from "../domain/connection/commands";
import { adminActor } from "../sessions/current-session";
import type { Authorized } from "./authorize";

/** Saves Act-On's sync options on an active connection (already parsed by the form's schema), audited. */
export async function saveSyncOptions({ session, connection }: Authorized, syncOptions: SyncOptions): Promise<Result<void>> {
  if (connection.status !== "active") return fail(appError("conflict", "Sync options can be saved once the connection is active."));
  const db = getDb();
  await storeSyncOptions(db, { connectionId: connection.id, syncOptions: syncOptions as unknown as Prisma.InputJsonObject });
  await recordAuditEvent(db, {
    actor: adminActor(session),
    action: "connection.syncOptionsSaved",
    accountId: session.accountId,
    connectionId: connection.id,
    outcome: "success",
    detail: { records: syncOptions.records, scoreTarget: syncOptions.score.target, intervalHours: syncOptions.schedule.intervalHours },
  });
  return ok(undefined);
}
