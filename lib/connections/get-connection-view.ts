import "server-only";
import type { Db } from "../core/db";
import { appError, fail, ok, type Result } from "../core/errors";
import { CONNECTION_VIEW_SELECT } from "../provisioning/get-run-view";
import { toConnectionView, toRunView, type ConnectionView, type RunView } from "../domain/run/run-view";
import { loadRun } from "../domain/run/run-store";
import { canView, type Viewer } from "../domain/connection/viewer";

/** A connection as its checklist shows it: the connection, its latest run (live), and its sync options. */
export type ConnectionPageView = {
  connection: ConnectionView;
  /** The newest run of the connection (unfinished, or the last one that finished); null before the first. */
  latestRun: RunView | null;
  /** Act-On sync options as saved (the sync-options schema parses them); null until the admin saves them. */
  syncOptions: Record<string, unknown> | null;
};

/**
 * Reads a connection for `viewer`. An account viewer asking for another account's connection gets not_found, the
 * same answer as for an id that does not exist, so ids cannot be probed.
 */
export async function getConnectionView(db: Db, connectionId: string, options: { viewer: Viewer }): Promise<Result<ConnectionPageView>> {
  const row = await db.connection.findUnique({
    where: { id: connectionId },
    select: { ...CONNECTION_VIEW_SELECT, syncOptions: true },
  });
  if (!row || !canView(options.viewer, row.accountId)) return fail(appError("not_found", "That connection does not exist."));
  const latest = await db.provisioningRun.findFirst({
    where: { connectionId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    select: { id: true },
  });
  const run = latest ? await loadRun(db, latest.id) : null;
  const { syncOptions, ...connection } = row;
  return ok({
    connection: toConnectionView(connection),
    latestRun: run ? toRunView(run, connection) : null,
    syncOptions: syncOptions && typeof syncOptions === "object" && !Array.isArray(syncOptions) ? (syncOptions as Record<string, unknown>) : null,
  });
}
