import "server-only";
import type { z } from "zod";
import { DYNAMICS_CRM_APP_ID, DYNAMICS_USER_IMPERSONATION, DYNAMICS_USER_IMPERSONATION_SCOPE_ID } from "./constants";
import { isMicrosoftError, MicrosoftError } from "./errors";
import { microsoftFetch, sameOriginLink, type Replay, type CallSettings, type MicrosoftFetchOptions, callOptions } from "./http";
import {
  collectionSchema,
  graphApplicationSchema,
  graphAuthenticationRequirementsSchema,
  graphDirectoryObjectSchema,
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
  secrets: { keyId: string; displayName: string | null; hint: string | null; endDateTime: string | null }[];
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
async function graphList<T extends z.ZodTypeAny>(ctx: GraphContext, path: string, item: T, query?: Record<string, string>): Promise<z.infer<T>[]> {
  const schema = collectionSchema(item);
  const first = await graphCall(ctx, { method: "GET", path, query, replay: "safe", schema });
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
export function odataString(value: string): string {
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
    secrets: a.passwordCredentials.map((p) => ({ keyId: p.keyId, displayName: p.displayName, hint: p.hint, endDateTime: p.endDateTime })),
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

/** Lists the directory roles the signed-in admin holds directly (compare `roleTemplateId`). @throws MicrosoftError */
export async function listDirectoryRoles(ctx: GraphContext): Promise<DirectoryRole[]> {
  const objects = await graphList(ctx, "/me/memberOf", graphDirectoryObjectSchema);
  return objects
    .filter((o) => o["@odata.type"] === "#microsoft.graph.directoryRole" && o.roleTemplateId)
    .map((o) => ({ roleTemplateId: o.roleTemplateId!.toLowerCase(), displayName: o.displayName }));
}

/** Reads a user's legacy per-user MFA state (Graph beta `authentication/requirements`). @throws MicrosoftError */
export async function getPerUserMfaState(ctx: GraphContext, options: { userId: string }): Promise<PerUserMfaState> {
  const res = await graphCall(ctx, {
    method: "GET",
    version: "beta",
    path: `/users/${encodeURIComponent(options.userId)}/authentication/requirements`,
    replay: "safe",
    schema: graphAuthenticationRequirementsSchema,
  });
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

// ---------------------------------------------------------------- app registrations

/** Finds the app registration carrying a tag (our idempotency key); the oldest wins if there are several. @throws MicrosoftError */
export async function findApplicationByTag(ctx: GraphContext, options: { tag: string }): Promise<AppRegistration | null> {
  const apps = await graphList(ctx, "/applications", graphApplicationSchema, { $filter: `tags/any(t:t eq ${odataString(options.tag)})` });
  // ISO timestamps sort as strings; an app without one sorts last.
  const oldest = [...apps].sort((a, b) => (a.createdDateTime ?? "~").localeCompare(b.createdDateTime ?? "~"))[0];
  return oldest ? toAppRegistration(oldest) : null;
}

/** Finds an app registration by its client id. @throws MicrosoftError */
export async function findApplicationByAppId(ctx: GraphContext, options: { appId: string }): Promise<AppRegistration | null> {
  const appId = requireGuid(options.appId, "appId");
  const apps = await graphList(ctx, "/applications", graphApplicationSchema, { $filter: `appId eq ${odataString(appId)}` });
  return apps.length ? toAppRegistration(apps[0]) : null;
}

function flowSettings(legacy: boolean) {
  // Legacy mode signs in as an integration user with a password (ROPC), which needs public client flows; the
  // implicit settings mirror what the manual legacy setup guide tells admins to tick.
  return {
    isFallbackPublicClient: legacy,
    web: { implicitGrantSettings: { enableIdTokenIssuance: legacy, enableAccessTokenIssuance: legacy } },
  };
}

/** Registers the single-tenant app that asks for Dynamics CRM `user_impersonation`. Never replayed. @throws MicrosoftError */
export async function createApplication(
  ctx: GraphContext,
  options: { displayName: string; tags: string[]; legacy: boolean; notes?: string },
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
      ...flowSettings(options.legacy),
      requiredResourceAccess: [{ resourceAppId: DYNAMICS_CRM_APP_ID, resourceAccess: [{ id: DYNAMICS_USER_IMPERSONATION_SCOPE_ID, type: "Scope" }] }],
    },
  });
  return toAppRegistration(res.data);
}

/** Switches an app registration between app-only and legacy (public client + implicit) flows. @throws MicrosoftError */
export async function updateApplicationFlows(
  ctx: GraphContext,
  options: { objectId: string; legacy: boolean; justCreated?: boolean },
): Promise<void> {
  const objectId = requireGuid(options.objectId, "objectId");
  // PATCH with absolute values is idempotent, so replaying it on a transient failure is safe.
  await graphCall(ctx, {
    method: "PATCH",
    path: `/applications/${objectId}`,
    replay: "safe",
    body: flowSettings(options.legacy),
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

/** Adds a client secret and returns its value, which Microsoft shows only once: encrypt it immediately. @throws MicrosoftError */
export async function addClientSecret(
  ctx: GraphContext,
  options: { objectId: string; displayName: string; endDateTime: Date | string; justCreated?: boolean },
): Promise<ClientSecret> {
  const objectId = requireGuid(options.objectId, "objectId");
  const endDateTime = typeof options.endDateTime === "string" ? options.endDateTime : options.endDateTime.toISOString();
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
        userMessage: "Microsoft is still setting up the objects we just created. This usually takes less than a minute; we will retry automatically.",
      },
    });
  }
}

/** Finds the tenant's Dataverse (Dynamics CRM) service principal, the resource of the consent grant. @throws MicrosoftError */
export async function findDataverseServicePrincipal(ctx: GraphContext): Promise<ServicePrincipal | null> {
  return findServicePrincipalByAppId(ctx, DYNAMICS_CRM_APP_ID);
}

// ---------------------------------------------------------------- tenant-wide delegated consent

/** Finds the tenant-wide (AllPrincipals) grant of a client service principal to a resource. @throws MicrosoftError */
export async function findPermissionGrant(ctx: GraphContext, options: { clientSpId: string; resourceSpId: string }): Promise<PermissionGrant | null> {
  const clientId = requireGuid(options.clientSpId, "clientSpId");
  const resourceId = requireGuid(options.resourceSpId, "resourceSpId");
  const grants = await graphList(ctx, "/oauth2PermissionGrants", graphPermissionGrantSchema, {
    $filter: `clientId eq ${odataString(clientId)} and consentType eq 'AllPrincipals'`,
  });
  const grant = grants.find((g) => g.resourceId === resourceId);
  return grant ? toPermissionGrant(grant) : null;
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
