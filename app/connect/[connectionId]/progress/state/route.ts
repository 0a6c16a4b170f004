import { getDb } from "@/lib/db";
import { appError, errorResponse } from "@/lib/errors";
import { toChecklist } from "@/lib/journey/checklist";
import { connectionIdSchema } from "../../form-schemas";
import { getLatestRun, getRunViewForViewer } from "@/lib/journey/portal-engine";
import { loadOwnAdminSession } from "@/lib/journey/admin-environments";
import { authorizeJourneyAction } from "@/lib/journey/authorize-journey-action";
import { getCurrentSession } from "@/lib/sessions/current-session";

export const dynamic = "force-dynamic";

/**
 * GET: the live checklist's state (what the progress page polls). Read-only, scoped to the session's account: another
 * account's connection is not found. Answers only the checklist's fields, never a secret.
 */
export async function GET(_request: Request, { params }: { params: Promise<{ connectionId: string }> }) {
  const id = connectionIdSchema.safeParse((await params).connectionId);
  if (!id.success) return errorResponse(appError("not_found", "That connection does not exist for your account."));
  const session = await getCurrentSession();
  const db = getDb();
  const connection = await authorizeJourneyAction(db, session, { connectionId: id.data, action: "view" });
  if (!connection.ok) return errorResponse(connection.error);
  const viewer = { kind: "account" as const, accountId: session!.accountId };
  const latest = await getLatestRun(db, id.data);
  if (!latest) return errorResponse(appError("not_found", "This connection has no setup run yet."));
  const run = await getRunViewForViewer(db, latest.id, viewer);
  if (!run.ok) return errorResponse(run.error);
  const adminSignedIn = (await loadOwnAdminSession(id.data, session!)) !== null;
  return Response.json(toChecklist(run.value, { adminSignedIn }), { headers: { "cache-control": "no-store" } });
}
