/**
 * Discovery documents: OpenID configuration (v2 and v1 shapes, contract §1.2), JWKS (§1.3) and instance discovery
 * (§1.4). All URLs point at the sandbox origin; in particular the v2 `issuer` does, because msal-common 16 rejects
 * metadata whose issuer host differs from the authority's (`issuer_validation_failed`).
 */
import type { EmuRequest, EmuResponse } from "../core/http";
import { getJwks } from "../core/tokens";
import { AADSTS, describe, aadTimestamp, clientRequestId } from "./errors";
import { resolveTenantSegment, type TenantSegment } from "./tenants";
import { v1Issuer, v2Issuer } from "./token-issuer";

const METADATA_HEADERS = {
  "content-type": "application/json; charset=utf-8",
  "cache-control": "max-age=86400, private",
  "access-control-allow-origin": "*",
};

function invalidTenant(req: EmuRequest, tenant: string): EmuResponse {
  const e = AADSTS.tenantNotFound(tenant).detail;
  const correlationId = clientRequestId(req);
  return {
    status: 400,
    headers: METADATA_HEADERS,
    body: {
      error: "invalid_tenant",
      error_description: describe(req, e, correlationId),
      error_codes: [e.code],
      timestamp: aadTimestamp(),
      trace_id: req.requestId,
      correlation_id: correlationId,
      error_uri: `${req.origin}/error?code=${e.code}`,
    },
  };
}

/** The path segment metadata URLs use: the tenant id for a known tenant, the alias otherwise (`common`). */
function urlSegment(segment: TenantSegment): string {
  return segment.kind === "tenant" ? segment.tenant.id : segment.kind;
}

export function handleOpenIdConfigurationV2(req: EmuRequest): EmuResponse {
  const segment = resolveTenantSegment(req.params.tenant);
  if (!segment) return invalidTenant(req, req.params.tenant);
  const base = `${req.origin}/${urlSegment(segment)}`;
  const issuer = segment.kind === "tenant" ? v2Issuer(req.origin, segment.tenant.id) : `${req.origin}/{tenantid}/v2.0`;
  return {
    status: 200,
    headers: METADATA_HEADERS,
    body: {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ["query", "fragment", "form_post"],
      subject_types_supported: ["pairwise"],
      id_token_signing_alg_values_supported: ["RS256"],
      response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
      scopes_supported: ["openid", "profile", "email", "offline_access"],
      issuer,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${req.origin}/graph/oidc/userinfo`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: [
        "sub",
        "iss",
        "cloud_instance_name",
        "cloud_instance_host_name",
        "cloud_graph_host_name",
        "msgraph_host",
        "aud",
        "exp",
        "iat",
        "auth_time",
        "acr",
        "nonce",
        "preferred_username",
        "name",
        "tid",
        "ver",
        "at_hash",
        "c_hash",
        "email",
      ],
      kerberos_endpoint: `${base}/kerberos`,
      tenant_region_scope: segment.kind === "tenant" ? "WW" : null,
      cloud_instance_name: "microsoftonline.com",
      cloud_graph_host_name: "graph.windows.net",
      msgraph_host: "graph.microsoft.com",
      rbac_url: "https://pas.windows.net",
    },
  };
}

/** v1 document: issuer is sts.windows.net, the issuer of the v1 access tokens Graph and Dataverse receive. */
export function handleOpenIdConfigurationV1(req: EmuRequest): EmuResponse {
  const segment = resolveTenantSegment(req.params.tenant);
  if (!segment) return invalidTenant(req, req.params.tenant);
  const base = `${req.origin}/${urlSegment(segment)}`;
  return {
    status: 200,
    headers: METADATA_HEADERS,
    body: {
      token_endpoint: `${base}/oauth2/token`,
      token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
      jwks_uri: `${base}/discovery/keys`,
      response_modes_supported: ["query", "fragment", "form_post"],
      subject_types_supported: ["pairwise"],
      id_token_signing_alg_values_supported: ["RS256"],
      response_types_supported: ["code", "id_token", "code id_token", "token id_token", "token"],
      scopes_supported: ["openid"],
      issuer: segment.kind === "tenant" ? v1Issuer(segment.tenant.id) : "https://sts.windows.net/{tenantid}/",
      microsoft_multi_refresh_token: true,
      authorization_endpoint: `${base}/oauth2/authorize`,
      device_authorization_endpoint: `${base}/oauth2/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/logout`,
      claims_supported: [
        "sub",
        "iss",
        "cloud_instance_name",
        "cloud_instance_host_name",
        "cloud_graph_host_name",
        "msgraph_host",
        "aud",
        "exp",
        "iat",
        "auth_time",
        "acr",
        "amr",
        "nonce",
        "email",
        "given_name",
        "family_name",
        "nickname",
      ],
      check_session_iframe: `${base}/oauth2/checksession`,
      userinfo_endpoint: `${base}/openid/userinfo`,
      kerberos_endpoint: `${base}/kerberos`,
      tenant_region_scope: segment.kind === "tenant" ? "WW" : null,
      cloud_instance_name: "microsoftonline.com",
      cloud_graph_host_name: "graph.windows.net",
      msgraph_host: "graph.microsoft.com",
      rbac_url: "https://pas.windows.net",
    },
  };
}

export async function handleJwks(req: EmuRequest, version: "v1" | "v2"): Promise<EmuResponse> {
  const segment = resolveTenantSegment(req.params.tenant);
  if (!segment) return invalidTenant(req, req.params.tenant);
  const issuer = version === "v2" ? `${req.origin}/{tenantid}/v2.0` : undefined;
  return { status: 200, headers: METADATA_HEADERS, body: await getJwks(issuer) };
}

/**
 * GET /common/discovery/instance. The sandbox host is its own single cloud: preferred_network = preferred_cache =
 * the sandbox host, so MSAL's cache keys stay stable. Microsoft's public-cloud aliases follow, as in the real answer.
 */
export function handleInstanceDiscovery(req: EmuRequest): EmuResponse {
  const host = new URL(req.origin).host;
  const endpoint = req.url.searchParams.get("authorization_endpoint");
  let tenant = "common";
  if (endpoint) {
    try {
      tenant = new URL(endpoint).pathname.split("/").filter(Boolean)[0] ?? "common";
    } catch {
      // keep common
    }
  }
  return {
    status: 200,
    headers: METADATA_HEADERS,
    body: {
      tenant_discovery_endpoint: `${req.origin}/${tenant}/v2.0/.well-known/openid-configuration`,
      "api-version": "1.1",
      metadata: [
        { preferred_network: host, preferred_cache: host, aliases: [host] },
        {
          preferred_network: "login.microsoftonline.com",
          preferred_cache: "login.windows.net",
          aliases: ["login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net"],
        },
      ],
    },
  };
}
