import { apiCallerActor } from "@/lib/api-auth/app-roles";
import { problemResponse } from "@/lib/api/problem";
import { getDb } from "@/lib/db";
import { revokeCustomerAccess } from "@/lib/support/revoke-customer-access";
import { revokeAccessRequestSchema } from "@/lib/support/support-action-schemas";
import { withConnectionAction } from "@/lib/support/support-route";

/** Signs the customer's account out of the portal and spends its unused console-minted links (Support.Admin, audited). */
export async function POST(request: Request, context: { params: Promise<{ id: string }> }): Promise<Response> {
  return withConnectionAction(request, context.params, revokeAccessRequestSchema, async ({ caller, connectionId, body, instance }) => {
    const revoked = await revokeCustomerAccess(getDb(), { connectionId, reason: body.reason, actor: apiCallerActor(caller) });
    if (!revoked.ok) return problemResponse(revoked.error, { instance });
    return Response.json(revoked.value);
  });
}
