import "server-only";
import { z } from "zod";
import { isMicrosoftError } from "./errors";
import { microsoftFetch } from "./http";
import { trimSlash, type IdentityConfig } from "./identity-config";

const metadataSchema = z.object({ issuer: z.string().url() });
const TENANT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The tenant id of an organization named by a verified domain or id, from its OpenID configuration (whose v2 issuer is
 * `{authority}/{tenant id}/v2.0`), or null when Microsoft knows no such tenant (400 AADSTS90002). A domain alone cannot
 * be compared with a token's `tid`: this is what the sign-in checks it against. @throws MicrosoftError
 */
export async function findTenantId(options: { config: IdentityConfig; organization: string }): Promise<string | null> {
  const url = `${trimSlash(options.config.authorityHost)}/${encodeURIComponent(options.organization)}/v2.0/.well-known/openid-configuration`;
  let issuer: string;
  try {
    ({
      data: { issuer },
    } = await microsoftFetch({ service: "identity", method: "GET", url, replay: "safe", schema: metadataSchema, timeoutMs: 10_000 }));
  } catch (error) {
    if (isMicrosoftError(error) && (error.status === 400 || error.status === 404)) return null;
    throw error;
  }
  const tenantId = new URL(issuer).pathname.split("/")[1] ?? "";
  return TENANT_ID.test(tenantId) ? tenantId.toLowerCase() : null;
}
