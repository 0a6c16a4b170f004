import "server-only";
import { canView, type Viewer } from "../domain/connection/viewer";
import type { Db } from "../core/db";
import { appError, fail, ok, type Result } from "../core/errors";
import { toRunView, type RunView } from "../domain/run/run-view";
import { loadRun } from "../domain/run/run-store";

/** The connection columns a view shows (selected one by one, so a secret can never ride along). */
export const CONNECTION_VIEW_SELECT = {
  id: true,
  accountId: true,
  status: true,
  authMode: true,
  environmentUrl: true,
  environmentName: true,
  tenantId: true,
  clientId: true,
  applicationUserId: true,
  securityRole: true,
  lastVerifiedAt: true,
  secretExpiresAt: true,
  credentialMode: true,
  lastErrorCode: true,
  lastErrorMessage: true,
} as const;

const NOT_FOUND = () => fail<RunView>(appError("not_found", "That setup run does not exist."));

/**
 * A run's live state, as the checklist and the CLI show it (no secret is ever selected). An account viewer asking
 * for another account's run gets not_found, the same answer as for an id that does not exist.
 */
export async function getRunView(db: Db, runId: string, options: { viewer: Viewer }): Promise<Result<RunView>> {
  const run = await loadRun(db, runId);
  if (!run) return NOT_FOUND();
  const connection = await db.connection.findUniqueOrThrow({ where: { id: run.connectionId }, select: CONNECTION_VIEW_SELECT });
  if (!canView(options.viewer, connection.accountId)) return NOT_FOUND();
  return ok(toRunView(run, connection));
}
