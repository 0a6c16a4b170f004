import { apiRoute, jsonResponse } from "@/lib/api/api-route";
import { problemResponse } from "@/lib/api/problem";
import { OPERATIONS } from "@/lib/api/operations";
import { testSendSchema } from "@/lib/api/v1/schemas";
import { getEnv } from "@/lib/core/env";
import { testSendWebhook, webhookSettingsFromEnv } from "@/lib/webhooks/manage-webhook-endpoints";

export const dynamic = "force-dynamic";

export const POST = apiRoute(OPERATIONS.testWebhookEndpoint, async ({ db, params, caller, instance }) => {
  const sent = await testSendWebhook(db, { id: params.id, caller, settings: webhookSettingsFromEnv(getEnv()) });
  if (!sent.ok) return problemResponse(sent.error, { instance });
  const { ok: delivered, statusCode, error, durationMs, webhookId } = sent.value;
  return jsonResponse(testSendSchema, { delivered, statusCode, error, durationMs, webhookId });
});
