import { apiCallerActor } from "@/lib/api-auth/app-roles";
import { problemResponse } from "@/lib/api/problem";
import { getDb } from "@/lib/db";
import { revokeCustomerAccess } from "@/lib/support/revoke-customer-access";
import { connectionIdSchema, revokeAccessRequestSchema } from "@/lib/support/support-action-schemas";
import { invalidInput, readJsonBody, SUPPORT_ADMIN_ROLES, withSupportCaller } from "@/lib/support/support-route";

/** Signs the customer's account out of the portal and spends its unused console-minted links (Support.Admin, audited). */
export async function POST(request: Request, context: { params: Promise<{ id: string }> }): Promise<Response> {
  return withSupportCaller(request, SUPPORT_ADMIN_ROLES, async (caller) => {
    const instance = new URL(request.url).pathname;
    const id = connectionIdSchema.safeParse((await context.params).id);
    if (!id.success) return invalidInput("path", id.error, instance);
    const body = await readJsonBody(request, instance);
    if (!body.ok) return body.response;
    const input = revokeAccessRequestSchema.safeParse(body.value);
    if (!input.success) return invalidInput("body", input.error, instance, 422);
    const revoked = await revokeCustomerAccess(getDb(), { connectionId: id.data, reason: input.data.reason, actor: apiCallerActor(caller) });
    if (!revoked.ok) return problemResponse(revoked.error, { instance });
    return Response.json(revoked.value);
  });
}
