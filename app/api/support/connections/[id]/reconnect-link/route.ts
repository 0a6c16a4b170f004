import { apiCallerActor } from "@/lib/api-auth/app-roles";
import { apiRoute } from "@/lib/api/api-route";
import { OPERATIONS } from "@/lib/api/operations";
import { problemResponse } from "@/lib/api/problem";
import { deepLinkConfigFromEnv } from "@/lib/deep-link/deep-link-config";
import { mintReconnectLink } from "@/lib/support/mint-reconnect-link";

export const dynamic = "force-dynamic";

/** Mints a signed `reconnect` link for the connection's account, to send to a customer admin (Support.Admin, audited). */
export const POST = apiRoute(OPERATIONS.supportMintReconnectLink, async ({ db, params, body, caller, instance }) => {
  const config = deepLinkConfigFromEnv();
  if (!config.ok) return problemResponse(config.error, { instance });
  const link = await mintReconnectLink(db, {
    connectionId: params.id,
    userEmail: body.userEmail,
    actor: apiCallerActor(caller),
    config: config.value,
  });
  if (!link.ok) return problemResponse(link.error, { instance });
  return Response.json(link.value, { status: 201 });
});
