/**
 * Test support: the fields every single-tenant Contoso app registration in the tests shares, as Entra defaults them.
 * Spread first and override what the test is about. A function, so each app gets its own arrays.
 */
import type { Application } from "../core/state";
import { TENANTS } from "../scenarios/ids";

export function contosoApplicationDefaults(): Omit<Application, "id" | "appId" | "displayName" | "passwordCredentials" | "createdDateTime"> {
  return {
    tenantId: TENANTS.contoso,
    signInAudience: "AzureADMyOrg",
    isFallbackPublicClient: false,
    tags: [],
    notes: null,
    identifierUris: [],
    web: { redirectUris: [], implicitGrantSettings: { enableIdTokenIssuance: false, enableAccessTokenIssuance: false } },
    publicClient: { redirectUris: [] },
    spa: { redirectUris: [] },
    requiredResourceAccess: [],
    api: { requestedAccessTokenVersion: null, oauth2PermissionScopes: [] },
    appRoles: [],
  };
}
