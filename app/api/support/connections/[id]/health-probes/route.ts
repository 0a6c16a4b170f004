import { apiCallerActor } from "@/lib/api-auth/app-roles";
import { apiRoute } from "@/lib/api/api-route";
import { OPERATIONS } from "@/lib/api/operations";
import { problemResponse } from "@/lib/api/problem";
import { probeConnectionNow } from "@/lib/support/probe-connection-now";

export const dynamic = "force-dynamic";

/**
 * Support.Admin's "Probe now": probes the connection's health at once and answers what it found (audited with the
 * support person). The probe takes seconds (one token, one WhoAmI), so it is answered in the request.
 */
export const POST = apiRoute(OPERATIONS.supportProbeConnection, async ({ params, caller, instance }) => {
  const probed = await probeConnectionNow({ connectionId: params.id, actor: apiCallerActor(caller) });
  if (!probed.ok) return problemResponse(probed.error, { instance });
  return Response.json(probed.value);
});
