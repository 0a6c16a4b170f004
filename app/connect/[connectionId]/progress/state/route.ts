import { errorResponse } from "@/lib/core/errors";
import { authorizeRequest } from "@/lib/connect/authorize";
import { readChecklist } from "@/lib/connect/checklist-view";
import { getPortalEngine } from "@/lib/connect/engine";

export const dynamic = "force-dynamic";

/**
 * GET: the live checklist's state (what the progress page polls). Read-only, scoped to the session's account: another
 * account's connection is not found. Answers only the checklist's fields, never a secret.
 */
export async function GET(_request: Request, { params }: { params: Promise<{ connectionId: string }> }) {
  const who = await authorizeRequest((await params).connectionId, "view");
  if (!who.ok) return errorResponse(who.error);
  const checklist = await readChecklist(getPortalEngine(), who.value);
  if (!checklist.ok) return errorResponse(checklist.error);
  return Response.json(checklist.value, { headers: { "cache-control": "no-store" } });
}
