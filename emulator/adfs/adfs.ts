/**
 * A small AD FS (Windows Server 2016 and later) for the Internet-facing (IFD) on-premises org: its OpenID metadata,
 * its token-signing keys, and the OAuth token endpoint's resource-owner password grant for a client registered with
 * `Add-AdfsClient`, issuing a JWT for the requested `resource`. AD FS signs with its own token-signing certificate and
 * names itself `http://<host>/adfs/services/trust` in access tokens, not with Entra's key or issuer. Error bodies are
 * AD FS's: `invalid_client` with MSIS9223 for a client id nobody registered, `invalid_grant` with MSIS9659 for a
 * wrong user name or password (the `error` values are RFC 6749's; the portal reads only those).
 */
import { generateKeyPairSync, createHash, randomUUID, type KeyObject } from "node:crypto";
import { SignJWT, jwtVerify, exportJWK, decodeProtectedHeader, type JWTPayload } from "jose";
import { json, parseForm, type EmuRequest, type EmuResponse, type Route } from "../core/http";
import type { DomainUser, Environment } from "../core/state";
import { getState } from "../core/store";
import { ntHashHex } from "../dataverse/ntlm-server";
import { environmentUrl } from "../dataverse/responses";
import { CONTOSO_AD } from "../dataverse/windows-auth";
import { sandboxDate, sandboxNow } from "../core/clock";

type SigningKey = { kid: string; privateKey: KeyObject; publicKey: KeyObject };
let signing: SigningKey | undefined;

function key(): SigningKey {
  if (!signing) {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const kid = createHash("sha1")
      .update(publicKey.export({ type: "spki", format: "der" }))
      .digest("base64url");
    signing = { kid, privateKey, publicKey };
  }
  return signing;
}

/** The issuer AD FS writes into access tokens (its federation service identifier, http:// by design). */
export const accessTokenIssuer = (req: EmuRequest): string => `http://${new URL(req.origin).host}/adfs/services/trust`;

const TOKEN_LIFETIME_S = 3600;

function metadata(req: EmuRequest): EmuResponse {
  const base = `${req.origin}/adfs`;
  return json(200, {
    issuer: base,
    authorization_endpoint: `${base}/oauth2/authorize/`,
    token_endpoint: `${base}/oauth2/token/`,
    jwks_uri: `${base}/discovery/keys`,
    token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic", "private_key_jwt", "windows_client_authentication"],
    response_types_supported: ["code", "id_token", "code id_token", "id_token token", "code token", "code id_token token"],
    response_modes_supported: ["query", "fragment", "form_post"],
    grant_types_supported: [
      "authorization_code",
      "refresh_token",
      "client_credentials",
      "urn:ietf:params:oauth:grant-type:jwt-bearer",
      "implicit",
      "password",
      "srv_challenge",
    ],
    subject_types_supported: ["pairwise"],
    scopes_supported: ["openid", "profile", "email", "allatclaims", "user_impersonation", "logon_cert", "aza", "vpn_cert", "winhello_cert"],
    id_token_signing_alg_values_supported: ["RS256"],
    token_endpoint_auth_signing_alg_values_supported: ["RS256"],
    access_token_issuer: accessTokenIssuer(req),
    claims_supported: [
      "aud",
      "iss",
      "iat",
      "exp",
      "auth_time",
      "nonce",
      "at_hash",
      "c_hash",
      "sub",
      "upn",
      "unique_name",
      "pwd_url",
      "pwd_exp",
      "sid",
    ],
  });
}

async function keys(): Promise<EmuResponse> {
  const { kid, publicKey } = key();
  const jwk = await exportJWK(publicKey);
  return json(200, { keys: [{ kty: "RSA", use: "sig", alg: "RS256", kid, x5t: kid, n: jwk.n, e: jwk.e }] });
}

const oauthError = (error: string, description: string): EmuResponse => json(400, { error, error_description: description });

/** The IFD orgs whose URL (with or without the trailing slash) is the requested resource. */
function ifdEnvironmentFor(req: EmuRequest, resource: string): Environment | undefined {
  const norm = (s: string) => s.replace(/\/+$/, "").toLowerCase();
  return getState().environments.find((e) => e.onPremises === "ifd" && norm(environmentUrl(req, e)) === norm(resource));
}

function accountFor(env: Environment, username: string): DomainUser | undefined {
  const u = username.toLowerCase();
  if (u.includes("\\")) {
    const [domain, name] = u.split("\\");
    if (domain !== CONTOSO_AD.netbios.toLowerCase() && domain !== CONTOSO_AD.dns) return undefined;
    return env.domainUsers.find((a) => a.domainName.toLowerCase() === `${CONTOSO_AD.netbios.toLowerCase()}\\${name}`);
  }
  return env.domainUsers.find((a) => a.upn.toLowerCase() === u);
}

async function token(req: EmuRequest): Promise<EmuResponse> {
  const form = parseForm(req.rawBody);
  const clientId = form.client_id ?? "";
  const client = (getState().adfsClients ?? []).find((c) => c.clientId.toLowerCase() === clientId.toLowerCase());
  if (!client) {
    return oauthError(
      "invalid_client",
      `MSIS9223: Received invalid OAuth authorization request. The received 'client_id' is invalid as no registered client was found with this client identifier. Make sure that the client is registered. Received client_id: '${clientId}'.`,
    );
  }
  if (form.grant_type !== "password")
    return oauthError(
      "unsupported_grant_type",
      `MSIS9611: The authorization server does not support the requested 'grant_type'. The authorization server only supports 'authorization_code' or 'refresh_token' or 'password' or 'client_credentials' as the grant type.`,
    );
  const resource = form.resource ?? "";
  const env = ifdEnvironmentFor(req, resource);
  if (!env)
    return oauthError(
      "invalid_resource",
      `MSIS9602: The received 'resource' parameter is not a valid relying party identifier. Received resource: '${resource}'.`,
    );
  const account = accountFor(env, form.username ?? "");
  if (!account || account.ntHash !== ntHashHex(form.password ?? ""))
    return oauthError("invalid_grant", "MSIS9659: Invalid 'username' or 'password'.");
  const now = Math.floor(sandboxNow() / 1000);
  const { kid, privateKey } = key();
  const accessToken = await new SignJWT({
    aud: resource,
    iss: accessTokenIssuer(req),
    iat: now,
    nbf: now,
    exp: now + TOKEN_LIFETIME_S,
    apptype: "Public",
    appid: client.clientId,
    authmethod: "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
    auth_time: new Date(now * 1000).toISOString(),
    ver: "1.0",
    scp: "user_impersonation",
    upn: account.upn,
    unique_name: account.domainName,
    jti: randomUUID(),
  })
    .setProtectedHeader({ alg: "RS256", typ: "JWT", kid, x5t: kid })
    .sign(privateKey);
  return json(200, { access_token: accessToken, token_type: "bearer", expires_in: TOKEN_LIFETIME_S, resource, scope: "user_impersonation" });
}

export type AdfsClaims = JWTPayload & { upn?: string; unique_name?: string; appid?: string };

/** Claims of a token this AD FS signed and that has not expired; null for anything else. */
export async function verifyAdfsToken(raw: string): Promise<AdfsClaims | null> {
  try {
    if (decodeProtectedHeader(raw).kid !== key().kid) return null;
    const { payload } = await jwtVerify(raw, key().publicKey, { algorithms: ["RS256"], clockTolerance: 5, currentDate: sandboxDate() });
    return payload as AdfsClaims;
  } catch {
    return null;
  }
}

const route = (method: string, pattern: RegExp, handle: Route["handle"]): Route => ({ service: "identity", method, pattern, handle });

/** Matched before Entra's routes: `/adfs/...` would otherwise read as a tenant named "adfs". */
export const adfsRoutes: Route[] = [
  route("GET", /^\/adfs\/\.well-known\/openid-configuration$/, metadata),
  route("GET", /^\/adfs\/discovery\/keys$/, keys),
  route("POST", /^\/adfs\/oauth2\/token\/?$/, token),
];
