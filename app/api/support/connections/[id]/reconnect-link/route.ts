import { apiCallerActor } from "@/lib/api-auth/app-roles";
import { problemResponse } from "@/lib/api/problem";
import { getDb } from "@/lib/db";
import { deepLinkConfigFromEnv } from "@/lib/deep-link/deep-link-config";
import { mintReconnectLink } from "@/lib/support/mint-reconnect-link";
import { reconnectLinkRequestSchema } from "@/lib/support/support-action-schemas";
import { withConnectionAction } from "@/lib/support/support-route";

/** Mints a signed `reconnect` link for the connection's account, to send to a customer admin (Support.Admin, audited). */
export async function POST(request: Request, context: { params: Promise<{ id: string }> }): Promise<Response> {
  return withConnectionAction(request, context.params, reconnectLinkRequestSchema, async ({ caller, connectionId, body, instance }) => {
    const config = deepLinkConfigFromEnv();
    if (!config.ok) return problemResponse(config.error, { instance });
    const link = await mintReconnectLink(getDb(), { connectionId, userEmail: body.userEmail, actor: apiCallerActor(caller), config: config.value });
    if (!link.ok) return problemResponse(link.error, { instance });
    return Response.json(link.value, { status: 201 });
  });
}
