import { apiRoute, jsonResponse } from "@/lib/api/api-route";
import { problemResponse } from "@/lib/api/problem";
import { OPERATIONS } from "@/lib/api/operations";
import { deliverySchema } from "@/lib/api/v1/schemas";
import { getEnv } from "@/lib/core/env";
import { redeliverWebhook, webhookSettingsFromEnv } from "@/lib/webhooks/manage-webhook-endpoints";

export const dynamic = "force-dynamic";

export const POST = apiRoute(OPERATIONS.redeliverWebhook, async ({ db, params, caller, instance }) => {
  const delivery = await redeliverWebhook(db, { id: params.id, caller, settings: webhookSettingsFromEnv(getEnv()) });
  return delivery.ok ? jsonResponse(deliverySchema, delivery.value, { status: 202 }) : problemResponse(delivery.error, { instance });
});
