import { apiRoute, jsonResponse } from "@/lib/api/api-route";
import { problemResponse } from "@/lib/api/problem";
import { OPERATIONS } from "@/lib/api/operations";
import { connectionSchema } from "@/lib/api/v1/schemas";
import { toConnectionResource } from "@/lib/api/v1/connection-resource";
import { findConnectionRecord } from "@/lib/connections/connection-resource";
import { appError } from "@/lib/core/errors";

export const dynamic = "force-dynamic";

/** One connection: state, environment, tenant, app, role, last verification, secret expiry, failing step. */
export const GET = apiRoute(OPERATIONS.getConnection, async ({ db, params, instance }) => {
  const connection = await findConnectionRecord(db, params.id);
  if (!connection) return problemResponse(appError("not_found", "No connection with that id."), { instance });
  return jsonResponse(connectionSchema, toConnectionResource(connection));
});
