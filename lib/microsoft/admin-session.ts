import "server-only";
import { randomUUID } from "node:crypto";
import {
  ConfidentialClientApplication,
  CryptoProvider,
  InteractionRequiredAuthError,
  PublicClientApplication,
  type AccountInfo,
  type AuthenticationResult,
} from "@azure/msal-node";
import {
  adminSignInScopes,
  delegatedScope,
  identityConfigFromEnv,
  trimSlash,
  type IdentityConfig,
  type TokenCallOptions,
  type TokenResource,
} from "./identity-config";
import { acquire, callScope, msalConfiguration, newCallScope, toMicrosoftError } from "./msal-transport";

/**
 * The admin's delegated Microsoft sign-in: an opaque object holding its MSAL client and token cache (private fields,
 * so a copy cannot pretend to be a session), with `token(resource)` and `serialize()`. Serialised, it survives a
 * restart and moves between portal instances; the serialised form is a credential (refresh tokens): store it encrypted.
 */

export type AdminSessionClientType = "confidential" | "public";

const SIGN_IN_AUTHORITY = "organizations";

/** A cached access token is used while it lives at least this much longer (MSAL's own renewal offset), else refreshed. */
const MIN_TOKEN_VALIDITY_MS = 5 * 60_000;

const OIDC_SCOPES = new Set(["openid", "profile", "email", "offline_access"]);

/** The fields of an access token in MSAL's cache that say whose it is, where from, for what and until when. */
type CachedAccessToken = {
  credentialType?: string;
  homeAccountId?: string;
  environment?: string;
  clientId?: string;
  realm?: string;
  target?: string;
  tokenType?: string;
  secret?: string;
  expiresOn?: string;
};

/**
 * True when every permission a cached token holds belongs to `identifier` (what precedes a scope's last `/` names
 * its resource: Entra answers with the scopes qualified as they were asked for), and it holds at least one.
 */
function servesOnly(target: string | undefined, identifier: string): boolean {
  const permissions = (target ?? "").split(/\s+/).filter((s) => s && !OIDC_SCOPES.has(s.toLowerCase()));
  return permissions.length > 0 && permissions.every((p) => p.lastIndexOf("/") > 0 && p.slice(0, p.lastIndexOf("/")).toLowerCase() === identifier);
}

type SerializedSession = {
  v: 1;
  clientType: AdminSessionClientType;
  clientId: string;
  tenantId: string | null;
  homeAccountId: string | null;
  username: string | null;
  cache: string;
};

function portalClientId(config: IdentityConfig, clientId?: string): string {
  const id = clientId ?? config.portalClientId;
  if (!id) throw new Error("PORTAL_CLIENT_ID is not configured: the portal cannot sign admins in");
  return id;
}

function portalSecret(config: IdentityConfig): string {
  if (!config.portalClientSecret) throw new Error("PORTAL_CLIENT_SECRET is not configured: the portal cannot redeem sign-ins");
  return config.portalClientSecret;
}

function newClient(config: IdentityConfig, clientType: AdminSessionClientType, clientId: string) {
  return clientType === "confidential"
    ? new ConfidentialClientApplication(msalConfiguration(config, clientId, SIGN_IN_AUTHORITY, { clientSecret: portalSecret(config) }))
    : new PublicClientApplication(msalConfiguration(config, clientId, SIGN_IN_AUTHORITY));
}

export class AdminSession {
  readonly #app: ConfidentialClientApplication | PublicClientApplication;
  readonly #config: IdentityConfig;
  readonly clientType: AdminSessionClientType;
  readonly clientId: string;
  /**
   * The tenant the admin signed in to (`tid`): their home tenant, or the organization a guest or partner admin signed
   * in to through its authority. Tokens are refreshed there. Null until signed in.
   */
  readonly tenantId: string | null;
  readonly homeAccountId: string | null;
  readonly username: string | null;

  private constructor(init: {
    app: ConfidentialClientApplication | PublicClientApplication;
    config: IdentityConfig;
    clientType: AdminSessionClientType;
    clientId: string;
    tenantId: string | null;
    homeAccountId: string | null;
    username: string | null;
  }) {
    this.#app = init.app;
    this.#config = init.config;
    this.clientType = init.clientType;
    this.clientId = init.clientId;
    this.tenantId = init.tenantId;
    this.homeAccountId = init.homeAccountId;
    this.username = init.username;
    Object.freeze(this);
  }

  /** An empty session for the portal app (confidential for the web, public for the CLI and tests). */
  static create(options: { clientType: AdminSessionClientType; clientId?: string; config?: IdentityConfig }): AdminSession {
    const config = options.config ?? identityConfigFromEnv();
    const clientId = portalClientId(config, options.clientId);
    const app = newClient(config, options.clientType, clientId);
    return new AdminSession({ app, config, clientType: options.clientType, clientId, tenantId: null, homeAccountId: null, username: null });
  }

  /** Rebuilds a session from `serialize()` output (any portal instance; the portal secret comes from config). */
  static restore(json: string, options: { config?: IdentityConfig } = {}): AdminSession {
    let parsed: SerializedSession;
    try {
      parsed = JSON.parse(json) as SerializedSession;
    } catch {
      throw new Error("the stored admin session is not valid JSON");
    }
    if (parsed?.v !== 1 || (parsed.clientType !== "confidential" && parsed.clientType !== "public") || typeof parsed.cache !== "string") {
      throw new Error("the stored admin session has an unknown format");
    }
    const base = AdminSession.create({ clientType: parsed.clientType, clientId: parsed.clientId, config: options.config });
    base.#app.getTokenCache().deserialize(parsed.cache);
    return new AdminSession({
      app: base.#app,
      config: base.#config,
      clientType: parsed.clientType,
      clientId: base.clientId,
      tenantId: parsed.tenantId,
      homeAccountId: parsed.homeAccountId,
      username: parsed.username,
    });
  }

  /** The same client, now holding the signed-in account of an interactive sign-in. */
  #signedIn(result: AuthenticationResult | null): AdminSession {
    const account = result?.account;
    if (!result || !account) throw new Error("MSAL returned no account for an interactive sign-in");
    return new AdminSession({
      app: this.#app,
      config: this.#config,
      clientType: this.clientType,
      clientId: this.clientId,
      tenantId: account.tenantId || result.tenantId,
      homeAccountId: account.homeAccountId,
      username: account.username,
    });
  }

  /**
   * Builds the Microsoft sign-in URL (authorization code + PKCE). `tenant` (an id or verified domain) signs the admin in
   * to that organization, as a guest or partner admin must be; without it, `organizations` picks their home tenant.
   */
  async signInUrl(options: {
    redirectUri: string;
    tenant?: string;
    state?: string;
    loginHint?: string;
    prompt?: "select_account" | "login" | "consent";
    /** Returned in the id token; redeemCode checks it (bind it to the caller's session). */
    nonce?: string;
  }) {
    const { verifier, challenge } = await new CryptoProvider().generatePkceCodes();
    const state = options.state ?? randomUUID();
    const url = await (this.#app as ConfidentialClientApplication).getAuthCodeUrl({
      ...adminSignInScopes(this.#config),
      ...this.#authorityFor(options.tenant),
      redirectUri: options.redirectUri,
      codeChallenge: challenge,
      codeChallengeMethod: "S256",
      state,
      responseMode: "query",
      prompt: options.prompt ?? "select_account",
      ...(options.loginHint ? { loginHint: options.loginHint } : {}),
      ...(options.nonce ? { nonce: options.nonce } : {}),
    });
    return { url, codeVerifier: verifier, state };
  }

  /** `authority` for one request: the named tenant, else the client's own (`organizations`). */
  #authorityFor(tenant: string | undefined): { authority?: string } {
    return tenant ? { authority: `${trimSlash(this.#config.authorityHost)}/${encodeURIComponent(tenant)}` } : {};
  }

  /**
   * Redeems an authorization code, at the authority the sign-in used (`tenant`). An authorization code is single-use:
   * never replayed. @throws MicrosoftError
   */
  async redeemCode(
    options: TokenCallOptions & { code: string; codeVerifier: string; redirectUri: string; nonce?: string; tenant?: string },
  ): Promise<AdminSession> {
    const scope = newCallScope(options);
    try {
      // With a nonce, MSAL refuses an id token whose nonce differs (nonce_mismatch).
      const result = await callScope.run(scope, () =>
        (this.#app as ConfidentialClientApplication).acquireTokenByCode(
          {
            code: options.code,
            codeVerifier: options.codeVerifier,
            redirectUri: options.redirectUri,
            scopes: adminSignInScopes(this.#config).scopes,
            ...this.#authorityFor(options.tenant),
          },
          options.nonce ? { code: options.code, nonce: options.nonce } : undefined,
        ),
      );
      return this.#signedIn(result);
    } catch (e) {
      throw toMicrosoftError(e, { operation: "POST /token (authorization_code)", scope });
    }
  }

  /** Device-code sign-in (CLI). @throws MicrosoftError */
  async signInWithDeviceCode(
    options: TokenCallOptions & { tenant?: string; onCode: (message: string, userCode: string, verificationUri: string) => void },
  ): Promise<AdminSession> {
    const scope = newCallScope(options);
    try {
      const result = await callScope.run(scope, () =>
        (this.#app as PublicClientApplication).acquireTokenByDeviceCode({
          // One token request may address one resource only, so the device-code flow asks for Graph's `/.default`: the
          // consent it triggers covers every permission the portal app registers (Dynamics included).
          scopes: [delegatedScope(this.#config, "graph")],
          ...(options.tenant ? { authority: `${trimSlash(this.#config.authorityHost)}/${options.tenant}` } : {}),
          deviceCodeCallback: (r) => options.onCode(r.message, r.userCode, r.verificationUri),
        }),
      );
      if (!result) throw new InteractionRequiredAuthError("no_tokens_found", "Device code sign-in returned no token.");
      return this.#signedIn(result);
    } catch (e) {
      throw toMicrosoftError(e, { operation: "POST /token (device_code)", scope });
    }
  }

  /** User name and password sign-in (ROPC; public client; fails for MFA users). @throws MicrosoftError */
  async signInWithPassword(options: TokenCallOptions & { tenant?: string; username: string; password: string }): Promise<AdminSession> {
    const result = await acquire("POST /token (password)", options, () =>
      (this.#app as PublicClientApplication).acquireTokenByUsernamePassword({
        scopes: [delegatedScope(this.#config, "graph")],
        // ROPC must name a tenant or `organizations`, never `common`.
        authority: `${trimSlash(this.#config.authorityHost)}/${options.tenant ?? SIGN_IN_AUTHORITY}`,
        username: options.username,
        password: options.password,
      }),
    );
    return this.#signedIn(result);
  }

  /**
   * The admin's delegated token for a resource, with its expiry, from the cache or refreshed (also across resources).
   * @throws MicrosoftError
   */
  async accessToken(
    resource: TokenResource,
    options: TokenCallOptions & { forceRefresh?: boolean } = {},
  ): Promise<{ token: string; expiresOn: Date | null }> {
    const operation = `POST /token (refresh for ${resource === "graph" || resource === "discovery" ? resource : "dataverse"})`;
    if (!this.homeAccountId || !this.tenantId) {
      throw toMicrosoftError(new InteractionRequiredAuthError("no_account", "The admin session has no signed-in account."), { operation });
    }
    const account: AccountInfo | null = await this.#app.getTokenCache().getAccountByHomeId(this.homeAccountId);
    if (!account) {
      throw toMicrosoftError(new InteractionRequiredAuthError("no_account", "The admin's account is not in the session cache."), { operation });
    }
    if (!options.forceRefresh) {
      const cached = this.#cachedAccessToken(account, resource, Date.now());
      if (cached) return cached;
    }
    const result = await acquire(operation, options, () =>
      this.#app.acquireTokenSilent({
        account,
        scopes: [delegatedScope(this.#config, resource)],
        // Tokens come from the tenant the admin signed in to (a guest's is the inviting organization, not their home).
        authority: `${trimSlash(this.#config.authorityHost)}/${this.tenantId}`,
        forceRefresh: options.forceRefresh ?? false,
      }),
    );
    return { token: result.accessToken, expiresOn: result.expiresOn };
  }

  /**
   * A token in the session's cache for this account, client, tenant and resource that lives at least five more
   * minutes, else null. MSAL's own lookup never finds one for Graph: the request asks for `/.default` and the cache
   * holds the scopes Entra answered with by name, so every silent call for Graph would be a refresh, even with the
   * token the sign-in or the plan obtained minutes earlier (stored with the sign-in, so any instance resumes with it).
   */
  #cachedAccessToken(account: AccountInfo, resource: TokenResource, now: number): { token: string; expiresOn: Date } | null {
    const scope = delegatedScope(this.#config, resource);
    const identifier = scope.slice(0, scope.lastIndexOf("/")).toLowerCase();
    const tenant = (this.tenantId ?? "").toLowerCase();
    let best: { token: string; expiresOn: Date } | null = null;
    for (const entry of Object.values(this.#app.getTokenCache().getKVStore()) as CachedAccessToken[]) {
      if (entry.credentialType !== "AccessToken" || !entry.secret) continue;
      if ((entry.tokenType ?? "Bearer").toLowerCase() !== "bearer") continue;
      if (entry.homeAccountId !== account.homeAccountId || entry.environment !== account.environment) continue;
      if (entry.clientId?.toLowerCase() !== this.clientId.toLowerCase() || entry.realm?.toLowerCase() !== tenant) continue;
      if (!servesOnly(entry.target, identifier)) continue;
      const expiresAt = Number(entry.expiresOn) * 1000;
      if (!Number.isFinite(expiresAt) || expiresAt - now < MIN_TOKEN_VALIDITY_MS) continue;
      if (!best || expiresAt > best.expiresOn.getTime()) best = { token: entry.secret, expiresOn: new Date(expiresAt) };
    }
    return best;
  }

  /** The admin's delegated token for a resource. @throws MicrosoftError */
  async token(resource: TokenResource, options: TokenCallOptions & { forceRefresh?: boolean } = {}): Promise<string> {
    return (await this.accessToken(resource, options)).token;
  }

  /** Account and token cache as JSON: a credential, store it encrypted. Serialise again after use (refreshes rotate tokens). */
  serialize(): string {
    const payload: SerializedSession = {
      v: 1,
      clientType: this.clientType,
      clientId: this.clientId,
      tenantId: this.tenantId,
      homeAccountId: this.homeAccountId,
      username: this.username,
      cache: this.#app.getTokenCache().serialize(),
    };
    return JSON.stringify(payload);
  }

  /** Who signed in: the id token's `tid`, `oid`, `preferred_username`, `name` and `nonce`; null before sign-in. */
  async identity(): Promise<{ tenantId: string; objectId: string; username: string; name: string | null; nonce: string | null } | null> {
    if (!this.homeAccountId) return null;
    const account = await this.#app.getTokenCache().getAccountByHomeId(this.homeAccountId);
    const claims = account?.idTokenClaims;
    if (!account || !claims?.oid || !claims.tid) return null;
    return {
      tenantId: claims.tid,
      objectId: claims.oid,
      username: (claims.preferred_username as string | undefined) ?? account.username,
      name: account.name ?? null,
      nonce: typeof claims.nonce === "string" ? claims.nonce : null,
    };
  }

  /** True when the token cache changed since it was last serialised (persist it again). */
  hasChanged(): boolean {
    return this.#app.getTokenCache().hasChanged();
  }
}

// ---------------------------------------------------------------- the verbs callers already use

/** The pieces of a PKCE sign-in the caller keeps (in an encrypted cookie) until the redirect comes back. */
export type SignInRequest = { url: string; codeVerifier: string; state: string };

/** Builds the Microsoft sign-in URL for an admin (authorization code + PKCE), at `tenant`'s authority when named. */
export async function getSignInUrl(options: {
  redirectUri: string;
  tenant?: string;
  state?: string;
  loginHint?: string;
  prompt?: "select_account" | "login" | "consent";
  /** Returned in the id token; completeSignIn checks it (bind it to the caller's session). */
  nonce?: string;
  config?: IdentityConfig;
}): Promise<SignInRequest> {
  return AdminSession.create({ clientType: "confidential", config: options.config }).signInUrl(options);
}

/** Redeems the authorization code of the sign-in redirect into an admin session. @throws MicrosoftError */
export async function completeSignIn(
  options: TokenCallOptions & { code: string; codeVerifier: string; redirectUri: string; nonce?: string; tenant?: string },
): Promise<AdminSession> {
  return AdminSession.create({ clientType: "confidential", config: options.config }).redeemCode(options);
}

/** Signs an admin in on another device (CLI): `onCode` shows the message with the code to enter. @throws MicrosoftError */
export async function signInWithDeviceCode(
  options: TokenCallOptions & { tenant?: string; clientId?: string; onCode: (message: string, userCode: string, verificationUri: string) => void },
): Promise<AdminSession> {
  return AdminSession.create({ clientType: "public", clientId: options.clientId, config: options.config }).signInWithDeviceCode(options);
}

/** Signs an admin in with user name and password (ROPC; public client; fails for MFA users). @throws MicrosoftError */
export async function signInWithPassword(
  options: TokenCallOptions & { tenant?: string; clientId?: string; username: string; password: string },
): Promise<AdminSession> {
  return AdminSession.create({ clientType: "public", clientId: options.clientId, config: options.config }).signInWithPassword(options);
}

/** `session.identity()`: who signed in (id token claims); null before sign-in. */
export async function getSignedInIdentity(
  session: AdminSession,
): Promise<{ tenantId: string; objectId: string; username: string; name: string | null; nonce: string | null } | null> {
  return session.identity();
}

/** `session.serialize()`. */
export function serializeAdminSession(session: AdminSession): string {
  return session.serialize();
}

/** `AdminSession.restore(json)`. */
export function restoreAdminSession(json: string, options: { config?: IdentityConfig } = {}): AdminSession {
  return AdminSession.restore(json, options);
}

/** `session.hasChanged()`. */
export function hasAdminSessionChanged(session: AdminSession): boolean {
  return session.hasChanged();
}

/** `session.token(resource)`. The session's own configuration is used; `options.config` is ignored. @throws MicrosoftError */
export async function getAdminToken(
  session: AdminSession,
  resource: TokenResource,
  options: TokenCallOptions & { forceRefresh?: boolean } = {},
): Promise<string> {
  return session.token(resource, options);
}

/** `session.accessToken(resource)`: the token with its expiry, so a caller can keep it until then. @throws MicrosoftError */
export async function getAdminAccessToken(
  session: AdminSession,
  resource: TokenResource,
  options: TokenCallOptions & { forceRefresh?: boolean } = {},
): Promise<{ token: string; expiresOn: Date | null }> {
  return session.accessToken(resource, options);
}
