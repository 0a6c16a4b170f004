/**
 * The default world after Contoso's admin has signed in to the portal once and consented for the organization, with
 * public client flows on the portal app: tests, the bench and scripted rehearsals sign admins in without a browser.
 */
import type { SandboxState } from "../core/state";
import { buildDefaultScenario, PORTAL_GRAPH_SCOPES } from "./default";
import { PORTAL_APP, SERVICE_PRINCIPALS, TENANTS } from "./ids";

export const CONTOSO_PORTAL_SP = "40000000-0000-4000-8000-0000000000c1";

/** The default scenario after Contoso's admin consented to the portal, with public client flows on the portal app. */
export function buildConsentedScenario(): SandboxState {
  const state = withPortalConsent(buildDefaultScenario());
  state.scenario = "consented";
  return state;
}

/** `state` (the default world or one built on it) after Contoso's admin consented to the portal, with public client flows on. */
export function withPortalConsent(state: SandboxState): SandboxState {
  const portal = state.applications.find((a) => a.appId === PORTAL_APP.appId)!;
  portal.isFallbackPublicClient = true;
  state.servicePrincipals.push({
    id: CONTOSO_PORTAL_SP,
    appId: PORTAL_APP.appId,
    tenantId: TENANTS.contoso,
    displayName: PORTAL_APP.displayName,
    appOwnerOrganizationId: TENANTS.actoncorp,
    servicePrincipalNames: [PORTAL_APP.appId],
    accountEnabled: true,
    appRoleAssignmentRequired: false,
    tags: [],
    createdDateTime: "2024-01-15T09:00:00Z",
  });
  state.oauth2PermissionGrants.push(
    {
      id: "50000000-0000-4000-8000-0000000000c1",
      tenantId: TENANTS.contoso,
      clientId: CONTOSO_PORTAL_SP,
      consentType: "AllPrincipals",
      principalId: null,
      resourceId: SERVICE_PRINCIPALS.contosoGraph,
      scope: PORTAL_GRAPH_SCOPES.map(([, value]) => value).join(" "),
    },
    {
      id: "50000000-0000-4000-8000-0000000000c2",
      tenantId: TENANTS.contoso,
      clientId: CONTOSO_PORTAL_SP,
      consentType: "AllPrincipals",
      principalId: null,
      resourceId: SERVICE_PRINCIPALS.contosoDataverse,
      scope: "user_impersonation",
    },
  );
  return state;
}
