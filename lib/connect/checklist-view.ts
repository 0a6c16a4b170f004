import "server-only";
import { appError, fail, ok, type Result } from "../core/errors";
import type { Engine } from "../provisioning/engine";
import { loadOwnAdminSession } from "./admin-environments";
import type { Authorized } from "./authorize";
import { toChecklist, type ChecklistSnapshot } from "./checklist";
import { getLatestRun, getRunViewForViewer } from "./engine";

/**
 * The live checklist of the connection's latest run, as the progress page polls it: read-only, scoped to the
 * session's account, only the checklist's fields (never a secret). Every path's run shows here, waiting as waiting.
 */
export async function readChecklist(engine: Engine, { session, connection }: Authorized): Promise<Result<ChecklistSnapshot>> {
  const latest = await getLatestRun(engine.db, connection.id);
  if (!latest) return fail(appError("not_found", "This connection has no setup run yet."));
  const run = await getRunViewForViewer(engine.db, latest.id, { kind: "account", accountId: session.accountId });
  if (!run.ok) return run;
  const adminSignedIn = (await loadOwnAdminSession(connection.id, session, engine)) !== null;
  return ok(toChecklist(run.value, { adminSignedIn }));
}
