import { apiRoute, jsonResponse } from "@/lib/api/api-route";
import { problemResponse } from "@/lib/api/problem";
import { OPERATIONS } from "@/lib/api/operations";
import { deepLinkSchema } from "@/lib/api/v1/schemas";
import { deepLinkConfigFromEnv } from "@/lib/deep-link/deep-link-config";
import { mintLaunchLink } from "@/lib/deep-link/mint-launch-link";

export const dynamic = "force-dynamic";

/** A signed, single-use launch link for an account's admin. */
export const POST = apiRoute(OPERATIONS.createDeepLink, async ({ db, body, caller, instance }) => {
  const config = deepLinkConfigFromEnv();
  if (!config.ok) return problemResponse(config.error, { instance });
  const link = await mintLaunchLink(db, { request: body, caller, config: config.value });
  if (!link.ok)
    return problemResponse(link.error, { instance, status: 422, errors: [{ where: "body", field: "returnTo", message: link.error.userMessage }] });
  return jsonResponse(deepLinkSchema, link.value, { status: 201 });
});
