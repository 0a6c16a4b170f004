import { apiRoute } from "@/lib/api/api-route";
import { OPERATIONS } from "@/lib/api/operations";

export const dynamic = "force-dynamic";

/** Who the signed-in staff member is and which Support roles their token carries; 403 without one. */
export const GET = apiRoute(OPERATIONS.supportMe, async ({ caller }) =>
  Response.json({
    name: caller.name,
    objectId: caller.objectId,
    tenantId: caller.tenantId,
    roles: caller.roles.filter((r) => r.startsWith("Support.")),
  }),
);
