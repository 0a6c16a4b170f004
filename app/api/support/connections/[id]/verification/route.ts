import { z } from "zod";
import { apiCallerActor } from "@/lib/api-auth/app-roles";
import { problemResponse } from "@/lib/api/problem";
import { getPortalEngine } from "@/lib/provisioning/run-pool";
import { startVerification } from "@/lib/provisioning/start-verification";
import { withConnectionAction } from "@/lib/support/support-route";

/**
 * Re-runs verification of the connection with its stored credential (Support.Admin, audited with the support person):
 * read-only at Microsoft; the outcome appears on the connection's timeline within seconds. It takes no input, but the
 * body must still be JSON (a form post from elsewhere is refused like on every console action).
 */
export async function POST(request: Request, context: { params: Promise<{ id: string }> }): Promise<Response> {
  return withConnectionAction(request, context.params, z.unknown(), async ({ caller, connectionId, instance }) => {
    const requested = await startVerification(getPortalEngine(), { connectionId, actor: apiCallerActor(caller) });
    if (!requested.ok) return problemResponse(requested.error, { instance });
    return Response.json({ runId: requested.value.runId, alreadyRequested: requested.value.alreadyRequested }, { status: 202 });
  });
}
