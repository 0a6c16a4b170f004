import "server-only";
import { createType1Message, createType3Message, decodeType2Message } from "@ewsjs/ntlm-client";
import { z } from "zod";
import { appError, type AppError, type AppErrorCode } from "../core/errors";
import { guardPublicAddress, type PinnedTarget } from "../core/net/public-address-guard";
import { createPinnedFetch, createPinnedSession } from "../core/net/pinned-https-request";
import { whoAmI, type WhoAmI } from "./dataverse";
import { isMicrosoftError, mapMicrosoftError, MicrosoftError, type MicrosoftService } from "./errors";
import { exchangeOnce, type CallSettings, type Exchange } from "./http";
import { whoAmISchema } from "./schemas";
import { firstAnsweringVersion, WEB_API_VERSIONS, type WebApiVersion } from "./web-api-version";
import { classifyOnPremisesSignIn, parseDomainAccount, parseWwwAuthenticate, type OnPremisesSignIn } from "./www-authenticate";

/**
 * Signing in to Dynamics 365 Customer Engagement (on-premises) as Microsoft documents it for the Web API: Windows
 * authentication (NTLMv2, from @ewsjs/ntlm-client) for an internal deployment, OAuth through AD FS for an
 * Internet-facing one; never HTTP Basic. How the server signs in is read from its own 401 first. Every request goes
 * to an address the public-address guard approved, pinned: the server's, and for AD FS the AD FS host's too.
 */

export type OnPremisesServer = CallSettings & {
  /** The organization's address, already approved by the guard. */
  environmentUrl: string;
  /** The approved address to pin the server's connection to. */
  target: PinnedTarget;
  /** Hosts that may resolve to private addresses (ONPREM_ALLOWED_PRIVATE_HOSTS), for the AD FS host's check. */
  allowedPrivateHosts: string[];
};

export type OnPremisesCredentials = {
  /** `DOMAIN\user` or `user@domain`. */
  username: string;
  password: string;
  /** AD FS only: the client id registered with `Add-AdfsClient`. */
  adfsClientId?: string | null;
  /** The version found when connecting; tried first. */
  apiVersion?: WebApiVersion | null;
};

export type OnPremisesVerified = { me: WhoAmI; apiVersion: WebApiVersion; signIn: "ntlm" | "adfs" };

/** The workstation name NTLM messages carry (informational to the server). */
const WORKSTATION = "ACTON-CONNECTOR";
const ODATA = { accept: "application/json", "odata-maxversion": "4.0", "odata-version": "4.0" };

function fail(
  service: MicrosoftService,
  code: AppErrorCode,
  userMessage: string,
  detail: string,
  status?: number,
  upstreamCode?: string,
): MicrosoftError {
  return new MicrosoftError({
    service,
    status,
    upstreamCode,
    operation: "on-premises sign-in",
    appError: appError(code, userMessage, { detail, retryable: false }),
  });
}

const isMissingVersion = (e: unknown) => isMicrosoftError(e) && e.status === 404;
const whoAmIUrl = (environmentUrl: string, version: WebApiVersion) => new URL(`${environmentUrl.replace(/\/+$/, "")}/api/data/v${version}/WhoAmI`);

function explainedOrUnavailable(exchange: Exchange, service: MicrosoftService, what: string): MicrosoftError {
  if (exchange.explained) return new MicrosoftError({ service, operation: what, appError: exchange.explained });
  if (exchange.status !== null) {
    // An answer (429 with Retry-After, 5xx): mapped as every Microsoft answer is, so a run waits as the server asks.
    const retryAfter = exchange.headers?.get("retry-after");
    return new MicrosoftError({
      service,
      operation: what,
      status: exchange.status,
      appError: mapMicrosoftError({ service, status: exchange.status, body: exchange.body, headers: exchange.headers ?? undefined, operation: what }),
      retryAfterMs: retryAfter && /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : undefined,
    });
  }
  const transport = exchange.transport === "timeout" ? "did not answer in time" : "could not be reached";
  return new MicrosoftError({
    service,
    operation: what,
    appError: appError("upstream_unavailable", `The server ${transport}. Check the address and try again.`, {
      detail: `${what}: ${exchange.transport ?? "no answer"}`,
      retryable: true,
    }),
  });
}

/** The sign-in the server asks for, in words an administrator can act on; null when the portal can do it. */
export function unsupportedSignIn(signIn: OnPremisesSignIn): AppError | null {
  switch (signIn.kind) {
    case "ntlm":
    case "adfs":
      return null;
    case "kerberos_only":
      return appError(
        "invalid_input",
        "This server accepts only Kerberos (Windows sign-in offered as Negotiate, without NTLM). Kerberos needs a computer joined to your domain, which a cloud service such as Act-On cannot be. Ask your Dynamics administrator to enable NTLM for the Dynamics 365 web site in IIS, or to make the deployment Internet-facing (IFD) with AD FS.",
        { detail: "WWW-Authenticate: Negotiate without NTLM", retryable: false },
      );
    case "basic_only":
      return appError(
        "invalid_input",
        "The server at this address asks for HTTP Basic sign-in, which Dynamics 365 (on-premises) does not use: this is probably a proxy in front of it. Enter the address of the Dynamics 365 organization itself.",
        { detail: "WWW-Authenticate: Basic only", retryable: false },
      );
    case "unknown":
      return appError(
        "invalid_input",
        "The server did not say how to sign in the way Dynamics 365 (on-premises) does (Windows sign-in or AD FS). Check that the address is your Dynamics 365 organization's.",
        { detail: `WWW-Authenticate schemes: ${signIn.schemes.join(", ") || "none"}`, retryable: false },
      );
  }
}

/**
 * Asks the server, without credentials, how it signs in (its 401's `WWW-Authenticate`). @throws MicrosoftError when it
 * cannot be reached or does not answer like a Dynamics 365 Web API
 */
export async function discoverOnPremisesSignIn(server: OnPremisesServer & { fetchImpl?: typeof fetch }): Promise<OnPremisesSignIn> {
  const exchange = await exchangeOnce({
    service: "dataverse",
    method: "GET",
    url: whoAmIUrl(server.environmentUrl, "9.2"),
    headers: ODATA,
    timeoutMs: server.timeoutMs,
    signal: server.signal,
    recorder: server.recorder,
    fetchImpl: server.fetchImpl ?? createPinnedFetch(server.target),
  });
  if (exchange.status === null) throw explainedOrUnavailable(exchange, "dataverse", "GET /WhoAmI");
  if (exchange.status === 401) return classifyOnPremisesSignIn(parseWwwAuthenticate(exchange.headers?.get("www-authenticate")));
  if (exchange.status === 404)
    throw fail(
      "dataverse",
      "not_found",
      "There is no Dynamics 365 Web API at this address. Enter your organization's address, e.g. https://crm.contoso.com/contoso.",
      "GET /WhoAmI: 404",
      404,
    );
  if (exchange.status < 300)
    throw fail(
      "dataverse",
      "invalid_input",
      "The server answered without asking anyone to sign in, which a Dynamics 365 server never does. Check the address.",
      `GET /WhoAmI: ${exchange.status} without sign-in`,
      exchange.status,
    );
  throw explainedOrUnavailable(exchange, "dataverse", "GET /WhoAmI");
}

const refusedWindowsSignIn = (status?: number) =>
  fail(
    "dataverse",
    "invalid_credentials",
    "Dynamics 365 did not accept that user name and password (Windows sign-in, NTLM). Use DOMAIN\\user or user@domain and the account's current password. If they are right, the server may require Extended Protection for Authentication, which a cloud service cannot meet: ask your administrator to set it to Accept rather than Require for the Dynamics 365 web site.",
    "NTLM AUTHENTICATE: HTTP 401 (refused)",
    status,
  );

/**
 * Windows sign-in: NEGOTIATE → the server's CHALLENGE → AUTHENTICATE (NTLMv2), all on the session's one connection,
 * which then stays signed in for the version fallback and WhoAmI.
 */
async function signInWithNtlm(server: OnPremisesServer, credentials: OnPremisesCredentials): Promise<OnPremisesVerified> {
  const account = parseDomainAccount(credentials.username);
  if (!account) throw fail("dataverse", "invalid_input", "Enter the domain user as DOMAIN\\user or user@domain.", "unparsable domain account");
  const session = createPinnedSession(server.target);
  const from = credentials.apiVersion ?? "9.2";
  const send = (authorization: string) =>
    exchangeOnce({
      service: "dataverse",
      method: "GET",
      url: whoAmIUrl(server.environmentUrl, from),
      headers: { ...ODATA, authorization },
      timeoutMs: server.timeoutMs,
      signal: server.signal,
      recorder: server.recorder,
      fetchImpl: session.fetch,
    });
  try {
    const first = await send(createType1Message(WORKSTATION, ""));
    if (first.status === null) throw explainedOrUnavailable(first, "dataverse", "NTLM NEGOTIATE");
    const challenge = parseWwwAuthenticate(first.headers?.get("www-authenticate")).find((c) => c.scheme.toLowerCase() === "ntlm" && c.token68);
    if (first.status !== 401 || !challenge?.token68) {
      throw fail(
        "dataverse",
        "invalid_input",
        "The server offered Windows sign-in but did not continue it with NTLM (it may restrict NTLM by policy). Ask your administrator to allow NTLM for the Dynamics 365 web site, or to make the deployment Internet-facing (IFD) with AD FS.",
        `NTLM NEGOTIATE answered ${first.status} without a challenge`,
        first.status,
      );
    }
    const type2 = decodeType2Message(`NTLM ${challenge.token68}`);
    if (type2.version !== 2 || !type2.targetInfo) {
      throw fail(
        "dataverse",
        "invalid_input",
        "The server offers only the old NTLM version 1, which Act-On does not use. Ask your administrator to allow NTLMv2 (it is Windows' default).",
        "NTLM CHALLENGE without extended session security or target info",
      );
    }
    const second = await send(createType3Message(type2, account.user, credentials.password, WORKSTATION, account.domain));
    if (second.status === null) throw explainedOrUnavailable(second, "dataverse", "NTLM AUTHENTICATE");
    if (second.status === 401) throw refusedWindowsSignIn(401);
    if (second.status !== 404 && second.status >= 300) throw explainedOrUnavailable(second, "dataverse", "GET /WhoAmI");
    // The handshake's own answer is WhoAmI on the first version; a 404 means signed in, but that version is missing.
    const answered = whoAmISchema.safeParse(second.body);
    if (second.status < 300 && answered.success) {
      const me = { userId: answered.data.UserId, businessUnitId: answered.data.BusinessUnitId, organizationId: answered.data.OrganizationId };
      return { me, apiVersion: from, signIn: "ntlm" };
    }
    const signedIn = { ...server, fetchImpl: session.fetch, environmentUrl: server.environmentUrl, connectionSignedIn: true as const };
    const found = await firstAnsweringVersion(
      (version) => whoAmI({ ...signedIn, apiVersion: version }),
      isMissingVersion,
      second.status === 404 ? nextVersion(from) : from,
    );
    return { me: found.value, apiVersion: found.version, signIn: "ntlm" };
  } finally {
    session.close();
  }
}

function nextVersion(version: WebApiVersion): WebApiVersion {
  const next = WEB_API_VERSIONS[WEB_API_VERSIONS.indexOf(version) + 1];
  if (!next)
    throw fail(
      "dataverse",
      "not_found",
      "The server has no Dynamics 365 Web API version Act-On can use (8.2 or later).",
      "no Web API version answered",
      404,
    );
  return next;
}

const adfsMetadataSchema = z.object({ token_endpoint: z.string().url() });
const adfsTokenSchema = z.object({ access_token: z.string().min(1) });
const oauthErrorSchema = z.object({ error: z.string() });

/**
 * AD FS: the token endpoint of the AD FS the server names (from its metadata, on the authorize endpoint's origin),
 * the resource-owner password grant for `resource_id` with the client id the customer registered, then WhoAmI with
 * the bearer token.
 */
async function signInWithAdfs(
  server: OnPremisesServer,
  credentials: OnPremisesCredentials,
  signIn: Extract<OnPremisesSignIn, { kind: "adfs" }>,
): Promise<OnPremisesVerified> {
  const clientId = credentials.adfsClientId?.trim();
  if (!clientId)
    throw fail(
      "identity",
      "invalid_input",
      "Enter the client id your AD FS administrator registered with Add-AdfsClient.",
      "AD FS sign-in without a client id",
    );
  const adfsOrigin = new URL(signIn.authorizationUri).origin;
  const guarded = await guardPublicAddress(`${adfsOrigin}/adfs`, { allowedPrivateHosts: server.allowedPrivateHosts, what: "AD FS server" });
  if (!guarded.ok) throw new MicrosoftError({ service: "identity", operation: "AD FS address check", appError: guarded.error });
  const adfsFetch = createPinnedFetch(guarded.value);
  const call = { timeoutMs: server.timeoutMs, signal: server.signal, recorder: server.recorder, fetchImpl: adfsFetch };

  const meta = await exchangeOnce({
    ...call,
    service: "identity",
    method: "GET",
    url: new URL(`${adfsOrigin}/adfs/.well-known/openid-configuration`),
    headers: { accept: "application/json" },
  });
  const parsedMeta = adfsMetadataSchema.safeParse(meta.body);
  if (meta.status !== 200 || !parsedMeta.success) {
    if (meta.status === null) throw explainedOrUnavailable(meta, "identity", "GET AD FS metadata");
    throw fail(
      "identity",
      "upstream_unavailable",
      "The AD FS server your Dynamics 365 server names did not publish its OAuth settings. Ask your administrator to check AD FS.",
      `AD FS metadata: HTTP ${meta.status}`,
      meta.status,
    );
  }
  const tokenEndpoint = new URL(parsedMeta.data.token_endpoint);
  // The password goes only to the AD FS host the server named (and the guard approved).
  if (tokenEndpoint.origin !== adfsOrigin)
    throw fail(
      "identity",
      "upstream_unavailable",
      "The AD FS server's token endpoint is on another address than the one your Dynamics 365 server names; Act-On does not send the password there.",
      `token endpoint ${tokenEndpoint.origin} ≠ ${adfsOrigin}`,
    );

  const form = new URLSearchParams({
    grant_type: "password",
    client_id: clientId,
    resource: signIn.resourceId,
    username: credentials.username,
    password: credentials.password,
  });
  const answer = await exchangeOnce({
    ...call,
    service: "identity",
    method: "POST",
    url: tokenEndpoint,
    headers: { accept: "application/json", "content-type": "application/x-www-form-urlencoded" },
    body: form.toString(),
  });
  if (answer.status === null) throw explainedOrUnavailable(answer, "identity", "POST AD FS token");
  const token = adfsTokenSchema.safeParse(answer.body);
  if (answer.status !== 200 || !token.success) {
    const error = oauthErrorSchema.safeParse(answer.body);
    const code = error.success ? error.data.error : null;
    if (code === "invalid_client")
      throw fail(
        "identity",
        "invalid_input",
        `Your AD FS does not know the client id ${clientId}. Run the Add-AdfsClient command shown on this page on your AD FS server (or correct the client id), then connect again.`,
        "AD FS token: invalid_client",
        answer.status,
        code,
      );
    if (code === "invalid_grant")
      throw fail(
        "identity",
        "invalid_credentials",
        "Your AD FS did not accept that user name and password. Use the domain user's sign-in name (user@domain or DOMAIN\\user) and current password.",
        "AD FS token: invalid_grant",
        answer.status,
        code,
      );
    throw fail(
      "identity",
      "upstream_unavailable",
      "Your AD FS refused to issue a token for Dynamics 365. Ask your administrator to check the AD FS event log.",
      `AD FS token: HTTP ${answer.status} ${code ?? "unexpected answer"}`,
      answer.status,
    );
  }
  const accessToken = token.data.access_token;
  const found = await firstAnsweringVersion(
    (version) => whoAmI({ ...server, fetchImpl: createPinnedFetch(server.target), apiVersion: version, getToken: async () => accessToken }),
    isMissingVersion,
    credentials.apiVersion ?? "9.2",
  );
  return { me: found.value, apiVersion: found.version, signIn: "adfs" };
}

/**
 * Signs in as the domain user the way the server asks (Windows or AD FS) and finds the Web API version that answers.
 * @throws MicrosoftError — `invalid_credentials` for a refused user name or password; `invalid_input` for what a cloud
 * portal cannot do (Kerberos only, NTLM blocked) or a missing AD FS client
 */
export async function verifyOnPremisesSignIn(server: OnPremisesServer, credentials: OnPremisesCredentials): Promise<OnPremisesVerified> {
  const signIn = await discoverOnPremisesSignIn(server);
  const unsupported = unsupportedSignIn(signIn);
  if (unsupported) throw new MicrosoftError({ service: "dataverse", operation: "on-premises sign-in", appError: unsupported });
  if (signIn.kind === "adfs") return signInWithAdfs(server, credentials, signIn);
  return signInWithNtlm(server, credentials);
}
