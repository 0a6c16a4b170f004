import { apiRoute, jsonResponse } from "@/lib/api/api-route";
import { problemResponse } from "@/lib/api/problem";
import { OPERATIONS } from "@/lib/api/operations";
import { startConnectionVerification } from "@/lib/api/start-connection-verification";
import { verificationSchema } from "@/lib/api/v1/schemas";

export const dynamic = "force-dynamic";

/** Verifies the connection's stored credential again (read-only at Microsoft); the outcome lands on the connection. */
export const POST = apiRoute(OPERATIONS.requestVerification, async ({ params, caller, instance }) => {
  const requested = await startConnectionVerification({ connectionId: params.id, caller });
  if (!requested.ok) return problemResponse(requested.error, { instance });
  return jsonResponse(
    verificationSchema,
    { connectionId: params.id, runId: requested.value.runId, status: "pending", requestedAt: new Date().toISOString() },
    { status: 202, headers: { location: `/api/v1/connections/${encodeURIComponent(params.id)}` } },
  );
});
