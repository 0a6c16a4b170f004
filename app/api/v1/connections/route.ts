import { apiRoute, jsonResponse } from "@/lib/api/api-route";
import { problemResponse } from "@/lib/api/problem";
import { OPERATIONS } from "@/lib/api/operations";
import { toConnectionResource } from "@/lib/api/v1/connection-resource";
import { connectionListSchema } from "@/lib/api/v1/schemas";
import { listConnectionsForApi } from "@/lib/connections/list-connections-for-api";

export const dynamic = "force-dynamic";

/** Connections, filtered and keyset-paginated, for Act-On's servers. */
export const GET = apiRoute(OPERATIONS.listConnections, async ({ db, query, instance }) => {
  const page = await listConnectionsForApi(db, query);
  if (!page.ok) return problemResponse(page.error, { instance, errors: [{ where: "query", field: "cursor", message: page.error.userMessage }] });
  return jsonResponse(connectionListSchema, { items: page.value.items.map(toConnectionResource), nextCursor: page.value.nextCursor });
});
