import "server-only";
import type { Db } from "../db";
import { appError, fail, ok, type Result } from "../errors";
import { toRunView, type RunView } from "./run-view";
import { loadRun } from "./store";

const CONNECTION_VIEW_SELECT = {
  id: true,
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
  lastErrorCode: true,
  lastErrorMessage: true,
} as const;

/** A run's live state, as the checklist and the CLI show it (no secret is ever selected). */
export async function getRunView(db: Db, runId: string): Promise<Result<RunView>> {
  const run = await loadRun(db, runId);
  if (!run) return fail(appError("not_found", "That setup run does not exist."));
  const connection = await db.connection.findUniqueOrThrow({ where: { id: run.connectionId }, select: CONNECTION_VIEW_SELECT });
  return ok(toRunView(run, connection));
}
