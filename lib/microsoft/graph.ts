import "server-only";
import type { z } from "zod";
import { DYNAMICS_CRM_APP_ID, DYNAMICS_USER_IMPERSONATION, DYNAMICS_USER_IMPERSONATION_SCOPE_ID } from "./constants";
import { isMicrosoftError, MicrosoftError } from "./errors";
import { microsoftFetch, sameOriginLink, type Replay, type CallSettings, type MicrosoftFetchOptions, callOptions } from "./http";
import {
  collectionSchema,
  appManagementPolicySchema,
  graphApplicationSchema,
  graphAuthenticationRequirementsSchema,
  graphDirectoryObjectSchema,
  graphKeyCredentialSchema,
  graphRoleEligibilityInstanceSchema,
  graphMeSchema,
  graphOrganizationSchema,
  graphPasswordCredentialSchema,
  graphPermissionGrantSchema,
  graphSecurityDefaultsSchema,
  graphServicePrincipalSchema,
  guidSchema,
  type GraphApplication,
  type GraphPermissionGrant,
  type GraphServicePrincipal,
  graphConditionalAccessPolicySchema,
} from "./schemas";

/**
 * Microsoft Graph, in our words: the signed-in admin and their tenant, app registrations, their secrets, service
 * principals and tenant-wide consent grants. Wire shapes (`value[]`, `@odata.nextLink`, `id` vs `appId`) stay in here.
 */

export type GraphContext = CallSettings & {
  /** `https://graph.microsoft.com`, or the sandbox's `{origin}/graph`; no version segment. */
  baseUrl: string;
  /** A delegated Graph token of the signed-in admin. */
  getToken: () => Promise<string>;
};

// ---------------------------------------------------------------- our types

export type SignedInAdmin = {
  userId: string;
  userPrincipalName: string;
  displayName: string | null;
  tenantId: string;
  tenantName: string | null;
  /** The tenant's default verified domain (falls back to the initial `*.onmicrosoft.com`). */
  tenantDomain: string | null;
  initialDomain: string | null;
};

export type DirectoryRole = { roleTemplateId: string; displayName: string | null };

export type PerUserMfaState = "disabled" | "enabled" | "enforced" | "unknown";

export type AppRegistration = {
  /** Object id: addresses `/applications/{id}`. */
  objectId: string;
  /** Client id: used in tokens and as the Dataverse application user's `applicationid`. */
  appId: string;
  displayName: string;
  tags: string[];
  allowsPublicClientFlows: boolean;
  implicitIdTokenIssuance: boolean;
  implicitAccessTokenIssuance: boolean;
  /** Web platform redirect URIs (where Microsoft's consent and sign-in pages may send the browser back). */
  webRedirectUris: string[];
  secrets: { keyId: string; displayName: string | null; hint: string | null; endDateTime: string | null }[];
  /** Certificates (`keyCredentials`); `thumbprint` is the upper-case hex SHA-1 Graph shows as customKeyIdentifier. */
  certificates: { keyId: string; displayName: string | null; thumbprint: string | null; endDateTime: string | null }[];
  requestsDynamicsImpersonation: boolean;
};

export type ClientSecret = { keyId: string; secretText: string; hint: string | null; endDateTime: string };

export type ServicePrincipal = { objectId: string; appId: string; displayName: string | null };

export type PermissionGrant = {
  id: string;
  clientSpId: string;
  resourceSpId: string;
  consentType: string;
  principalId: string | null;
  scopes: string[];
};

// ---------------------------------------------------------------- transport

type GraphCall<T> = {
  method: MicrosoftFetchOptions<T>["method"];
  path: string;
  version?: "v1.0" | "beta";
  query?: Record<string, string>;
  body?: unknown;
  replay: Replay;
  schema?: z.ZodType<T>;
  justCreated?: boolean;
  headers?: Record<string, string>;
};

/** Graph wants `%20` for spaces in `$filter`, not `+`. */
function queryString(query: Record<string, string> | undefined): string {
  if (!query) return "";
  const parts = Object.entries(query).map(([k, v]) => `${k}=${encodeURIComponent(v)}`);
  return parts.length ? `?${parts.join("&")}` : "";
}

function graphUrl(ctx: GraphContext, version: string, path: string, query?: Record<string, string>): string {
  return `${ctx.baseUrl.replace(/\/+$/, "")}/${version}${path}${queryString(query)}`;
}

async function graphCall<T>(ctx: GraphContext, call: GraphCall<T>) {
  return microsoftFetch<T>({
    service: "graph",
    method: call.method,
    url: graphUrl(ctx, call.version ?? "v1.0", call.path, call.query),
    token: await ctx.getToken(),
    body: call.body,
    headers: call.headers,
    replay: call.replay,
    schema: call.schema,
    justCreated: call.justCreated,
    ...callOptions(ctx),
  });
}

const MAX_PAGES = 20;

/** Reads every page of a collection (following `@odata.nextLink`, bounded). */
async function graphList<T extends z.ZodTypeAny>(
  ctx: GraphContext,
  path: string,
  item: T,
  query?: Record<string, string>,
  headers?: Record<string, string>,
): Promise<z.infer<T>[]> {
  const schema = collectionSchema(item);
  const first = await graphCall(ctx, { method: "GET", path, query, headers, replay: "safe", schema });
  const items: z.infer<T>[] = [...first.data.value];
  const firstUrl = graphUrl(ctx, "v1.0", path);
  let next = first.data["@odata.nextLink"];
  for (let page = 1; next && page < MAX_PAGES; page++) {
    const res = await microsoftFetch({
      service: "graph",
      method: "GET",
      // The token goes with the link: only to the origin the first page came from.
      url: sameOriginLink("graph", firstUrl, next),
      token: await ctx.getToken(),
      headers,
      replay: "safe",
      schema,
      ...callOptions(ctx),
    });
    items.push(...res.data.value);
    next = res.data["@odata.nextLink"];
  }
  return items;
}

/** A string literal for `$filter`, quoted per OData (a single quote is doubled). */
function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function requireGuid(value: string, what: string): string {
  const parsed = guidSchema.safeParse(value);
  if (!parsed.success) throw new TypeError(`${what} must be a GUID`);
  return parsed.data;
}

// ---------------------------------------------------------------- mappers

function toAppRegistration(a: GraphApplication): AppRegistration {
  return {
    objectId: a.id,
    appId: a.appId,
    displayName: a.displayName,
    tags: a.tags,
    allowsPublicClientFlows: a.isFallbackPublicClient,
    implicitIdTokenIssuance: a.web?.implicitGrantSettings?.enableIdTokenIssuance ?? false,
    implicitAccessTokenIssuance: a.web?.implicitGrantSettings?.enableAccessTokenIssuance ?? false,
    webRedirectUris: a.web?.redirectUris ?? [],
    secrets: a.passwordCredentials.map((p) => ({ keyId: p.keyId, displayName: p.displayName, hint: p.hint, endDateTime: p.endDateTime })),
    certificates: a.keyCredentials.map((k) => ({
      keyId: k.keyId,
      displayName: k.displayName,
      thumbprint: k.customKeyIdentifier,
      endDateTime: k.endDateTime,
    })),
    requestsDynamicsImpersonation: a.requiredResourceAccess.some(
      (r) =>
        r.resourceAppId.toLowerCase() === DYNAMICS_CRM_APP_ID &&
        r.resourceAccess.some((x) => x.id.toLowerCase() === DYNAMICS_USER_IMPERSONATION_SCOPE_ID),
    ),
  };
}

const toServicePrincipal = (sp: GraphServicePrincipal): ServicePrincipal => ({ objectId: sp.id, appId: sp.appId, displayName: sp.displayName });

const splitScopes = (scope: string) => scope.split(/\s+/).filter(Boolean);

const toPermissionGrant = (g: GraphPermissionGrant): PermissionGrant => ({
  id: g.id,
  clientSpId: g.clientId,
  resourceSpId: g.resourceId,
  consentType: g.consentType,
  principalId: g.principalId,
  scopes: splitScopes(g.scope),
});

// ---------------------------------------------------------------- the signed-in admin and the tenant

/** Reads who is signed in and which tenant they belong to (`/me` + `/organization`). @throws MicrosoftError */
export async function getSignedInAdmin(ctx: GraphContext): Promise<SignedInAdmin> {
  const [me, orgs] = await Promise.all([
    graphCall(ctx, {
      method: "GET",
      path: "/me",
      query: { $select: "id,userPrincipalName,displayName,mail" },
      replay: "safe",
      schema: graphMeSchema,
    }),
    graphCall(ctx, {
      method: "GET",
      path: "/organization",
      query: { $select: "id,displayName,verifiedDomains" },
      replay: "safe",
      schema: collectionSchema(graphOrganizationSchema),
    }),
  ]);
  const org = orgs.data.value[0];
  if (!org) {
    throw new MicrosoftError({
      service: "graph",
      operation: "GET /organization",
      status: orgs.status,
      requestIds: orgs.requestIds,
      appError: {
        code: "upstream_unavailable",
        userMessage: "Microsoft did not tell us which tenant you belong to. Sign in again; if it keeps happening, contact Act-On support.",
        detail: "GET /organization returned no organization",
        retryable: true,
        requestIds: orgs.requestIds,
      },
    });
  }
  const domains = org.verifiedDomains;
  return {
    userId: me.data.id,
    userPrincipalName: me.data.userPrincipalName,
    displayName: me.data.displayName,
    tenantId: org.id,
    tenantName: org.displayName,
    tenantDomain: (domains.find((d) => d.isDefault) ?? domains.find((d) => d.isInitial) ?? domains[0])?.name ?? null,
    initialDomain: domains.find((d) => d.isInitial)?.name ?? null,
  };
}

/**
 * The parameters Microsoft's "Advanced query capabilities on directory objects" requires for an OData cast on a
 * membership list; without them Graph may refuse the cast (400 Request_UnsupportedQuery).
 */
const ADVANCED_QUERY_HEADERS = { ConsistencyLevel: "eventual" };

/**
 * Lists the directory roles the signed-in admin holds actively, directly or through a role-assignable group
 * (`/me/transitiveMemberOf`, cast to roles as an advanced query; compare `roleTemplateId`). A role only eligible in
 * Privileged Identity Management is not among them until activated (see listEligibleDirectoryRoles). @throws MicrosoftError
 */
export async function listDirectoryRoles(ctx: GraphContext): Promise<DirectoryRole[]> {
  const objects = await graphList(
    ctx,
    "/me/transitiveMemberOf/microsoft.graph.directoryRole",
    graphDirectoryObjectSchema,
    { $select: "id,displayName,roleTemplateId", $count: "true" },
    ADVANCED_QUERY_HEADERS,
  );
  const roles = new Map<string, DirectoryRole>();
  for (const o of objects) {
    if (o.roleTemplateId) roles.set(o.roleTemplateId.toLowerCase(), { roleTemplateId: o.roleTemplateId.toLowerCase(), displayName: o.displayName });
  }
  return [...roles.values()];
}

/**
 * The directory roles (template ids) the signed-in admin may activate in Privileged Identity Management but holds
 * inactive now (`roleEligibilityScheduleInstances/filterByCurrentUser`; built-in roles' `roleDefinitionId` is the
 * template id). Null when Microsoft does not let this sign-in read them (no RoleManagement/RoleEligibilitySchedule
 * permission, or a tenant without PIM's licence), so a caller can say eligibility may be the cause. @throws MicrosoftError
 */
export async function listEligibleDirectoryRoles(ctx: GraphContext): Promise<string[] | null> {
  let instances;
  try {
    instances = await graphList(
      ctx,
      "/roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')",
      graphRoleEligibilityInstanceSchema,
      { $select: "roleDefinitionId,directoryScopeId" },
    );
  } catch (e) {
    if (isMicrosoftError(e, "insufficient_privileges", "forbidden")) return null;
    throw e;
  }
  // A role eligible only within an administrative unit cannot register apps for the tenant.
  const tenantWide = instances.filter((i) => (i.directoryScopeId ?? "/") === "/").map((i) => i.roleDefinitionId.toLowerCase());
  return [...new Set(tenantWide)];
}

/**
 * Reads a user's legacy per-user MFA state (Graph beta `authentication/requirements`). Microsoft answers only callers
 * holding a directory role that may read authentication methods (Global Reader, Authentication Policy Administrator,
 * ...): without one, the state is "unknown", never an error. @throws MicrosoftError
 */
export async function getPerUserMfaState(ctx: GraphContext, options: { userId: string }): Promise<PerUserMfaState> {
  let res;
  try {
    res = await graphCall(ctx, {
      method: "GET",
      version: "beta",
      path: `/users/${encodeURIComponent(options.userId)}/authentication/requirements`,
      replay: "safe",
      schema: graphAuthenticationRequirementsSchema,
    });
  } catch (e) {
    if (isMicrosoftError(e, "insufficient_privileges", "forbidden")) return "unknown";
    throw e;
  }
  const state = res.data.perUserMfaState.toLowerCase();
  return state === "disabled" || state === "enabled" || state === "enforced" ? state : "unknown";
}

/** Tells whether the tenant enforces security defaults (which block password sign-in without MFA). @throws MicrosoftError */
export async function getSecurityDefaults(ctx: GraphContext): Promise<{ isEnabled: boolean }> {
  const res = await graphCall(ctx, {
    method: "GET",
    path: "/policies/identitySecurityDefaultsEnforcementPolicy",
    replay: "safe",
    schema: graphSecurityDefaultsSchema,
  });
  return { isEnabled: res.data.isEnabled };
}

/** A Conditional Access policy as the plan reads it (Graph's shape, absent lists as empty). */
export type ConditionalAccessPolicy = z.infer<typeof graphConditionalAccessPolicySchema>;

/**
 * Lists the tenant's Conditional Access policies (`/identity/conditionalAccess/policies`, Policy.Read.All). Null when
 * Microsoft does not let this sign-in read them: a delegated caller also needs a role that may (Security Reader,
 * Global Reader, Conditional Access or Security Administrator, Global Administrator). @throws MicrosoftError
 */
export async function listConditionalAccessPolicies(ctx: GraphContext): Promise<ConditionalAccessPolicy[] | null> {
  try {
    return await graphList(ctx, "/identity/conditionalAccess/policies", graphConditionalAccessPolicySchema);
  } catch (e) {
    if (isMicrosoftError(e, "insufficient_privileges", "forbidden")) return null;
    throw e;
  }
}

// ---------------------------------------------------------------- app registrations

/** Lists the app registrations carrying a tag, oldest first. @throws MicrosoftError */
export async function listApplicationsByTag(ctx: GraphContext, options: { tag: string }): Promise<AppRegistration[]> {
  const apps = await graphList(ctx, "/applications", graphApplicationSchema, { $filter: `tags/any(t:t eq ${odataString(options.tag)})` });
  // ISO timestamps sort as strings; an app without one sorts last.
  return [...apps].sort((a, b) => (a.createdDateTime ?? "~").localeCompare(b.createdDateTime ?? "~")).map(toAppRegistration);
}

/** Finds the oldest app registration carrying a tag. @throws MicrosoftError */
export async function findApplicationByTag(ctx: GraphContext, options: { tag: string }): Promise<AppRegistration | null> {
  return (await listApplicationsByTag(ctx, options))[0] ?? null;
}

/** Finds an app registration by its client id. @throws MicrosoftError */
export async function findApplicationByAppId(ctx: GraphContext, options: { appId: string }): Promise<AppRegistration | null> {
  const appId = requireGuid(options.appId, "appId");
  const apps = await graphList(ctx, "/applications", graphApplicationSchema, { $filter: `appId eq ${odataString(appId)}` });
  return apps.length ? toAppRegistration(apps[0]) : null;
}

function flowSettings(legacy: boolean, webRedirectUris?: string[]) {
  // Legacy mode signs in as an integration user with a password (ROPC), which needs public client flows; ID tokens
  // mirror the manual legacy setup guide. Implicit access tokens are never needed (no browser SPA) and stay off.
  return {
    isFallbackPublicClient: legacy,
    web: {
      ...(webRedirectUris ? { redirectUris: requireWebRedirectUris(webRedirectUris) } : {}),
      implicitGrantSettings: { enableIdTokenIssuance: legacy, enableAccessTokenIssuance: false },
    },
  };
}

/** Entra accepts only https redirect URIs for web apps (http only for localhost); anything else is our bug. */
function requireWebRedirectUris(uris: string[]): string[] {
  for (const uri of uris) {
    const u = new URL(uri);
    if (u.protocol !== "https:" && !(u.protocol === "http:" && u.hostname === "localhost")) throw new TypeError("web redirect URIs must be https");
  }
  return uris;
}

/** Registers the single-tenant app that asks for Dynamics CRM `user_impersonation`. Never replayed. @throws MicrosoftError */
export async function createApplication(
  ctx: GraphContext,
  options: { displayName: string; tags: string[]; legacy: boolean; notes?: string; webRedirectUris?: string[] },
): Promise<AppRegistration> {
  const res = await graphCall(ctx, {
    method: "POST",
    path: "/applications",
    replay: "onlyIfThrottled",
    schema: graphApplicationSchema,
    body: {
      displayName: options.displayName,
      signInAudience: "AzureADMyOrg",
      tags: options.tags,
      ...(options.notes ? { notes: options.notes } : {}),
      ...flowSettings(options.legacy, options.webRedirectUris ?? []),
      requiredResourceAccess: [{ resourceAppId: DYNAMICS_CRM_APP_ID, resourceAccess: [{ id: DYNAMICS_USER_IMPERSONATION_SCOPE_ID, type: "Scope" }] }],
    },
  });
  return toAppRegistration(res.data);
}

/**
 * Switches an app registration between app-only and legacy (public client) flows and sets its web redirect URIs
 * (the complete list: pass the app's current ones to keep them). @throws MicrosoftError
 */
export async function updateApplicationFlows(
  ctx: GraphContext,
  options: { objectId: string; legacy: boolean; webRedirectUris?: string[]; justCreated?: boolean },
): Promise<void> {
  const objectId = requireGuid(options.objectId, "objectId");
  // PATCH with absolute values is idempotent, so replaying it on a transient failure is safe.
  await graphCall(ctx, {
    method: "PATCH",
    path: `/applications/${objectId}`,
    replay: "safe",
    body: flowSettings(options.legacy, options.webRedirectUris),
    justCreated: options.justCreated,
  });
}

/**
 * How a removal was proven: Microsoft acknowledged it, or a re-read shows the thing already gone. Never inferred from
 * a 404 alone: Graph answers 404 for another tenant's objects too, and a 400 may be any malformed request.
 */
export type RemovalProof = "removed" | "alreadyGone";

/** Reads one application by object id (only the fields a removal needs); null when this tenant has no such object. */
async function readApplicationCredentials(ctx: GraphContext, objectId: string): Promise<{ keyIds: string[] } | null> {
  try {
    const res = await graphCall(ctx, {
      method: "GET",
      path: `/applications/${objectId}`,
      query: { $select: "id,appId,displayName,passwordCredentials" },
      replay: "safe",
      schema: graphApplicationSchema.pick({ id: true, passwordCredentials: true }),
    });
    return { keyIds: res.data.passwordCredentials.map((p) => p.keyId.toLowerCase()) };
  } catch (e) {
    if (isMicrosoftError(e, "not_found")) return null;
    throw e;
  }
}

/** The tenant the signed-in admin's token acts in. @throws MicrosoftError */
async function currentTenantId(ctx: GraphContext): Promise<string> {
  const orgs = await graphCall(ctx, {
    method: "GET",
    path: "/organization",
    query: { $select: "id" },
    replay: "safe",
    schema: collectionSchema(graphOrganizationSchema.pick({ id: true })),
  });
  return orgs.data.value[0]?.id.toLowerCase() ?? "";
}

function notProven(cause: MicrosoftError, what: string, detail: string): MicrosoftError {
  return new MicrosoftError({
    service: "graph",
    operation: what,
    status: cause.status,
    upstreamCode: cause.upstreamCode,
    requestIds: cause.requestIds,
    appError: {
      code: "not_found",
      userMessage:
        "Microsoft did not confirm the removal, and we could not see the app registration to check it. Sign in as an administrator of the tenant the connection belongs to and try again.",
      detail: `${what}: ${detail}; ${cause.appError.detail ?? ""}`.trim(),
      retryable: false,
      requestIds: cause.requestIds,
    },
  });
}

/**
 * An application that this tenant cannot see is gone only if the admin's token acts in the tenant that owns it
 * (then Graph's 404 means deleted); from any other tenant a 404 proves nothing. @throws MicrosoftError
 */
async function proveApplicationGone(ctx: GraphContext, tenantId: string | null | undefined, cause: MicrosoftError, what: string): Promise<void> {
  if (!tenantId) throw notProven(cause, what, "the application is not visible and its tenant is not recorded");
  const current = await currentTenantId(ctx);
  if (current !== tenantId.toLowerCase()) {
    throw new MicrosoftError({
      service: "graph",
      operation: what,
      status: cause.status,
      requestIds: cause.requestIds,
      appError: {
        code: "forbidden",
        userMessage: `You are signed in to another Microsoft tenant (${current || "unknown"}) than the one this connection belongs to (${tenantId}). Sign in as an administrator of that tenant.`,
        detail: `${what}: application not visible from tenant ${current || "unknown"}, owned by ${tenantId}`,
        retryable: false,
        requestIds: cause.requestIds,
      },
    });
  }
}

/**
 * Deletes an app registration (Microsoft keeps it restorable for 30 days). A 404 counts as deleted only after a
 * re-read in the owning tenant (`tenantId`) confirms the app is gone. @throws MicrosoftError
 */
export async function deleteApplication(ctx: GraphContext, options: { objectId: string; tenantId?: string | null }): Promise<RemovalProof> {
  const objectId = requireGuid(options.objectId, "objectId");
  const what = `DELETE /applications/${objectId}`;
  try {
    await graphCall(ctx, { method: "DELETE", path: `/applications/${objectId}`, replay: "safe" });
    return "removed";
  } catch (e) {
    if (!(e instanceof MicrosoftError) || e.status !== 404) throw e;
    if (await readApplicationCredentials(ctx, objectId)) throw e;
    await proveApplicationGone(ctx, options.tenantId, e, what);
    return "alreadyGone";
  }
}

/** Parses an ISO 8601 duration (`P180D`, `P1Y`, `PT4320H`) into days (a year is 365 days, a month 30); null if malformed. */
export function isoDurationDays(value: string): number | null {
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(value.trim());
  if (!m || value.trim().toUpperCase() === "P" || /T$/i.test(value.trim())) return null;
  const [y, mo, w, d, h, mi, sec] = m.slice(1).map((x) => Number(x ?? 0));
  return y * 365 + mo * 30 + w * 7 + d + h / 24 + mi / 1440 + sec / 86_400;
}

/** What the tenant's app management policies say about client secrets for one application. */
export type PasswordPolicy = {
  /** The longest lifetime allowed, in days; null when nothing caps it. */
  lifetimeLimitDays: number | null;
  /** A `passwordAddition` restriction is on: Microsoft refuses any new client secret. */
  additionBlocked: boolean;
};

/**
 * The longest client-secret lifetime the tenant's app management policies allow for an application, in days (see
 * readPasswordPolicy). @throws MicrosoftError for unexpected failures
 */
export async function getPasswordLifetimeLimit(ctx: GraphContext, options: { objectId?: string } = {}): Promise<number | null> {
  return (await readPasswordPolicy(ctx, options)).lifetimeLimitDays;
}

/**
 * Client-secret restrictions from the tenant default policy and any policy assigned to the app itself: a lifetime cap
 * (`passwordLifetime`) and a block on new secrets (`passwordAddition`). Nothing restricted when the policies cannot be
 * read (then Microsoft's refusal is the only signal). @throws MicrosoftError for unexpected failures
 */
export async function readPasswordPolicy(ctx: GraphContext, options: { objectId?: string } = {}): Promise<PasswordPolicy> {
  const limits: number[] = [];
  let additionBlocked = false;
  const collect = (restrictions: { restrictionType?: string | null; maxLifetime?: string | null; state?: string | null }[] | null | undefined) => {
    for (const r of restrictions ?? []) {
      if (r.state === "disabled") continue;
      if (r.restrictionType === "passwordAddition") additionBlocked = true;
      if (r.restrictionType !== "passwordLifetime" || !r.maxLifetime) continue;
      const days = isoDurationDays(r.maxLifetime);
      if (days !== null) limits.push(days);
    }
  };
  const unreadable = (e: unknown) => isMicrosoftError(e, "insufficient_privileges", "forbidden", "not_found", "invalid_input");
  try {
    const res = await graphCall(ctx, {
      method: "GET",
      path: "/policies/defaultAppManagementPolicy",
      replay: "safe",
      schema: appManagementPolicySchema,
    });
    if (res.data.isEnabled !== false) collect(res.data.applicationRestrictions?.passwordCredentials);
  } catch (e) {
    if (!unreadable(e)) throw e;
  }
  if (options.objectId) {
    try {
      const assigned = await graphList(
        ctx,
        `/applications/${requireGuid(options.objectId, "objectId")}/appManagementPolicies`,
        appManagementPolicySchema,
      );
      for (const p of assigned) if (p.isEnabled !== false) collect(p.restrictions?.passwordCredentials);
    } catch (e) {
      if (!unreadable(e)) throw e;
    }
  }
  return { lifetimeLimitDays: limits.length ? Math.min(...limits) : null, additionBlocked };
}

/** Microsoft's code when an addPassword asks for a longer lifetime than an app management policy allows. */
const LIFETIME_POLICY_CODES = ["CredentialInvalidLifetimeAsPerAppPolicy", "InvalidKeyEndDate"];

/**
 * Adds a client secret and returns its value, which Microsoft shows only once: encrypt it immediately. When a tenant
 * app management policy caps credential lifetimes and refuses the requested end date, the allowed lifetime is read
 * from the policies and the secret is added once more with it (a refused addPassword created nothing); the returned
 * `endDateTime` is the one Microsoft set. @throws MicrosoftError
 */
export async function addClientSecret(
  ctx: GraphContext,
  options: { objectId: string; displayName: string; endDateTime: Date | string; justCreated?: boolean; now?: Date },
): Promise<ClientSecret> {
  const objectId = requireGuid(options.objectId, "objectId");
  const requested = typeof options.endDateTime === "string" ? options.endDateTime : options.endDateTime.toISOString();
  const add = async (endDateTime: string) => {
    const res = await graphCall(ctx, {
      method: "POST",
      path: `/applications/${objectId}/addPassword`,
      // Each replay would mint another secret: never replayed.
      replay: "onlyIfThrottled",
      schema: graphPasswordCredentialSchema,
      justCreated: options.justCreated,
      body: { passwordCredential: { displayName: options.displayName, endDateTime } },
    });
    return { keyId: res.data.keyId, secretText: res.data.secretText, hint: res.data.hint, endDateTime: res.data.endDateTime };
  };
  try {
    return await add(requested);
  } catch (e) {
    if (!(e instanceof MicrosoftError) || e.status !== 400 || !LIFETIME_POLICY_CODES.includes(e.upstreamCode ?? "")) throw e;
    const limitDays = await getPasswordLifetimeLimit(ctx, { objectId });
    const now = options.now ?? new Date();
    // A day's margin: Microsoft compares against its own clock, and a policy of N days must not be hit at N + 1 second.
    const allowed = limitDays !== null ? new Date(now.getTime() + Math.max(1, Math.floor(limitDays) - 1) * 86_400_000) : null;
    if (!allowed || allowed.getTime() >= Date.parse(requested)) {
      throw new MicrosoftError({
        service: "graph",
        operation: `POST /applications/${objectId}/addPassword`,
        status: e.status,
        upstreamCode: e.upstreamCode,
        requestIds: e.requestIds,
        appError: {
          ...e.appError,
          code: "invalid_input",
          userMessage:
            "Your organization's app management policy does not allow a client secret this long, and we could not read the limit. Ask an administrator who can read policies to run the setup, or raise the limit for this app in Microsoft Entra admin center.",
          retryable: false,
        },
      });
    }
    return add(allowed.toISOString());
  }
}

/**
 * Removes a client secret by key id from the application with object id `objectId` (the one stored with the secret).
 * A 404 or 400 counts as removed only after re-reading that application and seeing the key gone, or, when the
 * application itself is gone, after checking the admin acts in its tenant (`tenantId`). @throws MicrosoftError
 */
export async function removeClientSecret(
  ctx: GraphContext,
  options: { objectId: string; keyId: string; tenantId?: string | null },
): Promise<RemovalProof> {
  const objectId = requireGuid(options.objectId, "objectId");
  const keyId = requireGuid(options.keyId, "keyId");
  const what = `POST /applications/${objectId}/removePassword`;
  try {
    await graphCall(ctx, { method: "POST", path: `/applications/${objectId}/removePassword`, replay: "safe", body: { keyId } });
    return "removed";
  } catch (e) {
    if (!(e instanceof MicrosoftError) || (e.status !== 404 && e.status !== 400)) throw e;
    const app = await readApplicationCredentials(ctx, objectId);
    if (app) {
      if (app.keyIds.includes(keyId.toLowerCase())) throw e;
      return "alreadyGone";
    }
    await proveApplicationGone(ctx, options.tenantId, e, what);
    return "alreadyGone";
  }
}

// ---------------------------------------------------------------- certificates

/**
 * The application's certificates with their `key` (Graph returns it only for one application read with
 * `$select=keyCredentials`); null when this tenant has no such application. A PATCH of `keyCredentials` replaces the
 * whole collection, so a change sends back every certificate it keeps, key included.
 */
async function readKeyCredentials(ctx: GraphContext, objectId: string): Promise<z.infer<typeof graphKeyCredentialSchema>[] | null> {
  try {
    const res = await graphCall(ctx, {
      method: "GET",
      path: `/applications/${objectId}`,
      query: { $select: "id,keyCredentials" },
      replay: "safe",
      schema: graphApplicationSchema.pick({ id: true, keyCredentials: true }),
    });
    return res.data.keyCredentials;
  } catch (e) {
    if (isMicrosoftError(e, "not_found")) return null;
    throw e;
  }
}

async function writeKeyCredentials(
  ctx: GraphContext,
  objectId: string,
  keys: { keyId: string; displayName: string | null; key: string; startDateTime?: string | null; endDateTime?: string | null }[],
  justCreated?: boolean,
): Promise<void> {
  await graphCall(ctx, {
    method: "PATCH",
    path: `/applications/${objectId}`,
    // A replay after an unknown outcome could drop a certificate someone added meanwhile: callers re-read instead.
    replay: "onlyIfThrottled",
    justCreated,
    body: {
      keyCredentials: keys.map((k) => ({
        keyId: k.keyId,
        type: "AsymmetricX509Cert",
        usage: "Verify",
        key: k.key,
        ...(k.displayName ? { displayName: k.displayName } : {}),
        ...(k.startDateTime ? { startDateTime: k.startDateTime } : {}),
        ...(k.endDateTime ? { endDateTime: k.endDateTime } : {}),
      })),
    },
  });
}

const keptKeys = (keys: z.infer<typeof graphKeyCredentialSchema>[]) =>
  keys.flatMap((k) =>
    k.key ? [{ keyId: k.keyId, displayName: k.displayName, key: k.key, startDateTime: k.startDateTime, endDateTime: k.endDateTime }] : [],
  );

/**
 * Uploads a certificate (its DER; the private key never leaves the portal) to an application as a `keyCredential`
 * with our `keyId`, keeping the certificates it has. Idempotent: a key already there is left as it is. PATCH replaces
 * the whole collection, so the app's keys are read first, unless the caller knows it has none (`hasNoKeys`: an app
 * the caller created and has not given one). Graph answers the PATCH with 204 No Content: the collection is then the
 * one sent, under the keyIds sent (a keyCredential's `keyId` is the caller's to set), so nothing is read back.
 * https://learn.microsoft.com/graph/applications-how-to-add-certificate @throws MicrosoftError
 */
export async function addCertificateCredential(
  ctx: GraphContext,
  options: { objectId: string; keyId: string; displayName: string; certificateDer: Buffer; justCreated?: boolean; hasNoKeys?: boolean },
): Promise<{ keyId: string }> {
  const objectId = requireGuid(options.objectId, "objectId");
  const keyId = requireGuid(options.keyId, "keyId").toLowerCase();
  const current = options.hasNoKeys ? [] : await readKeyCredentials(ctx, objectId);
  if (!current) throw applicationMissing(`PATCH /applications/${objectId} (keyCredentials)`);
  if (current.some((k) => k.keyId.toLowerCase() === keyId)) return { keyId };
  const key = options.certificateDer.toString("base64");
  await writeKeyCredentials(ctx, objectId, [...keptKeys(current), { keyId, displayName: options.displayName, key }], options.justCreated);
  return { keyId };
}

/**
 * Removes one certificate from an application, proven by a re-read (the key is gone), or by the application being
 * gone in its own tenant (`tenantId`). @throws MicrosoftError
 */
export async function removeCertificateCredential(
  ctx: GraphContext,
  options: { objectId: string; keyId: string; tenantId?: string | null },
): Promise<RemovalProof> {
  const objectId = requireGuid(options.objectId, "objectId");
  const keyId = requireGuid(options.keyId, "keyId").toLowerCase();
  const what = `PATCH /applications/${objectId} (keyCredentials)`;
  const current = await readKeyCredentials(ctx, objectId);
  if (!current) {
    await proveApplicationGone(ctx, options.tenantId, applicationMissing(what), what);
    return "alreadyGone";
  }
  if (!current.some((k) => k.keyId.toLowerCase() === keyId)) return "alreadyGone";
  await writeKeyCredentials(
    ctx,
    objectId,
    keptKeys(current).filter((k) => k.keyId.toLowerCase() !== keyId),
  );
  return "removed";
}

/**
 * `POST /applications/{id}/addKey`: the app adds a certificate to itself, proving with `proof` (a JWT signed by one of
 * its current certificates, client-assertion.ts) that it holds a key already; the context's token is the app's own
 * (no Graph permission needed). Graph assigns the new keyCredential's id and answers with it. Never replayed unless
 * Microsoft throttled it: a replay could add the certificate twice. @throws MicrosoftError
 */
export async function addOwnCertificate(
  ctx: GraphContext,
  options: { objectId: string; displayName: string; certificateDer: Buffer; proof: string },
): Promise<{ keyId: string; endDateTime: string | null }> {
  const objectId = requireGuid(options.objectId, "objectId");
  const res = await graphCall(ctx, {
    method: "POST",
    path: `/applications/${objectId}/addKey`,
    replay: "onlyIfThrottled",
    body: {
      keyCredential: {
        type: "AsymmetricX509Cert",
        usage: "Verify",
        key: options.certificateDer.toString("base64"),
        displayName: options.displayName,
      },
      passwordCredential: null,
      proof: options.proof,
    },
    schema: graphKeyCredentialSchema,
  });
  return { keyId: res.data.keyId.toLowerCase(), endDateTime: res.data.endDateTime };
}

/**
 * `POST /applications/{id}/removeKey`: the app removes one of its certificates, proving possession of a current one
 * (not necessarily the one removed). Never replayed unless throttled; a caller that lost the answer proves the removal
 * another way (a token with the removed certificate is refused). @throws MicrosoftError
 */
export async function removeOwnCertificate(ctx: GraphContext, options: { objectId: string; keyId: string; proof: string }): Promise<void> {
  const objectId = requireGuid(options.objectId, "objectId");
  await graphCall(ctx, {
    method: "POST",
    path: `/applications/${objectId}/removeKey`,
    replay: "onlyIfThrottled",
    body: { keyId: requireGuid(options.keyId, "keyId").toLowerCase(), proof: options.proof },
  });
}

function applicationMissing(operation: string): MicrosoftError {
  return new MicrosoftError({
    service: "graph",
    operation,
    status: 404,
    appError: {
      code: "not_found",
      userMessage: "The app registration is no longer in Microsoft Entra. Plan the repair from the connection's status page.",
      detail: `${operation}: the application is not visible`,
      retryable: false,
    },
  });
}

// ---------------------------------------------------------------- service principals

async function findServicePrincipalByAppId(ctx: GraphContext, appId: string): Promise<ServicePrincipal | null> {
  const sps = await graphList(ctx, "/servicePrincipals", graphServicePrincipalSchema, {
    $filter: `appId eq ${odataString(appId)}`,
    $select: "id,appId,displayName,appOwnerOrganizationId",
  });
  return sps.length ? toServicePrincipal(sps[0]) : null;
}

/** Finds the tenant's service principal (enterprise app) of an app. @throws MicrosoftError */
export async function findServicePrincipal(ctx: GraphContext, options: { appId: string }): Promise<ServicePrincipal | null> {
  return findServicePrincipalByAppId(ctx, requireGuid(options.appId, "appId"));
}

/** Creates the service principal of an app, or returns the existing one. @throws MicrosoftError (`replication_pending` while the app replicates) */
export async function createServicePrincipal(ctx: GraphContext, options: { appId: string; justCreated?: boolean }): Promise<ServicePrincipal> {
  const appId = requireGuid(options.appId, "appId");
  try {
    const res = await graphCall(ctx, {
      method: "POST",
      path: "/servicePrincipals",
      replay: "onlyIfThrottled",
      schema: graphServicePrincipalSchema,
      body: { appId },
      justCreated: options.justCreated,
    });
    return toServicePrincipal(res.data);
  } catch (e) {
    if (!isMicrosoftError(e, "conflict")) throw e;
    const existing = await findServicePrincipalByAppId(ctx, appId);
    if (existing) return existing;
    // It exists (409) but reads do not show it yet.
    throw new MicrosoftError({
      service: "graph",
      operation: "POST /servicePrincipals",
      status: e.status,
      upstreamCode: e.upstreamCode,
      requestIds: e.requestIds,
      appError: {
        ...e.appError,
        code: "replication_pending",
        retryable: true,
        userMessage: "Microsoft is still setting up the objects we just created. This usually takes up to two minutes; we will retry automatically.",
      },
    });
  }
}

/**
 * Deletes a service principal (an enterprise application) in the admin's tenant: for a multi-tenant app from another
 * tenant this removes it, with its consent grants, from this tenant only. A 404 counts as removed only when the admin
 * acts in `tenantId` and a re-read finds no principal for the app. @throws MicrosoftError (`forbidden` without the role)
 */
export async function deleteServicePrincipal(
  ctx: GraphContext,
  options: { objectId: string; appId: string; tenantId?: string | null },
): Promise<RemovalProof> {
  const objectId = requireGuid(options.objectId, "objectId");
  const what = `DELETE /servicePrincipals/${objectId}`;
  try {
    await graphCall(ctx, { method: "DELETE", path: `/servicePrincipals/${objectId}`, replay: "safe" });
    return "removed";
  } catch (e) {
    if (!(e instanceof MicrosoftError) || e.status !== 404) throw e;
    if (await findServicePrincipalByAppId(ctx, requireGuid(options.appId, "appId"))) throw e;
    await proveApplicationGone(ctx, options.tenantId, e, what);
    return "alreadyGone";
  }
}

/** Finds the tenant's Dataverse (Dynamics CRM) service principal, the resource of the consent grant. @throws MicrosoftError */
export async function findDataverseServicePrincipal(ctx: GraphContext): Promise<ServicePrincipal | null> {
  return findServicePrincipalByAppId(ctx, DYNAMICS_CRM_APP_ID);
}

// ---------------------------------------------------------------- tenant-wide delegated consent

/** Finds the tenant-wide (AllPrincipals) grant of a client service principal to a resource. @throws MicrosoftError */
export async function findPermissionGrant(ctx: GraphContext, options: { clientSpId: string; resourceSpId: string }): Promise<PermissionGrant | null> {
  const resourceId = requireGuid(options.resourceSpId, "resourceSpId");
  return (await listPermissionGrants(ctx, options)).find((g) => g.resourceSpId === resourceId) ?? null;
}

/**
 * The tenant-wide (AllPrincipals) grants of a client service principal, to any resource: needs no resource id, so it
 * can be read while the resource's principal is still being looked up. @throws MicrosoftError
 */
export async function listPermissionGrants(ctx: GraphContext, options: { clientSpId: string }): Promise<PermissionGrant[]> {
  const clientId = requireGuid(options.clientSpId, "clientSpId");
  const grants = await graphList(ctx, "/oauth2PermissionGrants", graphPermissionGrantSchema, {
    $filter: `clientId eq ${odataString(clientId)} and consentType eq 'AllPrincipals'`,
  });
  return grants.map(toPermissionGrant);
}

/** Grants tenant-wide delegated consent (admin consent) for the given scopes, or returns the existing grant. @throws MicrosoftError */
export async function createPermissionGrant(
  ctx: GraphContext,
  options: { clientSpId: string; resourceSpId: string; scope?: string; justCreated?: boolean },
): Promise<PermissionGrant> {
  const clientId = requireGuid(options.clientSpId, "clientSpId");
  const resourceId = requireGuid(options.resourceSpId, "resourceSpId");
  const scope = options.scope ?? DYNAMICS_USER_IMPERSONATION;
  try {
    const res = await graphCall(ctx, {
      method: "POST",
      path: "/oauth2PermissionGrants",
      replay: "onlyIfThrottled",
      schema: graphPermissionGrantSchema,
      justCreated: options.justCreated,
      body: { clientId, consentType: "AllPrincipals", resourceId, scope },
    });
    return toPermissionGrant(res.data);
  } catch (e) {
    if (!isMicrosoftError(e, "conflict")) throw e;
    const existing = await findPermissionGrant(ctx, { clientSpId: clientId, resourceSpId: resourceId });
    if (!existing) throw e;
    return ensureGrantScope(ctx, { grant: existing, scope });
  }
}

/** Makes sure a grant includes every scope in `scope` (PATCH only when one is missing). @throws MicrosoftError */
export async function ensureGrantScope(ctx: GraphContext, options: { grant: PermissionGrant; scope?: string }): Promise<PermissionGrant> {
  const wanted = splitScopes(options.scope ?? DYNAMICS_USER_IMPERSONATION);
  const have = options.grant.scopes;
  const missing = wanted.filter((s) => !have.some((h) => h.toLowerCase() === s.toLowerCase()));
  if (missing.length === 0) return options.grant;
  const scopes = [...have, ...missing];
  await graphCall(ctx, {
    method: "PATCH",
    path: `/oauth2PermissionGrants/${encodeURIComponent(options.grant.id)}`,
    replay: "safe",
    body: { scope: scopes.join(" ") },
  });
  return { ...options.grant, scopes };
}

/** Finds the tenant-wide grant and creates or widens it as needed. @throws MicrosoftError */
export async function ensurePermissionGrant(
  ctx: GraphContext,
  options: { clientSpId: string; resourceSpId: string; scope?: string; justCreated?: boolean },
): Promise<PermissionGrant> {
  const existing = await findPermissionGrant(ctx, options);
  if (existing) return ensureGrantScope(ctx, { grant: existing, scope: options.scope });
  return createPermissionGrant(ctx, options);
}
