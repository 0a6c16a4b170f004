import { apiCallerActor } from "@/lib/api-auth/app-roles";
import { apiRoute } from "@/lib/api/api-route";
import { OPERATIONS } from "@/lib/api/operations";
import { problemResponse } from "@/lib/api/problem";
import { revokeCustomerAccess } from "@/lib/support/revoke-customer-access";

export const dynamic = "force-dynamic";

/** Signs the customer's account out of the portal and spends its unused console-minted links (Support.Admin, audited). */
export const POST = apiRoute(OPERATIONS.supportRevokeAccess, async ({ db, params, body, caller, instance }) => {
  const revoked = await revokeCustomerAccess(db, { connectionId: params.id, reason: body.reason, actor: apiCallerActor(caller) });
  if (!revoked.ok) return problemResponse(revoked.error, { instance });
  return Response.json(revoked.value);
});
