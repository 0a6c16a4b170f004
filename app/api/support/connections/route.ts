import { apiRoute } from "@/lib/api/api-route";
import { OPERATIONS } from "@/lib/api/operations";
import { problemResponse } from "@/lib/api/problem";
import { searchConnectionsForSupport } from "@/lib/connections/search-connections-for-support";

export const dynamic = "force-dynamic";

/** Every connection, searched, filtered and keyset-paginated (Support.Read or Support.Admin). */
export const GET = apiRoute(OPERATIONS.supportListConnections, async ({ db, query, instance }) => {
  const page = await searchConnectionsForSupport(db, query);
  if (!page.ok) return problemResponse(page.error, { instance });
  return Response.json(page.value);
});
