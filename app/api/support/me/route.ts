import { SUPPORT_READ_ROLES, withSupportCaller } from "@/lib/support/support-route";

/** Who the signed-in staff member is and which Support roles their token carries; 403 without one. */
export async function GET(request: Request): Promise<Response> {
  return withSupportCaller(request, SUPPORT_READ_ROLES, async (caller) =>
    Response.json({
      name: caller.name,
      objectId: caller.objectId,
      tenantId: caller.tenantId,
      roles: caller.roles.filter((r) => r.startsWith("Support.")),
    }),
  );
}
