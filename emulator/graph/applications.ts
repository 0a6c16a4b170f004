/**
 * `/applications`: app registrations (contract §2.2–2.4). Create answers 201 with the full object; PATCH merges
 * nested complex properties and answers 204; `addPassword` returns the secret text once and stores only its
 * SHA-256. Objects created less than `replicationLagMs` ago are invisible to every request but their create
 * response, as Entra's replicas are.
 */
import { recordDirectoryAudit } from "./directory-audits";
import { createHash, randomBytes } from "node:crypto";
import type { EmuRequest, EmuResponse } from "../core/http";
import { parseSelect, queryOption } from "../core/odata";
import { getState, newGuid, unconfirmed } from "../core/store";
import type { Application, PasswordCredential, Tenant } from "../core/state";
import { APP_ADMIN_ROLES, authenticateGraphCaller, hasDirectoryRole, isResponse, PERMISSIONS, requirePermission, type GraphCaller } from "./auth";
import { entityResponse, listResponse } from "./collection";
import { findVisibleApplication, visibleApplications } from "./directory";
import { keyCredentialView, readKeyCredentials } from "./key-credentials";
import { DEFAULT_APP_MANAGEMENT_POLICY_ID, isoDurationMs } from "./policies";
import { accessDenied, badRequest, contextUrl, graphError, graphJson, graphNoContent, notFound, readJsonObject } from "./responses";
import { sandboxDate } from "../core/clock";

const SIGN_IN_AUDIENCES = ["AzureADMyOrg", "AzureADMultipleOrgs", "AzureADandPersonalMicrosoftAccount", "PersonalMicrosoftAccount"] as const;
const APPLICATION_DEVELOPER_ROLE = "cf1c38e5-3621-4004-a7cb-879624dced7c";

/** Properties the sandbox models in `Application`. */
const MODELLED = new Set([
  "displayName",
  "signInAudience",
  "isFallbackPublicClient",
  "tags",
  "notes",
  "identifierUris",
  "web",
  "publicClient",
  "spa",
  "requiredResourceAccess",
  "api",
  "appRoles",
  "keyCredentials",
]);
/** Real Graph properties the sandbox stores verbatim without interpreting them. */
const STORED_VERBATIM = new Set([
  "description",
  "info",
  "optionalClaims",
  "groupMembershipClaims",
  "serviceManagementReference",
  "parentalControlSettings",
  "tokenEncryptionKeyId",
  "isDeviceOnlyAuthSupported",
  "defaultRedirectUri",
  "uniqueName",
  "samlMetadataUrl",
  "addIns",
  "certification",
  "requestSignatureVerification",
  "servicePrincipalLockConfiguration",
  "nativeAuthenticationApisEnabled",
  "authenticationBehaviors",
]);
const READ_ONLY = new Set(["id", "appId", "createdDateTime", "publisherDomain", "deletedDateTime", "passwordCredentials", "verifiedPublisher"]);

function passwordView(p: PasswordCredential): Record<string, unknown> {
  return {
    customKeyIdentifier: null,
    displayName: p.displayName,
    endDateTime: p.endDateTime,
    hint: p.hint,
    keyId: p.keyId,
    secretText: null,
    startDateTime: p.startDateTime,
  };
}

/** `withKeys`: Graph returns `keyCredentials[].key` only for a single application read with `$select=keyCredentials`. */
export function applicationView(app: Application, tenant: Tenant | undefined, withKeys = false): Record<string, unknown> {
  const extra = app.extraProperties ?? {};
  const pick = (k: string, fallback: unknown) => (k in extra ? extra[k] : fallback);
  return {
    id: app.id,
    deletedDateTime: null,
    appId: app.appId,
    applicationTemplateId: null,
    disabledByMicrosoftStatus: null,
    createdDateTime: app.createdDateTime,
    displayName: app.displayName,
    description: pick("description", null),
    groupMembershipClaims: pick("groupMembershipClaims", null),
    identifierUris: app.identifierUris,
    isDeviceOnlyAuthSupported: pick("isDeviceOnlyAuthSupported", null),
    isFallbackPublicClient: app.isFallbackPublicClient,
    nativeAuthenticationApisEnabled: pick("nativeAuthenticationApisEnabled", null),
    notes: app.notes,
    publisherDomain: tenant?.domains[0] ?? null,
    serviceManagementReference: pick("serviceManagementReference", null),
    signInAudience: app.signInAudience,
    tags: app.tags,
    tokenEncryptionKeyId: pick("tokenEncryptionKeyId", null),
    uniqueName: pick("uniqueName", null),
    samlMetadataUrl: pick("samlMetadataUrl", null),
    defaultRedirectUri: pick("defaultRedirectUri", null),
    certification: pick("certification", null),
    optionalClaims: pick("optionalClaims", null),
    requestSignatureVerification: pick("requestSignatureVerification", null),
    servicePrincipalLockConfiguration: pick("servicePrincipalLockConfiguration", null),
    addIns: pick("addIns", []),
    api: {
      acceptMappedClaims: null,
      knownClientApplications: [],
      requestedAccessTokenVersion: app.api.requestedAccessTokenVersion,
      oauth2PermissionScopes: app.api.oauth2PermissionScopes,
      preAuthorizedApplications: [],
    },
    appRoles: app.appRoles,
    info: pick("info", { logoUrl: null, marketingUrl: null, privacyStatementUrl: null, supportUrl: null, termsOfServiceUrl: null }),
    keyCredentials: (app.keyCredentials ?? []).map((k) => keyCredentialView(k, withKeys)),
    parentalControlSettings: pick("parentalControlSettings", { countriesBlockedForMinors: [], legalAgeGroupRule: "Allow" }),
    passwordCredentials: app.passwordCredentials.map(passwordView),
    publicClient: app.publicClient,
    requiredResourceAccess: app.requiredResourceAccess,
    verifiedPublisher: { displayName: null, verifiedPublisherId: null, addedDateTime: null },
    web: {
      homePageUrl: null,
      logoutUrl: null,
      redirectUris: app.web.redirectUris,
      implicitGrantSettings: app.web.implicitGrantSettings,
      redirectUriSettings: app.web.redirectUris.map((uri) => ({ uri, index: null })),
    },
    spa: app.spa,
  };
}

type Body = Record<string, unknown>;

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === "string");
}

/** Validates a create/update payload; returns an error message in Graph's words, or null. */
function validatePayload(body: Body, isCreate: boolean): { code: string; message: string } | null {
  for (const key of Object.keys(body)) {
    if (key.startsWith("@odata.")) continue;
    if (READ_ONLY.has(key)) {
      if (key === "passwordCredentials")
        return { code: "Request_BadRequest", message: "Property 'passwordCredentials' is read-only and cannot be set. Use addPassword." };
      if (isCreate && key === "id") continue;
      return { code: "Request_BadRequest", message: `Property '${key}' is read-only and cannot be set.` };
    }
    if (!MODELLED.has(key) && !STORED_VERBATIM.has(key)) {
      return {
        code: "BadRequest",
        message: `The property '${key}' does not exist on type 'microsoft.graph.application'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
      };
    }
  }
  if (isCreate || "displayName" in body) {
    if (typeof body.displayName !== "string" || body.displayName.trim() === "") {
      return { code: "Request_BadRequest", message: "Invalid value specified for property 'displayName' of resource 'Application'." };
    }
  }
  if ("signInAudience" in body && !SIGN_IN_AUDIENCES.includes(body.signInAudience as "AzureADMyOrg")) {
    return { code: "Request_BadRequest", message: "Invalid value specified for property 'signInAudience' of resource 'Application'." };
  }
  if ("tags" in body && !isStringArray(body.tags))
    return { code: "BadRequest", message: "Invalid value specified for property 'tags' of resource 'Application'." };
  if ("identifierUris" in body && !isStringArray(body.identifierUris)) {
    return { code: "BadRequest", message: "Invalid value specified for property 'identifierUris' of resource 'Application'." };
  }
  if ("isFallbackPublicClient" in body && body.isFallbackPublicClient !== null && typeof body.isFallbackPublicClient !== "boolean") {
    return { code: "BadRequest", message: "Invalid value specified for property 'isFallbackPublicClient' of resource 'Application'." };
  }
  if ("notes" in body && body.notes !== null && typeof body.notes !== "string") {
    return { code: "BadRequest", message: "Invalid value specified for property 'notes' of resource 'Application'." };
  }
  if ("requiredResourceAccess" in body) {
    const rra = body.requiredResourceAccess;
    const ok =
      Array.isArray(rra) &&
      rra.every(
        (r) =>
          r &&
          typeof r === "object" &&
          typeof (r as Body).resourceAppId === "string" &&
          Array.isArray((r as Body).resourceAccess) &&
          ((r as Body).resourceAccess as Body[]).every((a) => a && typeof a.id === "string" && (a.type === "Scope" || a.type === "Role")),
      );
    if (!ok) return { code: "BadRequest", message: "Invalid value specified for property 'requiredResourceAccess' of resource 'Application'." };
  }
  for (const platform of ["web", "publicClient", "spa"]) {
    if (!(platform in body)) continue;
    const p = body[platform];
    if (p === null || typeof p !== "object" || ("redirectUris" in p && !isStringArray((p as Body).redirectUris))) {
      return { code: "BadRequest", message: `Invalid value specified for property '${platform}' of resource 'Application'.` };
    }
  }
  return null;
}

/** Deep merge for complex properties (Graph PATCH semantics for nested objects); arrays and scalars replace. */
function merge(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const base = target !== null && typeof target === "object" && !Array.isArray(target) ? { ...(target as Body) } : {};
  for (const [k, v] of Object.entries(patch as Body)) base[k] = merge(base[k], v);
  return base;
}

/** Applies a validated payload; `keyCredentials` is read separately (readPayloadKeys) because it can still be refused. */
function applyPayload(app: Application, body: Body): void {
  const target = app as unknown as Body;
  for (const [key, value] of Object.entries(body)) {
    if (key.startsWith("@odata.") || key === "id" || key === "keyCredentials") continue;
    if (MODELLED.has(key)) {
      target[key] = key === "web" || key === "api" || key === "publicClient" || key === "spa" ? merge(target[key], value) : value;
    } else {
      app.extraProperties = { ...(app.extraProperties ?? {}), [key]: merge(app.extraProperties?.[key], value) };
    }
  }
  if ("tags" in body) app.tags = [...(body.tags as string[])];
}

/** Delegated callers may change an app they own or any app if they hold an application-admin role. */
function canManage(caller: GraphCaller, app: Application): boolean {
  if (caller.kind === "application") {
    if (caller.permissions.has("application.readwrite.all")) return true;
    return (app.ownerIds ?? []).includes(caller.claims.oid);
  }
  return hasDirectoryRole(caller, APP_ADMIN_ROLES) || (app.ownerIds ?? []).includes(caller.claims.oid);
}

export async function listApplications(req: EmuRequest): Promise<EmuResponse> {
  const caller = await authenticateGraphCaller(req);
  if (isResponse(caller)) return caller;
  const denied = requirePermission(req, caller, PERMISSIONS.readApplications);
  if (denied) return denied;
  const views = visibleApplications(caller.tenant.id).map((a) => applicationView(a, caller.tenant));
  return listResponse(req, views, { contextPath: "applications", typeName: "microsoft.graph.application" });
}

export async function createApplication(req: EmuRequest): Promise<EmuResponse> {
  const caller = await authenticateGraphCaller(req);
  if (isResponse(caller)) return caller;
  const denied = requirePermission(req, caller, PERMISSIONS.writeApplications);
  if (denied) return denied;
  if (caller.kind === "delegated" && caller.tenant.usersCanRegisterApps === false) {
    // Tenant setting "Users can register applications" = No: only admins and Application Developers may.
    if (!hasDirectoryRole(caller, [...APP_ADMIN_ROLES, APPLICATION_DEVELOPER_ROLE])) return accessDenied(req);
  }
  const read = readJsonObject(req);
  if (!read.ok) return read.response;
  const b = read.body;
  const problem = validatePayload(b, true);
  if (problem) return graphError(req, 400, problem.code, problem.message);
  const keys = "keyCredentials" in b ? readKeyCredentials(b.keyCredentials, []) : [];
  if (!Array.isArray(keys)) return graphError(req, 400, keys.code, keys.message);
  const signInAudience = (b.signInAudience as Application["signInAudience"] | undefined) ?? "AzureADandPersonalMicrosoftAccount";
  const app: Application = {
    id: newGuid(),
    appId: newGuid(),
    tenantId: caller.tenant.id,
    displayName: "",
    signInAudience,
    isFallbackPublicClient: null,
    tags: [],
    notes: null,
    identifierUris: [],
    web: { redirectUris: [], implicitGrantSettings: { enableIdTokenIssuance: false, enableAccessTokenIssuance: false } },
    publicClient: { redirectUris: [] },
    spa: { redirectUris: [] },
    requiredResourceAccess: [],
    // Apps that accept personal accounts must use v2 tokens; Graph sets that on create.
    api: { requestedAccessTokenVersion: signInAudience.includes("Personal") ? 2 : null, oauth2PermissionScopes: [] },
    appRoles: [],
    passwordCredentials: [],
    keyCredentials: keys,
    createdDateTime: sandboxDate().toISOString(),
    ownerIds: [caller.claims.oid],
  };
  applyPayload(app, b);
  getState().applications.push(app);
  return graphJson(
    req,
    201,
    { "@odata.context": contextUrl(req, "applications/$entity"), ...applicationView(app, caller.tenant) },
    {
      location: `${req.origin}/graph/${req.params.ver}/directoryObjects/${app.id}/Microsoft.DirectoryServices.Application`,
    },
  );
}

/** Resolves `/applications/{id}` or `/applications(appId='…')` for the caller, honouring replication lag. */
function resolveApplication(req: EmuRequest, caller: GraphCaller): Application | EmuResponse {
  const { id, key } = req.params;
  if (id) return findVisibleApplication(caller.tenant.id, { id: decodeURIComponent(id) }) ?? notFound(req, decodeURIComponent(id));
  const m = /^appId=(?:'([^']*)'|([0-9a-fA-F-]{36}))$/i.exec(decodeURIComponent(key ?? ""));
  if (!m) return badRequest(req, `Invalid object identifier '${decodeURIComponent(key ?? "")}'.`);
  const appId = m[1] ?? m[2];
  return findVisibleApplication(caller.tenant.id, { appId }) ?? notFound(req, appId);
}

/**
 * The checks every write to one application makes, in Graph's order: token, permission, existence, ownership.
 * `selfService`: addKey and removeKey, which an app may call on itself app-only with no permission (Graph's docs).
 */
export async function authorizeApplicationWrite(
  req: EmuRequest,
  opts: { selfService?: boolean } = {},
): Promise<{ caller: GraphCaller; app: Application } | EmuResponse> {
  const caller = await authenticateGraphCaller(req);
  if (isResponse(caller)) return caller;
  if (opts.selfService && caller.kind === "application") {
    const own = resolveApplication(req, caller);
    if (!isResponse(own) && own.appId === caller.clientAppId) return { caller, app: own };
  }
  const denied = requirePermission(req, caller, PERMISSIONS.writeApplications);
  if (denied) return denied;
  const app = resolveApplication(req, caller);
  if (isResponse(app)) return app;
  if (!canManage(caller, app)) return accessDenied(req);
  return { caller, app };
}

export async function getApplication(req: EmuRequest): Promise<EmuResponse> {
  const caller = await authenticateGraphCaller(req);
  if (isResponse(caller)) return caller;
  const denied = requirePermission(req, caller, PERMISSIONS.readApplications);
  if (denied) return denied;
  const app = resolveApplication(req, caller);
  if (isResponse(app)) return app;
  const select = parseSelect(queryOption(req.url, "select")) ?? [];
  const withKeys = select.some((p) => p.toLowerCase() === "keycredentials");
  return entityResponse(req, applicationView(app, caller.tenant, withKeys), "applications");
}

export async function updateApplication(req: EmuRequest): Promise<EmuResponse> {
  const target = await authorizeApplicationWrite(req);
  if (isResponse(target)) return target;
  const { app } = target;
  const read = readJsonObject(req);
  if (!read.ok) return read.response;
  const body = read.body;
  const problem = validatePayload(body, false);
  if (problem) return graphError(req, 400, problem.code, problem.message);
  if ("keyCredentials" in body) {
    const keys = readKeyCredentials(body.keyCredentials, app.keyCredentials ?? []);
    if (!Array.isArray(keys)) return graphError(req, 400, keys.code, keys.message);
    app.keyCredentials = keys;
  }
  applyPayload(app, body);
  return graphNoContent(req);
}

export async function deleteApplication(req: EmuRequest): Promise<EmuResponse> {
  const target = await authorizeApplicationWrite(req);
  if (isResponse(target)) return target;
  const { app } = target;
  const state = getState();
  state.applications = state.applications.filter((a) => a !== app);
  // Deleted applications go to the tenant's recycle bin (`/directory/deletedItems`) for 30 days.
  (state.deletedApplications ??= []).push({ application: app, deletedDateTime: sandboxDate().toISOString() });
  // Deleting an app registration also deletes its service principal in the home tenant, and with it its grants.
  const removedSps = new Set(state.servicePrincipals.filter((s) => s.appId === app.appId && s.tenantId === app.tenantId).map((s) => s.id));
  state.servicePrincipals = state.servicePrincipals.filter((s) => !removedSps.has(s.id));
  state.oauth2PermissionGrants = state.oauth2PermissionGrants.filter((g) => !removedSps.has(g.clientId) && !removedSps.has(g.resourceId));
  state.appRoleAssignments = state.appRoleAssignments.filter((a) => !removedSps.has(a.principalId) && !removedSps.has(a.resourceId));
  recordDirectoryAudit(target.caller, {
    activity: "Delete application",
    operationType: "Delete",
    target: { id: app.id, displayName: app.displayName, type: "Application" },
  });
  return graphNoContent(req);
}

const SECRET_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.~";

/** 40 characters like Entra's current secrets: 3 random, the `8Q~` version marker, 34 random. */
function generateSecretText(): string {
  const bytes = randomBytes(37);
  const chars = Array.from(bytes, (b) => SECRET_ALPHABET[b % SECRET_ALPHABET.length]);
  return `${chars.slice(0, 3).join("")}8Q~${chars.slice(3).join("")}`;
}

export async function addPassword(req: EmuRequest): Promise<EmuResponse> {
  const target = await authorizeApplicationWrite(req);
  if (isResponse(target)) return target;
  const { app } = target;
  const read = readJsonObject(req);
  if (!read.ok) return read.response;
  const body = read.body;
  const requested = (body.passwordCredential ?? {}) as Body;
  if (typeof requested !== "object" || requested === null) return badRequest(req, "Invalid value specified for property 'passwordCredential'.");
  const start = typeof requested.startDateTime === "string" ? new Date(requested.startDateTime) : sandboxDate();
  const end = typeof requested.endDateTime === "string" ? new Date(requested.endDateTime) : new Date(start.getTime());
  if (typeof requested.endDateTime !== "string") end.setUTCFullYear(end.getUTCFullYear() + 2);
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()) || end <= start) {
    return badRequest(req, "Invalid value specified for property 'endDateTime' of resource 'PasswordCredential'.");
  }
  const home = getState().tenants.find((t) => t.id === app.tenantId);
  // A tenant app management policy may block new secrets altogether (`passwordAddition`). Microsoft documents the
  // restriction, not the error's wording: the code and message here are unconfirmed.
  if (home?.passwordAdditionBlocked) {
    return graphError(
      req,
      400,
      "CredentialTypeNotAllowedAsPerAppPolicy",
      unconfirmed(`Credential type not allowed as per assigned policy '${DEFAULT_APP_MANAGEMENT_POLICY_ID}'.`),
    );
  }
  // A tenant app management policy may cap secret lifetimes (Graph's observed error: CredentialInvalidLifetimeAsPerAppPolicy).
  const maxMs = home?.passwordMaxLifetime ? isoDurationMs(home.passwordMaxLifetime) : null;
  if (maxMs !== null && end.getTime() - start.getTime() > maxMs) {
    const message = `Credential lifetime exceeds the max value allowed as per assigned policy '${DEFAULT_APP_MANAGEMENT_POLICY_ID}'.`;
    return graphError(req, 400, "CredentialInvalidLifetimeAsPerAppPolicy", message, [{ code: "InvalidKeyEndDate", message, target: "EndDate" }]);
  }
  const secretText = generateSecretText();
  const credential: PasswordCredential = {
    keyId: newGuid(),
    displayName: typeof requested.displayName === "string" ? requested.displayName : null,
    hint: secretText.slice(0, 3),
    startDateTime: start.toISOString(),
    endDateTime: end.toISOString(),
    secretSha256: createHash("sha256").update(secretText).digest("hex"),
  };
  app.passwordCredentials.push(credential);
  return graphJson(req, 200, {
    "@odata.context": contextUrl(req, "microsoft.graph.passwordCredential"),
    ...passwordView(credential),
    secretText,
  });
}

export async function removePassword(req: EmuRequest): Promise<EmuResponse> {
  const target = await authorizeApplicationWrite(req);
  if (isResponse(target)) return target;
  const { app } = target;
  const read = readJsonObject(req);
  if (!read.ok) return read.response;
  const body = read.body;
  if (typeof body.keyId !== "string") return badRequest(req, "Invalid value specified for property 'keyId' of resource 'PasswordCredential'.");
  const keyId = body.keyId.toLowerCase();
  const before = app.passwordCredentials.length;
  app.passwordCredentials = app.passwordCredentials.filter((p) => p.keyId !== keyId);
  if (app.passwordCredentials.length === before) {
    return graphError(req, 400, "Request_BadRequest", `No password credential found with keyId '${body.keyId}'.`);
  }
  recordDirectoryAudit(target.caller, {
    activity: "Update application - Certificates and secrets management",
    operationType: "Update",
    target: { id: app.id, displayName: app.displayName, type: "Application" },
  });
  return graphNoContent(req);
}
