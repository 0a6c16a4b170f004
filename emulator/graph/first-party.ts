/**
 * Microsoft's first-party resource applications as they appear in every tenant's directory (Microsoft Graph and
 * Dataverse/Dynamics CRM), with the delegated scopes and application roles the portal and its tests use. Ids are
 * the published ones (they are identical in every tenant), so a `requiredResourceAccess` copied from a real
 * manifest resolves here too. The identity service can import this to validate `scope` values.
 */
import type { AppRole, FirstPartyResource, PermissionScope } from "../core/state";

/** Microsoft's own tenant, the `appOwnerOrganizationId` of first-party service principals. */
export const MICROSOFT_SERVICES_TENANT_ID = "f8cdef31-a31e-4b4a-93e4-5f571e91255a";
export const GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";
export const DYNAMICS_CRM_APP_ID = "00000007-0000-0000-c000-000000000000";
export const DATAVERSE_USER_IMPERSONATION_SCOPE_ID = "78ce3f0f-a1ce-49c2-8cde-64b5c0896db4";

const scope = (id: string, value: string, type: "User" | "Admin", adminConsentDisplayName: string): PermissionScope => ({
  id,
  value,
  type,
  adminConsentDisplayName,
  isEnabled: true,
});
const appRole = (id: string, value: string, displayName: string): AppRole => ({
  id,
  value,
  displayName,
  allowedMemberTypes: ["Application"],
  isEnabled: true,
});

export const FIRST_PARTY_RESOURCES: FirstPartyResource[] = [
  {
    appId: GRAPH_APP_ID,
    displayName: "Microsoft Graph",
    identifierUris: ["https://graph.microsoft.com", "https://graph.microsoft.com/", GRAPH_APP_ID],
    acceptsEnvironmentUrls: false,
    accessTokenVersion: 1,
    oauth2PermissionScopes: [
      scope("37f7f235-527c-4136-accd-4a02d197296e", "openid", "User", "Sign users in"),
      scope("14dad69e-099b-42c9-810b-d002981feec1", "profile", "User", "View users' basic profile"),
      scope("64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0", "email", "User", "View users' email address"),
      scope("7427e0e9-2fba-42fe-b0c0-848c9e6a8182", "offline_access", "User", "Maintain access to data you have given it access to"),
      scope("e1fe6dd8-ba31-4d61-89e7-88639da4683d", "User.Read", "User", "Sign in and read user profile"),
      scope("b340eb25-3456-403f-be2f-af7a0d370277", "User.ReadBasic.All", "User", "Read all users' basic profiles"),
      scope("a154be20-db9c-4678-8ab7-66f6cc099a59", "User.Read.All", "Admin", "Read all users' full profiles"),
      scope("06da0dbc-49e2-44d2-8312-53f166ab848a", "Directory.Read.All", "Admin", "Read directory data"),
      scope("c5366453-9fb0-48a5-a156-24f0c49a4b84", "Directory.ReadWrite.All", "Admin", "Read and write directory data"),
      scope("0e263e50-5827-48a4-b97c-d940288653c7", "Directory.AccessAsUser.All", "Admin", "Access directory as the signed in user"),
      scope("c79f8feb-a9db-4090-85f9-90d820caa0eb", "Application.Read.All", "Admin", "Read applications"),
      scope("bdfbf15f-ee85-4955-8675-146e8e5296b5", "Application.ReadWrite.All", "Admin", "Read and write all applications"),
      scope("41ce6ca6-6826-4807-84f1-1c82854f7ee5", "DelegatedPermissionGrant.ReadWrite.All", "Admin", "Manage all delegated permission grants"),
      scope("572fea84-0151-49b2-9301-11cb16974376", "Policy.Read.All", "Admin", "Read your organization's policies"),
      scope(
        "7e823077-d88e-468f-a337-e18f1f0e6c7c",
        "Policy.ReadWrite.AuthenticationMethod",
        "Admin",
        "Read and write authentication method policies",
      ),
      scope("aec28ec7-4d02-4e8c-b864-50163aea77eb", "UserAuthenticationMethod.Read.All", "Admin", "Read all users' authentication methods"),
      scope(
        "84bccea3-f856-4a8a-967b-dbe0a3d53a64",
        "AppRoleAssignment.ReadWrite.All",
        "Admin",
        "Manage app permission grants and app role assignments",
      ),
      scope(
        "b7887744-6746-4312-813d-72daeaee7e2d",
        "UserAuthenticationMethod.ReadWrite.All",
        "Admin",
        "Read and write all users' authentication methods",
      ),
      scope(
        "ad902697-1014-4ef5-81ef-2b4301988e8c",
        "Policy.ReadWrite.ConditionalAccess",
        "Admin",
        "Read and write your organization's conditional access policies",
      ),
      scope("741c54c3-0c1e-44a1-818b-3f97ab4e8c83", "RoleManagement.Read.Directory", "Admin", "Read Azure Active Directory RBAC settings"),
      scope("4908d5b9-3fb2-4b1e-9336-1888b7937185", "Organization.Read.All", "Admin", "Read organization information"),
    ],
    appRoles: [
      appRole("9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30", "Application.Read.All", "Read all applications"),
      appRole("1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9", "Application.ReadWrite.All", "Read and write all applications"),
      appRole("18a4783c-866b-4cc7-a460-3d5e5662c884", "Application.ReadWrite.OwnedBy", "Manage apps that this app creates or owns"),
      appRole("7ab1d382-f21e-4acd-a863-ba3e13f7da61", "Directory.Read.All", "Read directory data"),
      appRole("19dbc75e-c2e2-444c-a770-ec69d8559fc7", "Directory.ReadWrite.All", "Read and write directory data"),
      appRole("df021288-bdef-4463-88db-98f22de89214", "User.Read.All", "Read all users' full profiles"),
      appRole("498476ce-e0fe-48b0-b801-37ba7e2685c6", "Organization.Read.All", "Read organization information"),
      appRole("8e8e4742-1d95-4f68-9d56-6ee75648c72a", "DelegatedPermissionGrant.ReadWrite.All", "Manage all delegated permission grants"),
      appRole("246dd0d5-5bd0-4def-940b-0421030a5b68", "Policy.Read.All", "Read your organization's policies"),
      appRole("483bed4a-2ad3-4361-a73b-c83ccdbdc53c", "RoleManagement.Read.Directory", "Read all directory RBAC settings"),
      appRole("06b708a9-e830-4db3-a914-8e69da51d44f", "AppRoleAssignment.ReadWrite.All", "Manage app permission grants and app role assignments"),
    ],
  },
  {
    appId: DYNAMICS_CRM_APP_ID,
    displayName: "Dataverse",
    identifierUris: ["https://admin.services.crm.dynamics.com", DYNAMICS_CRM_APP_ID],
    acceptsEnvironmentUrls: true,
    accessTokenVersion: 1,
    oauth2PermissionScopes: [
      scope(DATAVERSE_USER_IMPERSONATION_SCOPE_ID, "user_impersonation", "User", "Access Common Data Service as organization users"),
    ],
    // Dataverse exposes no application permissions: app-only access is governed by application users instead.
    appRoles: [],
  },
];

export function findFirstPartyResource(appId: string): FirstPartyResource | undefined {
  const lower = appId.toLowerCase();
  return FIRST_PARTY_RESOURCES.find((r) => r.appId === lower);
}
