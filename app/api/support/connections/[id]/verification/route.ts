import { apiCallerActor } from "@/lib/api-auth/app-roles";
import { problemResponse } from "@/lib/api/problem";
import { getPortalEngine } from "@/lib/provisioning/run-pool";
import { startVerification } from "@/lib/provisioning/start-verification";
import { connectionIdSchema } from "@/lib/support/support-action-schemas";
import { invalidInput, readJsonBody, SUPPORT_ADMIN_ROLES, withSupportCaller } from "@/lib/support/support-route";

/**
 * Re-runs verification of the connection with its stored credential (Support.Admin, audited with the support person):
 * read-only at Microsoft; the outcome appears on the connection's timeline within seconds.
 */
export async function POST(request: Request, context: { params: Promise<{ id: string }> }): Promise<Response> {
  return withSupportCaller(request, SUPPORT_ADMIN_ROLES, async (caller) => {
    const instance = new URL(request.url).pathname;
    const id = connectionIdSchema.safeParse((await context.params).id);
    if (!id.success) return invalidInput("path", id.error, instance);
    // No input: an empty or JSON body only (a form post from elsewhere is refused like on every console action).
    const body = await readJsonBody(request, instance);
    if (!body.ok) return body.response;
    const requested = await startVerification(getPortalEngine(), { connectionId: id.data, actor: apiCallerActor(caller) });
    if (!requested.ok) return problemResponse(requested.error, { instance });
    return Response.json({ runId: requested.value.runId, alreadyRequested: requested.value.alreadyRequested }, { status: 202 });
  });
}
