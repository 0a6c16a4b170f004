import { apiRoute, jsonResponse } from "@/lib/api/api-route";
import { problemResponse } from "@/lib/api/problem";
import { OPERATIONS } from "@/lib/api/operations";
import { deliveryListSchema } from "@/lib/api/v1/schemas";
import { listWebhookDeliveries } from "@/lib/webhooks/manage-webhook-endpoints";

export const dynamic = "force-dynamic";

export const GET = apiRoute(OPERATIONS.listConnectionDeliveries, async ({ db, params, query, instance }) => {
  const page = await listWebhookDeliveries(db, { connectionId: params.id, ...query });
  return page.ok ? jsonResponse(deliveryListSchema, page.value) : problemResponse(page.error, { instance });
});
