import "server-only";
import { X509Certificate } from "node:crypto";
import { getEnv } from "@/lib/core/env";
import { ADMIN_GRAPH_PERMISSIONS } from "./graph-permissions";
import type { CallRecorder, RetryPolicy, Sleep } from "./http";

/** Microsoft identity platform configuration: where the authority, Graph and Discovery are, and which scopes to ask. */

// ---------------------------------------------------------------- configuration

export type IdentityConfig = {
  /** `https://login.microsoftonline.com`, or the sandbox origin. */
  authorityHost: string;
  /** Graph base (its URL is Graph's resource identifier in every cloud). */
  graphUrl: string;
  /** Global Discovery Service base. */
  discoveryUrl: string;
  /** The portal's own multi-tenant app registration. */
  portalClientId?: string;
  portalClientSecret?: string;
  /**
   * Act-On's multi-tenant "Act-On Connector" app and its certificate (ACTON_CONNECTOR_APP_ID): connector-mode
   * connections get their tokens as this app, in the customer's tenant. Absent: the mode is not offered.
   */
  actonConnector?: ActonConnectorIdentity | null;
};

/** The connector app's client id and the certificate it proves itself with (a client assertion signed by its key). */
export type ActonConnectorIdentity = { appId: string; certificate: { privateKeyPem: string; certificateDer: Buffer } };

/** The connector as configured (env.ACTON_CONNECTOR), in the shape token requests take. */
export function actonConnectorIdentity(
  config: { appId: string; privateKeyPem: string; certificatePem: string } | null,
): ActonConnectorIdentity | null {
  if (!config) return null;
  return {
    appId: config.appId,
    certificate: { privateKeyPem: config.privateKeyPem, certificateDer: new X509Certificate(config.certificatePem).raw },
  };
}

/** The identity configuration from the environment (read lazily, on first use). */
export function identityConfigFromEnv(): IdentityConfig {
  const env = getEnv();
  return {
    authorityHost: env.MICROSOFT_AUTHORITY_HOST,
    graphUrl: env.MICROSOFT_GRAPH_URL,
    discoveryUrl: env.MICROSOFT_DISCOVERY_URL,
    portalClientId: env.PORTAL_CLIENT_ID,
    portalClientSecret: env.PORTAL_CLIENT_SECRET,
    actonConnector: actonConnectorIdentity(env.ACTON_CONNECTOR),
  };
}

export type TokenCallOptions = {
  config?: IdentityConfig;
  recorder?: CallRecorder;
  retry?: Partial<RetryPolicy>;
  timeoutMs?: number;
  sleep?: Sleep;
  /** The caller's cancellation (the run's lease): aborts the token request in flight. */
  signal?: AbortSignal;
};

/** A resource a token is for: Graph, the Global Discovery Service, or one Dataverse environment. */
export type TokenResource = "graph" | "discovery" | { environmentUrl: string };

export const trimSlash = (s: string) => s.replace(/\/+$/, "");

/** True when two service URLs (an environment's, say) name the same one: case and trailing slashes aside. */
export const sameServiceUrl = (a: string, b: string) => trimSlash(a).toLowerCase() === trimSlash(b).toLowerCase();

function resourceUrl(config: IdentityConfig, resource: TokenResource): string {
  if (resource === "graph") return trimSlash(config.graphUrl);
  if (resource === "discovery") return trimSlash(config.discoveryUrl);
  return trimSlash(resource.environmentUrl);
}

/** The delegated scope for a resource: Graph's statically consented set, Dynamics' `user_impersonation`. */
export function delegatedScope(config: IdentityConfig, resource: TokenResource): string {
  return resource === "graph" ? `${resourceUrl(config, resource)}/.default` : `${resourceUrl(config, resource)}/user_impersonation`;
}

/**
 * What an interactive sign-in asks for: the portal's Graph permissions by name, plus consent up front for Dynamics
 * (Global Discovery and every environment are the one Dynamics CRM app), so later silent refreshes for Dataverse
 * need no second consent. `.default` is not used here: Entra refuses to mix it with another resource's scopes.
 */
export function adminSignInScopes(config: IdentityConfig): { scopes: string[]; extraScopesToConsent: string[] } {
  const graph = resourceUrl(config, "graph");
  return { scopes: ADMIN_GRAPH_PERMISSIONS.map((p) => `${graph}/${p}`), extraScopesToConsent: [delegatedScope(config, "discovery")] };
}

/** The app-only scope for a resource (client credentials always ask for `/.default`). */
export function appScope(config: IdentityConfig, resource: TokenResource): string {
  return `${resourceUrl(config, resource)}/.default`;
}
