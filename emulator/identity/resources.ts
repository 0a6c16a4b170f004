/**
 * Scope strings → the resource they address. Entra reads `{resource}/{permission}`: the resource is everything up to
 * the last `/` (`https://graph.microsoft.com/.default`, `{origin}/dynamics/contoso-sales/user_impersonation`), and a
 * bare permission (`User.Read`) means Microsoft Graph. `openid profile email offline_access` are OIDC scopes, which
 * Entra models as Graph permissions too (so consent covers them).
 */
import type { AppRole, Application, PermissionScope } from "../core/state";
import { getState } from "../core/store";
import { DYNAMICS_CRM_APP_ID, FIRST_PARTY_RESOURCES, GRAPH_APP_ID } from "../graph/first-party";
import { AADSTS } from "./errors";

export const OIDC_SCOPES = ["openid", "profile", "email", "offline_access"] as const;
const GRAPH_AUDIENCE = "https://graph.microsoft.com";
const GDS_IDENTIFIER = "https://globaldisco.crm.dynamics.com";

/**
 * Graph delegated permissions the portal declares that emulator/graph/first-party.ts does not list yet. Merged by id,
 * so once that file carries them this list changes nothing.
 */
const SUPPLEMENTAL_GRAPH_SCOPES: PermissionScope[] = [
  {
    id: "aec28ec7-4d02-4e8c-b864-50163aea77eb",
    value: "UserAuthenticationMethod.Read.All",
    type: "Admin",
    adminConsentDisplayName: "Read all users' authentication methods",
    isEnabled: true,
  },
  {
    id: "84bccea3-f856-4a8a-967b-dbe0a3d53a64",
    value: "AppRoleAssignment.ReadWrite.All",
    type: "Admin",
    adminConsentDisplayName: "Manage app permission grants and app role assignments",
    isEnabled: true,
  },
];

export type Resource = {
  appId: string;
  displayName: string;
  /** The identifier as the client wrote it, without a trailing slash (how scopes are echoed back). */
  identifier: string;
  /** The `aud` claim of tokens for it. */
  audience: string;
  tokenVersion: 1 | 2;
  scopes: PermissionScope[];
  appRoles: AppRole[];
  isGraph: boolean;
  isDataverse: boolean;
  /**
   * Which access tokens for it carry `idtyp`. For a registered API it is an optional claim the API's registration asks
   * for: app-only tokens get `idtyp: "app"`, and user tokens `idtyp: "user"` only with `include_user_token`
   * (https://learn.microsoft.com/entra/identity-platform/optional-claims-reference). Microsoft's own APIs carry both.
   */
  idtyp: { app: boolean; user: boolean };
};

export type ResourceRequest = {
  resource: Resource;
  /** Permission values as requested (`.default` kept as is). */
  permissions: string[];
};

export type ParsedScopes = {
  oidc: string[];
  /** In request order; the first one is the resource a token is issued for. */
  requests: ResourceRequest[];
  raw: string[];
};

function trimSlash(s: string): string {
  return s.replace(/\/+$/, "");
}

function firstParty(appId: string) {
  const fp = FIRST_PARTY_RESOURCES.find((r) => r.appId === appId);
  if (!fp) throw new Error(`first-party resource ${appId} missing`);
  return fp;
}

function graphResource(identifier: string): Resource {
  const fp = firstParty(GRAPH_APP_ID);
  const known = new Set(fp.oauth2PermissionScopes.map((s) => s.id));
  return {
    appId: GRAPH_APP_ID,
    displayName: fp.displayName,
    identifier,
    audience: GRAPH_AUDIENCE,
    tokenVersion: 1,
    scopes: [...fp.oauth2PermissionScopes, ...SUPPLEMENTAL_GRAPH_SCOPES.filter((s) => !known.has(s.id))],
    appRoles: fp.appRoles,
    isGraph: true,
    isDataverse: false,
    idtyp: { app: true, user: true },
  };
}

function dynamicsResource(identifier: string): Resource {
  const fp = firstParty(DYNAMICS_CRM_APP_ID);
  return {
    appId: DYNAMICS_CRM_APP_ID,
    displayName: fp.displayName,
    identifier,
    // Dataverse tokens are v1 with aud = the URL as requested (contract §1.9), e.g. {origin}/dynamics/contoso-sales.
    audience: identifier,
    tokenVersion: 1,
    scopes: fp.oauth2PermissionScopes,
    appRoles: [],
    isGraph: false,
    isDataverse: true,
    idtyp: { app: true, user: true },
  };
}

function customResource(app: Application, identifier: string): Resource {
  const v2 = app.api.requestedAccessTokenVersion === 2;
  return {
    appId: app.appId,
    displayName: app.displayName,
    identifier,
    audience: v2 ? app.appId : identifier,
    tokenVersion: v2 ? 2 : 1,
    scopes: app.api.oauth2PermissionScopes,
    // Every role; the issuer keeps those the principal kind may hold (users: "User", apps: "Application").
    appRoles: app.appRoles,
    isGraph: false,
    isDataverse: false,
    idtyp: requestedIdtyp(app),
  };
}

/** The `idtyp` optional claim as the application's `optionalClaims.accessToken` asks for it (none by default). */
function requestedIdtyp(app: Application): Resource["idtyp"] {
  const optional = app.extraProperties?.optionalClaims as { accessToken?: { name?: string; additionalProperties?: string[] }[] } | null | undefined;
  const claim = optional?.accessToken?.find((c) => c.name === "idtyp");
  return { app: claim !== undefined, user: claim?.additionalProperties?.includes("include_user_token") ?? false };
}

/** Finds the resource an identifier names, or null (the caller answers AADSTS500011). */
export function resolveResource(identifierRaw: string, origin: string): Resource | null {
  const identifier = trimSlash(identifierRaw);
  const lower = identifier.toLowerCase();
  const base = origin.toLowerCase();
  if (lower === "" || lower === GRAPH_AUDIENCE || lower === GRAPH_APP_ID || lower === `${base}/graph`) return graphResource(identifier);
  const dynamicsIds = new Set([
    GDS_IDENTIFIER,
    `${base}/globaldisco`,
    DYNAMICS_CRM_APP_ID,
    ...firstParty(DYNAMICS_CRM_APP_ID).identifierUris.map((u) => trimSlash(u).toLowerCase()),
  ]);
  if (dynamicsIds.has(lower)) return dynamicsResource(identifier);
  // Every environment URL is a Dynamics CRM identifier, as `*.crm.dynamics.com` is in Microsoft's SPN wildcard.
  if (lower.startsWith(`${base}/dynamics/`) && /^[a-z0-9-]+(\.api)?$/.test(lower.slice(base.length + "/dynamics/".length)))
    return dynamicsResource(identifier);
  if (/^https:\/\/[a-z0-9-]+(\.api)?\.crm\d*\.dynamics\.com$/.test(lower)) return dynamicsResource(identifier);
  const app = getState().applications.find(
    (a) => a.appId === lower || a.identifierUris.some((u) => trimSlash(u).toLowerCase() === lower) || `api://${a.appId}` === lower,
  );
  return app ? customResource(app, identifier) : null;
}

/** A resource by its appId, as `requiredResourceAccess` names it. */
export function resourceByAppId(appId: string, origin: string): Resource | null {
  if (appId === GRAPH_APP_ID) return graphResource(GRAPH_AUDIENCE);
  if (appId === DYNAMICS_CRM_APP_ID) return dynamicsResource(GDS_IDENTIFIER);
  return resolveResource(appId, origin);
}

export function splitScopes(scope: string | undefined): string[] {
  return (scope ?? "").split(/\s+/).filter(Boolean);
}

/**
 * Parses a `scope` parameter. Throws AADSTS500011 for an unknown resource and AADSTS70011 for a permission the
 * resource does not expose.
 */
export function parseScopes(scope: string | undefined, origin: string, tenantName: string): ParsedScopes {
  const raw = splitScopes(scope);
  const oidc: string[] = [];
  const requests: ResourceRequest[] = [];
  for (const s of raw) {
    const lower = s.toLowerCase();
    if ((OIDC_SCOPES as readonly string[]).includes(lower)) {
      if (!oidc.includes(lower)) oidc.push(lower);
      continue;
    }
    const slash = s.lastIndexOf("/");
    const identifier = slash < 0 ? "" : s.slice(0, slash);
    const permission = slash < 0 ? s : s.slice(slash + 1);
    const resource = resolveResource(identifier, origin);
    if (!resource) throw AADSTS.resourceNotFound(trimSlash(identifier), tenantName);
    if (permission !== ".default" && !resource.scopes.some((p) => p.value.toLowerCase() === permission.toLowerCase() && p.isEnabled)) {
      throw AADSTS.invalidScope(s);
    }
    const existing = requests.find((r) => r.resource.appId === resource.appId && r.resource.audience === resource.audience);
    const canonical = permission === ".default" ? ".default" : resource.scopes.find((p) => p.value.toLowerCase() === permission.toLowerCase())!.value;
    if (existing) {
      if (!existing.permissions.includes(canonical)) existing.permissions.push(canonical);
    } else {
      requests.push({ resource, permissions: [canonical] });
    }
  }
  return { oidc, requests, raw };
}

/** The resource a token is for: the first requested one, or Graph when only OIDC scopes were asked for. */
export function tokenResource(parsed: ParsedScopes, origin: string): ResourceRequest {
  return parsed.requests[0] ?? { resource: resolveResource(GRAPH_AUDIENCE, origin)!, permissions: [] };
}
