import { apiRoute, jsonResponse } from "@/lib/api/api-route";
import { problemResponse } from "@/lib/api/problem";
import { OPERATIONS } from "@/lib/api/operations";
import { secretRotationSchema } from "@/lib/api/v1/schemas";
import { getEnv } from "@/lib/core/env";
import { rotateSigningSecret, webhookSettingsFromEnv } from "@/lib/webhooks/manage-webhook-endpoints";

export const dynamic = "force-dynamic";

export const POST = apiRoute(OPERATIONS.rotateWebhookSecret, async ({ db, params, body, caller, instance }) => {
  const rotated = await rotateSigningSecret(db, {
    id: params.id,
    caller,
    settings: webhookSettingsFromEnv(getEnv()),
    revokePrevious: body.revokePrevious,
  });
  return rotated.ok ? jsonResponse(secretRotationSchema, rotated.value, { status: 201 }) : problemResponse(rotated.error, { instance });
});
