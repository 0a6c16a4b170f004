import { findConnectionForSupport } from "@/lib/connections/find-connection-for-support";
import { connectionIdSchema } from "@/lib/support/support-action-schemas";
import { getDb } from "@/lib/db";
import { problemResponse } from "@/lib/api/problem";
import { invalidInput, SUPPORT_READ_ROLES, withSupportCaller } from "@/lib/support/support-route";

/** One connection: state, runs and steps with their errors and request ids, audit log (Support.Read or Support.Admin). */
export async function GET(request: Request, context: { params: Promise<{ id: string }> }): Promise<Response> {
  return withSupportCaller(request, SUPPORT_READ_ROLES, async () => {
    const instance = new URL(request.url).pathname;
    const id = connectionIdSchema.safeParse((await context.params).id);
    if (!id.success) return invalidInput("path", id.error, instance);
    const detail = await findConnectionForSupport(getDb(), id.data);
    if (!detail.ok) return problemResponse(detail.error, { instance });
    return Response.json(detail.value);
  });
}
