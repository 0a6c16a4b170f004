import { apiRoute } from "@/lib/api/api-route";
import { OPERATIONS } from "@/lib/api/operations";
import { startConnectionVerification } from "@/lib/api/start-connection-verification";
import { problemResponse } from "@/lib/api/problem";

export const dynamic = "force-dynamic";

/**
 * Re-runs verification of the connection with its stored credential (Support.Admin, audited with the support person):
 * read-only at Microsoft; the outcome appears on the connection's timeline within seconds. It takes no input.
 */
export const POST = apiRoute(OPERATIONS.supportRequestVerification, async ({ params, caller, instance }) => {
  const requested = await startConnectionVerification({ connectionId: params.id, caller });
  if (!requested.ok) return problemResponse(requested.error, { instance });
  return Response.json({ runId: requested.value.runId, alreadyRequested: requested.value.alreadyRequested }, { status: 202 });
});
