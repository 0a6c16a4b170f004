import { apiRoute, jsonResponse } from "@/lib/api/api-route";
import { problemResponse } from "@/lib/api/problem";
import { OPERATIONS } from "@/lib/api/operations";
import { credentialsSchema } from "@/lib/api/v1/schemas";
import { readConnectionCredentials } from "@/lib/connections/read-connection-credentials";
import { getEnv } from "@/lib/core/env";

export const dynamic = "force-dynamic";

/** The connector's credentials for an Active connection; audited; never stored by any cache. */
export const GET = apiRoute(OPERATIONS.getConnectionCredentials, async ({ db, params, caller, instance }) => {
  const result = await readConnectionCredentials(db, { connectionId: params.id, caller, keys: getEnv().PORTAL_ENCRYPTION_KEYS });
  if (!result.ok) return problemResponse(result.error, { instance });
  return jsonResponse(credentialsSchema, result.value, { headers: { "cache-control": "no-store", pragma: "no-cache" } });
});
