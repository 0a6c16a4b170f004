import { searchConnectionsForSupport } from "@/lib/connections/search-connections-for-support";
import { supportConnectionSearchSchema } from "@/lib/connections/support-search";
import { getDb } from "@/lib/db";
import { problemResponse } from "@/lib/api/problem";
import { invalidInput, SUPPORT_READ_ROLES, withSupportCaller } from "@/lib/support/support-route";

/** Every connection, searched, filtered and keyset-paginated (Support.Read or Support.Admin). */
export async function GET(request: Request): Promise<Response> {
  return withSupportCaller(request, SUPPORT_READ_ROLES, async () => {
    const url = new URL(request.url);
    const input = supportConnectionSearchSchema.safeParse(Object.fromEntries(url.searchParams));
    if (!input.success) return invalidInput("query", input.error, url.pathname);
    const page = await searchConnectionsForSupport(getDb(), input.data);
    if (!page.ok) return problemResponse(page.error, { instance: url.pathname });
    return Response.json(page.value);
  });
}
