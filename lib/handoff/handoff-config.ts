import "server-only";
import { deepLinkConfigFromEnv } from "../deep-link/deep-link-config";
import { getEnv } from "../core/env";
import type { Result } from "../core/errors";
import type { HandoffConfig } from "./handoff-links";

/** Hand-off links are signed with the deep-link keys (DEEP_LINK_SECRET) and live HANDOFF_LINK_TTL. */
export function handoffConfigFromEnv(): Result<HandoffConfig> {
  const deepLinks = deepLinkConfigFromEnv();
  if (!deepLinks.ok) return deepLinks;
  return { ok: true, value: { keys: deepLinks.value.keys, portalBaseUrl: deepLinks.value.portalBaseUrl, ttlMs: getEnv().HANDOFF_LINK_TTL } };
}
