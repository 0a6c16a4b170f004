import "server-only";
import { AsyncLocalStorage } from "node:async_hooks";
import {
  AuthError,
  ClientConfigurationError,
  InteractionRequiredAuthError,
  LogLevel,
  ServerError,
  type AuthenticationResult,
  type Configuration,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
} from "@azure/msal-node";
import { log } from "@/lib/core/log";
import { mapMicrosoftError, MicrosoftError, upstreamCodeOf, type TransportFailure } from "./errors";
import { defaultSleep, DEFAULT_TIMEOUT_MS, exchangeOnce, isRedirect, redirectError, type CallRecorder, type RetryPolicy } from "./http";
import { trimSlash, type IdentityConfig, type TokenCallOptions } from "./identity-config";
import { decideRetry, DEFAULT_RETRY_POLICY } from "./retry";
import { AuthorityMetadataCache, isAuthorityMetadataUrl } from "./authority-metadata-cache";

/**
 * MSAL's plumbing: its network module goes through the one transport (`exchangeOnce`: timeouts, the caller's signal,
 * no redirects, every exchange recorded), its errors become MicrosoftErrors, and token requests follow our retry rules.
 */

// ---------------------------------------------------------------- MSAL plumbing

export type CallScope = {
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
export const callScope = new AsyncLocalStorage<CallScope>();

/**
 * MSAL's HTTP goes through here: each exchange is counted like every other Microsoft call, bounded by a timeout, and
 * its status / Retry-After / transport failure are noted so errors map precisely. The kept-alive transport trusts the
 * sandbox CA through NODE_EXTRA_CA_CERTS, exactly as it trusts Microsoft's.
 */
const networkClient: INetworkModule = {
  sendGetRequestAsync: <T>(url: string, options?: NetworkRequestOptions, timeout?: number) => send<T>("GET", url, options, timeout),
  sendPostRequestAsync: <T>(url: string, options?: NetworkRequestOptions) => send<T>("POST", url, options),
};

/** Authority metadata, once per authority per process (see authority-metadata-cache.ts). */
const authorityMetadata = new AuthorityMetadataCache();

async function send<T>(method: "GET" | "POST", url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
  const metadataUrl = method === "GET" && isAuthorityMetadataUrl(new URL(url)) ? url : null;
  const known = metadataUrl ? authorityMetadata.find(metadataUrl) : null;
  // A copy per caller: MSAL may keep and change what it is given.
  if (known) return structuredClone(known) as NetworkResponse<T>;
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
  if (metadataUrl) authorityMetadata.keep(metadataUrl, structuredClone({ status, headers, body }));
  return { status, headers, body: body as T };
}

export function msalConfiguration(
  config: IdentityConfig,
  clientId: string,
  tenant: string,
  credential: { clientSecret?: string; clientAssertion?: (c: { clientId: string; tokenEndpoint?: string }) => Promise<string> } = {},
): Configuration {
  const host = new URL(config.authorityHost).host;
  return {
    auth: {
      clientId,
      authority: `${trimSlash(config.authorityHost)}/${tenant}`,
      // A known authority is trusted as is: no instance discovery call to login.microsoftonline.com.
      knownAuthorities: [host],
      ...(credential.clientSecret ? { clientSecret: credential.clientSecret } : {}),
      ...(credential.clientAssertion ? { clientAssertion: credential.clientAssertion } : {}),
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
export async function acquire(
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

/** A call scope for one MSAL exchange sequence that must not be retried (e.g. redeeming a single-use code). */
export function newCallScope(options: TokenCallOptions): CallScope {
  return { recorder: options.recorder, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, networkCalls: 0, signal: options.signal };
}
