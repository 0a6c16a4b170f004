import "server-only";
import { createHash } from "node:crypto";
import { ConfidentialClientApplication } from "@azure/msal-node";
import { decodeJwt } from "jose";
import { appScope, identityConfigFromEnv, type IdentityConfig, type TokenCallOptions, type TokenResource } from "./identity-config";
import { acquire, msalConfiguration } from "./msal-transport";

/** The Act-On app's own tokens (client credentials) in a customer's tenant. */

// ---------------------------------------------------------------- the Act-On app's own tokens

const MAX_APP_CLIENTS = 200;
const appClients = new Map<string, ConfidentialClientApplication>();

function appClient(config: IdentityConfig, tenantId: string, clientId: string, clientSecret: string): ConfidentialClientApplication {
  // Keyed by a digest of the secret: a rotated secret gets a fresh client; the secret itself is never a map key.
  const key = [config.authorityHost, tenantId, clientId, createHash("sha256").update(clientSecret).digest("hex")].join("|");
  let client = appClients.get(key);
  if (client) {
    appClients.delete(key);
    appClients.set(key, client); // most recently used last
    return client;
  }
  client = new ConfidentialClientApplication(msalConfiguration(config, clientId, tenantId, clientSecret));
  appClients.set(key, client);
  if (appClients.size > MAX_APP_CLIENTS) appClients.delete(appClients.keys().next().value!);
  return client;
}

type AppTokenOptions = TokenCallOptions & {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  resource: TokenResource;
  justCreated?: boolean;
  /** Ask Entra even when a token is cached: a proof that the secret works now (the manual path) must not use an old token. */
  skipCache?: boolean;
};

/**
 * Gets an app-only token (client credentials) for the Act-On app in the customer's tenant. Right after the app or its
 * secret was created, pass `justCreated` so propagation errors come back as a retryable `replication_pending`.
 * @throws MicrosoftError
 */
export async function getAppToken(options: AppTokenOptions): Promise<string> {
  return (await getAppAccessToken(options)).accessToken;
}

/**
 * An app-only token with its expiry. MSAL's cache answers with the token it holds until five minutes before that
 * token expires (its default renewal offset), then asks Entra for a new one: callers get a token that lives at least
 * five more minutes.
 * @throws MicrosoftError
 */
export async function getAppAccessToken(options: AppTokenOptions): Promise<{ accessToken: string; expiresOn: Date }> {
  const config = options.config ?? identityConfigFromEnv();
  const client = appClient(config, options.tenantId, options.clientId, options.clientSecret);
  const result = await acquire("POST /token (client_credentials)", options, () =>
    client.acquireTokenByClientCredential({ scopes: [appScope(config, options.resource)], skipCache: options.skipCache }),
  );
  return { accessToken: result.accessToken, expiresOn: result.expiresOn ?? expiryClaimOf(result.accessToken) };
}

/** The `exp` claim of a JWT access token, for an MSAL result without `expiresOn` (it sets it for client credentials). */
function expiryClaimOf(accessToken: string): Date {
  const exp: unknown = decodeJwt(accessToken).exp;
  if (typeof exp !== "number") throw new Error("Entra returned an access token without an expiry.");
  return new Date(exp * 1000);
}
