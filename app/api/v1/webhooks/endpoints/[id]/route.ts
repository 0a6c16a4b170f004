import { apiRoute, jsonResponse } from "@/lib/api/api-route";
import { problemResponse } from "@/lib/api/problem";
import { OPERATIONS } from "@/lib/api/operations";
import { webhookEndpointSchema } from "@/lib/api/v1/schemas";
import { getEnv } from "@/lib/core/env";
import { deleteWebhookEndpoint, getWebhookEndpoint, updateWebhookEndpoint, webhookSettingsFromEnv } from "@/lib/webhooks/manage-webhook-endpoints";

export const dynamic = "force-dynamic";

export const GET = apiRoute(OPERATIONS.getWebhookEndpoint, async ({ db, params, instance }) => {
  const endpoint = await getWebhookEndpoint(db, params.id);
  return endpoint.ok ? jsonResponse(webhookEndpointSchema, endpoint.value) : problemResponse(endpoint.error, { instance });
});

export const PATCH = apiRoute(OPERATIONS.updateWebhookEndpoint, async ({ db, params, body, caller, instance }) => {
  const updated = await updateWebhookEndpoint(db, { id: params.id, patch: body, caller, settings: webhookSettingsFromEnv(getEnv()) });
  if (!updated.ok) {
    const field =
      updated.error.code === "environment_not_allowed" ? [{ where: "body" as const, field: "url", message: updated.error.userMessage }] : undefined;
    return problemResponse(updated.error, { instance, ...(field ? { status: 422, errors: field } : {}) });
  }
  return jsonResponse(webhookEndpointSchema, updated.value);
});

export const DELETE = apiRoute(OPERATIONS.deleteWebhookEndpoint, async ({ db, params, caller, instance }) => {
  const deleted = await deleteWebhookEndpoint(db, { id: params.id, caller });
  return deleted.ok ? new Response(null, { status: 204, headers: { "cache-control": "no-store" } }) : problemResponse(deleted.error, { instance });
});
