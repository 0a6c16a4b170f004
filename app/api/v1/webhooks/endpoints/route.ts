import { apiRoute, jsonResponse } from "@/lib/api/api-route";
import { problemResponse } from "@/lib/api/problem";
import { OPERATIONS } from "@/lib/api/operations";
import { webhookEndpointCreatedSchema, webhookEndpointListSchema } from "@/lib/api/v1/schemas";
import { getEnv } from "@/lib/core/env";
import { createWebhookEndpoint, listWebhookEndpoints, webhookSettingsFromEnv } from "@/lib/webhooks/manage-webhook-endpoints";

export const dynamic = "force-dynamic";

export const GET = apiRoute(OPERATIONS.listWebhookEndpoints, async ({ db }) =>
  jsonResponse(webhookEndpointListSchema, { items: await listWebhookEndpoints(db) }),
);

export const POST = apiRoute(OPERATIONS.createWebhookEndpoint, async ({ db, body, caller, instance }) => {
  const created = await createWebhookEndpoint(db, { input: body, caller, settings: webhookSettingsFromEnv(getEnv()) });
  if (!created.ok) {
    const field =
      created.error.code === "environment_not_allowed" ? [{ where: "body" as const, field: "url", message: created.error.userMessage }] : undefined;
    return problemResponse(created.error, { instance, ...(field ? { status: 422, errors: field } : {}) });
  }
  return jsonResponse(webhookEndpointCreatedSchema, created.value, { status: 201 });
});
