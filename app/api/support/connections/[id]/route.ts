import { apiRoute } from "@/lib/api/api-route";
import { OPERATIONS } from "@/lib/api/operations";
import { problemResponse } from "@/lib/api/problem";
import { findConnectionForSupport } from "@/lib/connections/find-connection-for-support";

export const dynamic = "force-dynamic";

/** One connection: state, runs and steps with their errors and request ids, audit log (Support.Read or Support.Admin). */
export const GET = apiRoute(OPERATIONS.supportGetConnection, async ({ db, params, instance }) => {
  const detail = await findConnectionForSupport(db, params.id);
  if (!detail.ok) return problemResponse(detail.error, { instance });
  return Response.json(detail.value);
});
