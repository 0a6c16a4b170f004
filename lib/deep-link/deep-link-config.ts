import "server-only";
import { getEnv } from "../core/env";
import { appError, fail, ok, type Result } from "../core/errors";
import type { DeepLinkKey } from "./launch-link";

export type DeepLinkConfig = { keys: DeepLinkKey[]; portalBaseUrl: string; returnOrigins: string[] };

/** DEEP_LINK_SECRET's keys, the portal's base URL (the links' audience) and ACTON_RETURN_ORIGINS. */
export function deepLinkConfigFromEnv(): Result<DeepLinkConfig> {
  const env = getEnv();
  if (!env.DEEP_LINK_SECRET) {
    return fail(
      appError("internal", "The portal is not set up to accept links from Act-On yet. Contact Act-On support.", {
        detail: "DEEP_LINK_SECRET is not configured",
      }),
    );
  }
  return ok({ keys: env.DEEP_LINK_SECRET, portalBaseUrl: env.PORTAL_BASE_URL.replace(/\/+$/, ""), returnOrigins: env.ACTON_RETURN_ORIGINS });
}
