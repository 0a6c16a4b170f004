import "server-only";
import { AsyncLocalStorage } from "node:async_hooks";
import { createHash, randomUUID } from "node:crypto";
import {
  AuthError,
  ClientConfigurationError,
  ConfidentialClientApplication,
  CryptoProvider,
  InteractionRequiredAuthError,
  LogLevel,
  PublicClientApplication,
  ServerError,
  type AccountInfo,
  type AuthenticationResult,
  type Configuration,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
} from "@azure/msal-node";
import { getEnv } from "@/lib/env";
import { log } from "@/lib/log";
import { ADMIN_GRAPH_PERMISSIONS } from "./constants";
import { mapMicrosoftError, MicrosoftError, upstreamCodeOf, type TransportFailure } from "./errors";
import { defaultSleep, DEFAULT_TIMEOUT_MS, exchangeOnce, isRedirect, redirectError, type CallRecorder, type RetryPolicy, type Sleep } from "./http";
import { decideRetry, DEFAULT_RETRY_POLICY } from "./retry";

/**
 * Microsoft identity platform through MSAL: the admin's delegated session (serialisable, so it survives a restart and
 * moves between portal instances), the Act-On app's client-credentials tokens, and the legacy integration user's
 * password tokens. Only base URLs differ between Microsoft and the sandbox: the authority host is declared a known
 * authority, so MSAL never calls login.microsoftonline.com's instance discovery for another host.
 */

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
};

/** The identity configuration from the environment (read lazily, on first use). */
export function identityConfigFromEnv(): IdentityConfig {
  const env = getEnv();
  return {
    authorityHost: env.MICROSOFT_AUTHORITY_HOST,
    graphUrl: env.MICROSOFT_GRAPH_URL,
    discoveryUrl: env.MICROSOFT_DISCOVERY_URL,
    portalClientId: env.PORTAL_CLIENT_ID,
    portalClientSecret: env.PORTAL_CLIENT_SECRET,
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

const trimSlash = (s: string) => s.replace(/\/+$/, "");

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

// ---------------------------------------------------------------- MSAL plumbing

type CallScope = {
  recorder?: CallRecorder;
  timeoutMs: number;
  /** Exchanges made in this attempt (MSAL answers some failures from its own throttling cache, without one). */
  networkCalls: number;
  lastStatus?: number;
  lastRetryAfter?: string;
  /** The JSON error body of the last failed exchange (MSAL hides metadata failures behind a client error). */
  lastErrorBody?: unknown;
  transport?: TransportFailure;
  /** A 3xx answer: the exchange failed for this reason (MSAL wraps what the network module throws). */
  redirect?: MicrosoftError;
  /** The caller's cancellation (a lost lease). */
  signal?: AbortSignal;
};
const callScope = new AsyncLocalStorage<CallScope>();

/**
 * MSAL's HTTP goes through here: each exchange is counted like every other Microsoft call, bounded by a timeout, and
 * its status / Retry-After / transport failure are noted so errors map precisely. Global fetch trusts the sandbox
 * CA through NODE_EXTRA_CA_CERTS, exactly as it trusts Microsoft's.
 */
const networkClient: INetworkModule = {
  sendGetRequestAsync: <T>(url: string, options?: NetworkRequestOptions, timeout?: number) => send<T>("GET", url, options, timeout),
  sendPostRequestAsync: <T>(url: string, options?: NetworkRequestOptions) => send<T>("POST", url, options),
};

async function send<T>(method: "GET" | "POST", url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
  const scope = callScope.getStore();
  const exchange = await exchangeOnce({
    service: "identity",
    method,
    url: new URL(url),
    headers: options?.headers ?? {},
    body: method === "POST" ? options?.body : undefined,
    timeoutMs: timeout ?? scope?.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    signal: scope?.signal,
    recorder: scope?.recorder,
  });
  if (scope) {
    scope.networkCalls += 1;
    scope.transport = exchange.transport;
    scope.lastStatus = exchange.status ?? undefined;
    scope.lastRetryAfter = exchange.headers?.get("retry-after") ?? undefined;
    scope.lastErrorBody = undefined;
  }
  if (exchange.transport) throw new Error(`identity ${method} ${new URL(url).pathname}: ${exchange.transport}`);
  if (isRedirect(exchange.status)) {
    // Never followed: a 307 would re-send the client secret or password in this form body to the Location.
    const error = redirectError("identity", `${method} ${new URL(url).pathname}`, exchange.status!, exchange.headers);
    if (scope) scope.redirect = error;
    throw error;
  }
  const status = exchange.status!;
  let body: unknown = exchange.body ?? {};
  if (typeof body !== "object" || body === null) {
    body = { error: status >= 500 ? "temporarily_unavailable" : "invalid_response", error_description: `Non-JSON answer (HTTP ${status}).` };
  }
  const headers: Record<string, string> = {};
  exchange.headers?.forEach((v, k) => (headers[k] = v));
  // MSAL's throttling reads `Retry-After` with this exact casing; without it MSAL blocks the request for 60 s.
  if (headers["retry-after"] !== undefined) headers["Retry-After"] = headers["retry-after"];
  if (scope && status >= 400) scope.lastErrorBody = body;
  return { status, headers, body: body as T };
}

function msalConfiguration(config: IdentityConfig, clientId: string, tenant: string, clientSecret?: string): Configuration {
  const host = new URL(config.authorityHost).host;
  return {
    auth: {
      clientId,
      authority: `${trimSlash(config.authorityHost)}/${tenant}`,
      // A known authority is trusted as is: no instance discovery call to login.microsoftonline.com.
      knownAuthorities: [host],
      ...(clientSecret ? { clientSecret } : {}),
    },
    system: {
      networkClient,
      loggerOptions: {
        piiLoggingEnabled: false,
        logLevel: LogLevel.Warning,
        loggerCallback: (level, message, containsPii) => {
          if (containsPii) return;
          // Client-credential answers never carry client_info (Entra sends it for user sign-ins only): not news.
          if (level <= LogLevel.Warning && !message.includes("No client info in response")) log.warn("msal", { message });
        },
      },
    },
  };
}

/** Turns anything MSAL throws into a MicrosoftError (AADSTS codes through `mapMicrosoftError`). */
export function toMicrosoftError(e: unknown, context: { operation: string; justCreated?: boolean; scope?: CallScope }): MicrosoftError {
  if (e instanceof MicrosoftError) return e;
  const scope = context.scope;
  if (scope?.redirect) return scope.redirect;
  if (e instanceof ClientConfigurationError) {
    // Our configuration is wrong (e.g. an http:// authority): a bug to fix, never a retry.
    return new MicrosoftError({
      service: "identity",
      operation: context.operation,
      upstreamCode: e.errorCode,
      appError: {
        code: "internal",
        userMessage: "The portal's Microsoft sign-in is misconfigured. Contact Act-On support.",
        detail: `identity ${context.operation}: MSAL configuration error ${e.errorCode}`,
        retryable: false,
      },
    });
  }
  if (e instanceof AuthError) {
    const errorNo = (e as ServerError).errorNo ?? (e as InteractionRequiredAuthError).errorNo;
    const status = e instanceof ServerError ? (e.status ?? scope?.lastStatus) : undefined;
    // MSAL's own "no account/refresh token in the cache" carries no AADSTS number: the admin must sign in again.
    const noTokens = e instanceof InteractionRequiredAuthError && !errorNo && !/consent/i.test(e.errorCode);
    const clientSide = !(e instanceof ServerError) && !(e instanceof InteractionRequiredAuthError);
    if (clientSide && scope?.lastErrorBody && scope.lastStatus !== undefined) {
      // e.g. endpoints_resolution_error after the metadata endpoint answered 400 invalid_tenant (AADSTS90002).
      const appError = mapMicrosoftError({
        service: "identity",
        status: scope.lastStatus,
        body: scope.lastErrorBody,
        justCreated: context.justCreated,
        operation: context.operation,
      });
      return new MicrosoftError({
        service: "identity",
        operation: context.operation,
        status: scope.lastStatus,
        upstreamCode: upstreamCodeOf(scope.lastErrorBody),
        requestIds: appError.requestIds,
        appError,
      });
    }
    const transport = scope?.transport ?? (clientSide && /network|endpoints_resolution/i.test(e.errorCode) ? "network" : undefined);
    const body = {
      error: noTokens ? "interaction_required" : e.errorCode,
      error_description: e.errorMessage,
      error_codes: errorNo ? [Number(errorNo)] : [],
      suberror: e.subError || undefined,
      correlation_id: e.correlationId || undefined,
      trace_id: (e as InteractionRequiredAuthError).traceId || undefined,
    };
    const appError = mapMicrosoftError({
      service: "identity",
      status: transport ? undefined : status,
      body,
      transport,
      justCreated: context.justCreated,
      operation: context.operation,
    });
    return new MicrosoftError({
      service: "identity",
      operation: context.operation,
      status,
      upstreamCode: errorNo ? `AADSTS${errorNo}` : e.errorCode,
      requestIds: appError.requestIds,
      appError,
    });
  }
  return new MicrosoftError({
    service: "identity",
    operation: context.operation,
    appError: mapMicrosoftError({ service: "identity", transport: scope?.transport ?? "network", operation: context.operation }),
  });
}

/**
 * Runs one MSAL acquisition with our retry rules (token requests are safe to replay): throttling and transient
 * failures are retried within the policy; everything else is mapped and thrown at once.
 */
async function acquire(
  operation: string,
  options: TokenCallOptions & { justCreated?: boolean },
  run: () => Promise<AuthenticationResult | null>,
): Promise<AuthenticationResult> {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const sleep = options.sleep ?? defaultSleep;
  const started = Date.now();
  let previous: CallScope | undefined;
  for (let attempt = 1; ; attempt++) {
    const scope: CallScope = {
      recorder: options.recorder,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      networkCalls: 0,
      signal: options.signal,
    };
    try {
      const result = await callScope.run(scope, run);
      if (!result) throw new InteractionRequiredAuthError("no_tokens_found", "MSAL returned no token.");
      return result;
    } catch (e) {
      if (options.signal?.aborted) throw options.signal.reason ?? e;
      if (scope.networkCalls === 0 && e instanceof ServerError && previous?.lastStatus !== undefined) {
        // MSAL replayed the previous throttling answer from its cache without calling out: still that answer.
        scope.lastStatus = previous.lastStatus;
        scope.lastErrorBody = previous.lastErrorBody;
      }
      previous = scope;
      const error = toMicrosoftError(e, { operation, justCreated: options.justCreated, scope });
      const decision = decideRetry({
        replay: "safe",
        status: scope.transport ? undefined : error.status,
        transport: scope.transport,
        retryAfter: scope.lastRetryAfter,
        attempt,
        elapsedMs: Date.now() - started,
        policy,
      });
      if (!decision.retry) throw error;
      log.warn("microsoft token request will be retried", { operation, code: error.appError.code, attempt, delayMs: decision.delayMs });
      // MSAL keeps its own throttle window until Retry-After has fully passed; a small margin avoids waking up inside it.
      await sleep(decision.delayMs + (scope.lastRetryAfter ? 100 : 0), options.signal);
    }
  }
}

// ---------------------------------------------------------------- the admin's delegated session

export type AdminSessionClientType = "confidential" | "public";

/** An admin's delegated sign-in: account identity plus (internally) an MSAL client holding its token cache. */
export type AdminSession = {
  readonly clientType: AdminSessionClientType;
  readonly clientId: string;
  /** Home tenant of the signed-in admin (`tid`); null until signed in. */
  readonly tenantId: string | null;
  readonly homeAccountId: string | null;
  readonly username: string | null;
};

type SessionInternals = { app: ConfidentialClientApplication | PublicClientApplication; config: IdentityConfig };
const internals = new WeakMap<AdminSession, SessionInternals>();

const SIGN_IN_AUTHORITY = "organizations";

function portalClientId(config: IdentityConfig, clientId?: string): string {
  const id = clientId ?? config.portalClientId;
  if (!id) throw new Error("PORTAL_CLIENT_ID is not configured: the portal cannot sign admins in");
  return id;
}

function portalSecret(config: IdentityConfig): string {
  if (!config.portalClientSecret) throw new Error("PORTAL_CLIENT_SECRET is not configured: the portal cannot redeem sign-ins");
  return config.portalClientSecret;
}

/** Creates an empty admin session for the portal app (confidential for the web, public for the CLI and tests). */
export function createAdminSession(options: { clientType: AdminSessionClientType; clientId?: string; config?: IdentityConfig }): AdminSession {
  const config = options.config ?? identityConfigFromEnv();
  const clientId = portalClientId(config, options.clientId);
  const app =
    options.clientType === "confidential"
      ? new ConfidentialClientApplication(msalConfiguration(config, clientId, SIGN_IN_AUTHORITY, portalSecret(config)))
      : new PublicClientApplication(msalConfiguration(config, clientId, SIGN_IN_AUTHORITY));
  const session: AdminSession = { clientType: options.clientType, clientId, tenantId: null, homeAccountId: null, username: null };
  internals.set(session, { app, config });
  return session;
}

function internalsOf(session: AdminSession): SessionInternals {
  const found = internals.get(session);
  if (!found) throw new Error("not an AdminSession created by lib/microsoft/identity");
  return found;
}

function signedIn(base: AdminSession, result: AuthenticationResult): AdminSession {
  const account = result.account;
  if (!account) throw new Error("MSAL returned no account for an interactive sign-in");
  const session: AdminSession = {
    clientType: base.clientType,
    clientId: base.clientId,
    tenantId: account.tenantId || result.tenantId,
    homeAccountId: account.homeAccountId,
    username: account.username,
  };
  internals.set(session, internalsOf(base));
  return session;
}

/** The pieces of a PKCE sign-in the caller keeps (in an encrypted cookie) until the redirect comes back. */
export type SignInRequest = { url: string; codeVerifier: string; state: string };

/** Builds the Microsoft sign-in URL for an admin (authorization code + PKCE; no network call). */
export async function getSignInUrl(options: {
  redirectUri: string;
  state?: string;
  loginHint?: string;
  prompt?: "select_account" | "login" | "consent";
  /** Returned in the id token; completeSignIn checks it (bind it to the caller's session). */
  nonce?: string;
  config?: IdentityConfig;
}): Promise<SignInRequest> {
  const session = createAdminSession({ clientType: "confidential", config: options.config });
  const { app, config } = internalsOf(session);
  const { verifier, challenge } = await new CryptoProvider().generatePkceCodes();
  const state = options.state ?? randomUUID();
  const url = await (app as ConfidentialClientApplication).getAuthCodeUrl({
    ...adminSignInScopes(config),
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

/** Redeems the authorization code of the sign-in redirect into an admin session. @throws MicrosoftError */
export async function completeSignIn(
  options: TokenCallOptions & { code: string; codeVerifier: string; redirectUri: string; nonce?: string },
): Promise<AdminSession> {
  const session = createAdminSession({ clientType: "confidential", config: options.config });
  const { app, config } = internalsOf(session);
  // An authorization code is single-use: never replay the redemption.
  const scope: CallScope = {
    recorder: options.recorder,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    networkCalls: 0,
    signal: options.signal,
  };
  try {
    // With a nonce, MSAL refuses an id token whose nonce differs (nonce_mismatch).
    const result = await callScope.run(scope, () =>
      (app as ConfidentialClientApplication).acquireTokenByCode(
        {
          code: options.code,
          codeVerifier: options.codeVerifier,
          redirectUri: options.redirectUri,
          scopes: adminSignInScopes(config).scopes,
        },
        options.nonce ? { code: options.code, nonce: options.nonce } : undefined,
      ),
    );
    return signedIn(session, result);
  } catch (e) {
    throw toMicrosoftError(e, { operation: "POST /token (authorization_code)", scope });
  }
}

/** Signs an admin in on another device (CLI): `onCode` shows the message with the code to enter. @throws MicrosoftError */
export async function signInWithDeviceCode(
  options: TokenCallOptions & { tenant?: string; clientId?: string; onCode: (message: string, userCode: string, verificationUri: string) => void },
): Promise<AdminSession> {
  const session = createAdminSession({ clientType: "public", clientId: options.clientId, config: options.config });
  const { app, config } = internalsOf(session);
  const scope: CallScope = {
    recorder: options.recorder,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    networkCalls: 0,
    signal: options.signal,
  };
  try {
    const result = await callScope.run(scope, () =>
      (app as PublicClientApplication).acquireTokenByDeviceCode({
        // One token request may address one resource only, so the device-code flow asks for Graph's `/.default`: the
        // consent it triggers covers every permission the portal app registers (Dynamics included).
        scopes: [delegatedScope(config, "graph")],
        ...(options.tenant ? { authority: `${trimSlash(config.authorityHost)}/${options.tenant}` } : {}),
        deviceCodeCallback: (r) => options.onCode(r.message, r.userCode, r.verificationUri),
      }),
    );
    if (!result) throw new InteractionRequiredAuthError("no_tokens_found", "Device code sign-in returned no token.");
    return signedIn(session, result);
  } catch (e) {
    throw toMicrosoftError(e, { operation: "POST /token (device_code)", scope });
  }
}

/** Signs an admin in with user name and password (ROPC; public client; fails for MFA users). @throws MicrosoftError */
export async function signInWithPassword(
  options: TokenCallOptions & { tenant?: string; clientId?: string; username: string; password: string },
): Promise<AdminSession> {
  const session = createAdminSession({ clientType: "public", clientId: options.clientId, config: options.config });
  const { app, config } = internalsOf(session);
  const result = await acquire("POST /token (password)", options, () =>
    (app as PublicClientApplication).acquireTokenByUsernamePassword({
      scopes: [delegatedScope(config, "graph")],
      // ROPC must name a tenant or `organizations`, never `common`.
      authority: `${trimSlash(config.authorityHost)}/${options.tenant ?? SIGN_IN_AUTHORITY}`,
      username: options.username,
      password: options.password,
    }),
  );
  return signedIn(session, result);
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

/**
 * Serialises a session (account + MSAL token cache, which holds refresh tokens) to JSON. The result is a credential:
 * store it encrypted. Serialise again after use, since refreshes rotate tokens.
 */
export function serializeAdminSession(session: AdminSession): string {
  const { app } = internalsOf(session);
  const payload: SerializedSession = {
    v: 1,
    clientType: session.clientType,
    clientId: session.clientId,
    tenantId: session.tenantId,
    homeAccountId: session.homeAccountId,
    username: session.username,
    cache: app.getTokenCache().serialize(),
  };
  return JSON.stringify(payload);
}

/** Rebuilds a session from `serializeAdminSession` output (any portal instance; the portal secret comes from config). */
export function restoreAdminSession(json: string, options: { config?: IdentityConfig } = {}): AdminSession {
  let parsed: SerializedSession;
  try {
    parsed = JSON.parse(json) as SerializedSession;
  } catch {
    throw new Error("the stored admin session is not valid JSON");
  }
  if (parsed?.v !== 1 || (parsed.clientType !== "confidential" && parsed.clientType !== "public") || typeof parsed.cache !== "string") {
    throw new Error("the stored admin session has an unknown format");
  }
  const base = createAdminSession({ clientType: parsed.clientType, clientId: parsed.clientId, config: options.config });
  internalsOf(base).app.getTokenCache().deserialize(parsed.cache);
  const session: AdminSession = { ...base, tenantId: parsed.tenantId, homeAccountId: parsed.homeAccountId, username: parsed.username };
  internals.set(session, internalsOf(base));
  return session;
}

/** Who signed in: the id token's `tid`, `oid`, `preferred_username`, `name` and `nonce`; null before sign-in. */
export async function getSignedInIdentity(
  session: AdminSession,
): Promise<{ tenantId: string; objectId: string; username: string; name: string | null; nonce: string | null } | null> {
  if (!session.homeAccountId) return null;
  const account = await internalsOf(session).app.getTokenCache().getAccountByHomeId(session.homeAccountId);
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

/** True when the session's token cache changed since it was last serialised (persist it again). */
export function hasAdminSessionChanged(session: AdminSession): boolean {
  return internalsOf(session).app.getTokenCache().hasChanged();
}

/** Gets the admin's delegated token for a resource from the cache, refreshing (also across resources) as needed. @throws MicrosoftError */
export async function getAdminToken(
  session: AdminSession,
  resource: TokenResource,
  options: TokenCallOptions & { forceRefresh?: boolean } = {},
): Promise<string> {
  return (await getAdminAccessToken(session, resource, options)).token;
}

/**
 * Same as getAdminToken, with the token's expiry, so a caller can reuse it: MSAL's cache does not match a cached
 * token to a `/.default` request (Entra answers with the granted scopes by name), so every silent call for Graph
 * would otherwise be a refresh round trip. @throws MicrosoftError
 */
export async function getAdminAccessToken(
  session: AdminSession,
  resource: TokenResource,
  options: TokenCallOptions & { forceRefresh?: boolean } = {},
): Promise<{ token: string; expiresOn: Date | null }> {
  const { app, config } = internalsOf(session);
  const operation = `POST /token (refresh for ${resource === "graph" || resource === "discovery" ? resource : "dataverse"})`;
  if (!session.homeAccountId || !session.tenantId) {
    throw toMicrosoftError(new InteractionRequiredAuthError("no_account", "The admin session has no signed-in account."), { operation });
  }
  const account: AccountInfo | null = await app.getTokenCache().getAccountByHomeId(session.homeAccountId);
  if (!account) {
    throw toMicrosoftError(new InteractionRequiredAuthError("no_account", "The admin's account is not in the session cache."), { operation });
  }
  const result = await acquire(operation, options, () =>
    app.acquireTokenSilent({
      account,
      scopes: [delegatedScope(config, resource)],
      // Tokens come from the admin's own tenant, whichever authority they signed in through.
      authority: `${trimSlash(config.authorityHost)}/${session.tenantId}`,
      forceRefresh: options.forceRefresh ?? false,
    }),
  );
  return { token: result.accessToken, expiresOn: result.expiresOn };
}

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

/**
 * Gets an app-only token (client credentials) for the Act-On app in the customer's tenant. Right after the app or its
 * secret was created, pass `justCreated` so propagation errors come back as a retryable `replication_pending`.
 * @throws MicrosoftError
 */
export async function getAppToken(
  options: TokenCallOptions & {
    tenantId: string;
    clientId: string;
    clientSecret: string;
    resource: TokenResource;
    justCreated?: boolean;
    /** Ask Entra even when a token is cached: a proof that the secret works now (the manual path) must not use an old token. */
    skipCache?: boolean;
  },
): Promise<string> {
  const config = options.config ?? identityConfigFromEnv();
  const client = appClient(config, options.tenantId, options.clientId, options.clientSecret);
  const result = await acquire("POST /token (client_credentials)", options, () =>
    client.acquireTokenByClientCredential({ scopes: [appScope(config, options.resource)], skipCache: options.skipCache }),
  );
  return result.accessToken;
}

/**
 * Gets a delegated Dataverse token for the legacy integration user with user name and password (ROPC on the Act-On
 * app, which must allow public client flows). Nothing is cached. @throws MicrosoftError
 */
export async function getUserTokenByPassword(
  options: TokenCallOptions & {
    tenantId: string;
    clientId: string;
    username: string;
    password: string;
    environmentUrl: string;
    justCreated?: boolean;
  },
): Promise<string> {
  const config = options.config ?? identityConfigFromEnv();
  const app = new PublicClientApplication(msalConfiguration(config, options.clientId, options.tenantId));
  const result = await acquire("POST /token (password)", options, () =>
    app.acquireTokenByUsernamePassword({
      scopes: [delegatedScope(config, { environmentUrl: options.environmentUrl })],
      username: options.username,
      password: options.password,
    }),
  );
  return result.accessToken;
}
