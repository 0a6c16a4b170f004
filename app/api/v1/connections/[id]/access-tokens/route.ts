import { apiRoute, jsonResponse } from "@/lib/api/api-route";
import { problemResponse } from "@/lib/api/problem";
import { OPERATIONS } from "@/lib/api/operations";
import { accessTokenSchema } from "@/lib/api/v1/schemas";
import { mintConnectionAccessToken } from "@/lib/connections/mint-connection-access-token";
import { getEnv } from "@/lib/core/env";

export const dynamic = "force-dynamic";

/** A short-lived Dataverse token minted with the connection's credential; audited; never stored by any cache. */
export const POST = apiRoute(OPERATIONS.createConnectionAccessToken, async ({ db, params, caller, instance }) => {
  const result = await mintConnectionAccessToken({ db, keys: getEnv().PORTAL_ENCRYPTION_KEYS }, { connectionId: params.id, caller });
  if (!result.ok) return problemResponse(result.error, { instance });
  return jsonResponse(accessTokenSchema, result.value, { headers: { "cache-control": "no-store", pragma: "no-cache" } });
});
