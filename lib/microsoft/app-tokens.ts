import "server-only";
import { createHash } from "node:crypto";
import { ConfidentialClientApplication } from "@azure/msal-node";
import { decodeJwt } from "jose";
import { appScope, identityConfigFromEnv, trimSlash, type IdentityConfig, type TokenCallOptions, type TokenResource } from "./identity-config";
import { acquire, msalConfiguration } from "./msal-transport";
import { buildClientAssertion } from "./client-assertion";

/** The Act-On app's own tokens (client credentials, with a secret or a certificate) in a customer's tenant. */

// ---------------------------------------------------------------- the Act-On app's own tokens

const MAX_APP_CLIENTS = 200;
const appClients = new Map<string, ConfidentialClientApplication>();

/** A certificate the app registration holds: its private key signs the client assertion, its DER names it (`x5t#S256`). */
type CertificateKey = { privateKeyPem: string; certificateDer: Buffer };

/** What the app proves itself with: its client secret, or a certificate (a signed client assertion instead). */
export type AppCredential = { clientSecret: string; certificate?: never } | { certificate: CertificateKey; clientSecret?: never };

function credentialDigest(credential: AppCredential): string {
  const hash = createHash("sha256");
  if (credential.certificate) hash.update("certificate\0").update(credential.certificate.certificateDer).update(credential.certificate.privateKeyPem);
  else hash.update("secret\0").update(credential.clientSecret);
  return hash.digest("hex");
}

function appClient(
  config: IdentityConfig,
  tenantId: string,
  clientId: string,
  credential: AppCredential,
  now?: () => Date,
): ConfidentialClientApplication {
  // A caller with its own clock (a rotation rehearsed ahead of time) gets a client of its own, never a shared one.
  if (now) return new ConfidentialClientApplication(msalConfiguration(config, clientId, tenantId, msalCredential(config, tenantId, credential, now)));
  // Keyed by a digest of the credential: a rotated one gets a fresh client; the credential itself is never a map key.
  const key = [config.authorityHost, tenantId, clientId, credentialDigest(credential)].join("|");
  let client = appClients.get(key);
  if (client) {
    appClients.delete(key);
    appClients.set(key, client); // most recently used last
    return client;
  }
  client = new ConfidentialClientApplication(msalConfiguration(config, clientId, tenantId, msalCredential(config, tenantId, credential)));
  appClients.set(key, client);
  if (appClients.size > MAX_APP_CLIENTS) appClients.delete(appClients.keys().next().value!);
  return client;
}

/**
 * A certificate signs a fresh client assertion (`jwt-bearer`, `x5t#S256`) for every token request MSAL makes, with
 * `aud` the token endpoint MSAL posts to; a secret is sent as it is.
 */
function msalCredential(config: IdentityConfig, tenantId: string, credential: AppCredential, now: () => Date = () => new Date()) {
  const certificate = credential.certificate;
  if (!certificate) return { clientSecret: credential.clientSecret };
  return {
    clientAssertion: (assertion: { clientId: string; tokenEndpoint?: string }) =>
      buildClientAssertion({
        ...certificate,
        now: now(),
        clientId: assertion.clientId,
        tokenEndpoint: assertion.tokenEndpoint ?? `${trimSlash(config.authorityHost)}/${tenantId}/oauth2/v2.0/token`,
      }),
  };
}

type AppTokenOptions = TokenCallOptions &
  AppCredential & {
    tenantId: string;
    clientId: string;
    resource: TokenResource;
    justCreated?: boolean;
    /** Ask Entra even when a token is cached: a proof that the secret works now (the manual path) must not use an old token. */
    skipCache?: boolean;
    /** The clock a certificate's client assertion is dated by (default: this machine's). */
    now?: () => Date;
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
  const credential: AppCredential = options.certificate ? { certificate: options.certificate } : { clientSecret: options.clientSecret! };
  const client = appClient(config, options.tenantId, options.clientId, credential, options.now);
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
