import { apiCallerActor } from "@/lib/api-auth/app-roles";
import { problemResponse } from "@/lib/api/problem";
import { getDb } from "@/lib/db";
import { deepLinkConfigFromEnv } from "@/lib/deep-link/deep-link-config";
import { mintReconnectLink } from "@/lib/support/mint-reconnect-link";
import { connectionIdSchema, reconnectLinkRequestSchema } from "@/lib/support/support-action-schemas";
import { invalidInput, readJsonBody, SUPPORT_ADMIN_ROLES, withSupportCaller } from "@/lib/support/support-route";

/** Mints a signed `reconnect` link for the connection's account, to send to a customer admin (Support.Admin, audited). */
export async function POST(request: Request, context: { params: Promise<{ id: string }> }): Promise<Response> {
  return withSupportCaller(request, SUPPORT_ADMIN_ROLES, async (caller) => {
    const instance = new URL(request.url).pathname;
    const id = connectionIdSchema.safeParse((await context.params).id);
    if (!id.success) return invalidInput("path", id.error, instance);
    const body = await readJsonBody(request, instance);
    if (!body.ok) return body.response;
    const input = reconnectLinkRequestSchema.safeParse(body.value);
    if (!input.success) return invalidInput("body", input.error, instance, 422);
    const config = deepLinkConfigFromEnv();
    if (!config.ok) return problemResponse(config.error, { instance });
    const link = await mintReconnectLink(getDb(), {
      connectionId: id.data,
      userEmail: input.data.userEmail,
      actor: apiCallerActor(caller),
      config: config.value,
    });
    if (!link.ok) return problemResponse(link.error, { instance });
    return Response.json(link.value, { status: 201 });
  });
}
