/**
 * Every Microsoft Graph call the portal makes with the admin's delegated sign-in, and the delegated permissions it
 * relies on for it. Each is one that Microsoft's permissions reference lists for that endpoint; where it is not the
 * least privileged one, the comment says which write on the same objects needs the higher one. The sign-in asks for
 * exactly the union (ADMIN_GRAPH_PERMISSIONS), so a permission nothing uses is never requested. Pure; a test reads
 * graph.ts so no call goes unlisted.
 */
export const GRAPH_CALL_PERMISSIONS = [
  { call: "GET /me", permissions: ["User.Read"] },
  { call: "GET /organization", permissions: ["User.Read"] },
  // User.Read lists one's own memberships; the directoryRole objects among them are read with a role-read permission.
  { call: "GET /me/transitiveMemberOf/microsoft.graph.directoryRole", permissions: ["User.Read", "RoleManagement.Read.Directory"] },
  // Least: RoleEligibilitySchedule.Read.Directory; RoleManagement.Read.Directory is listed too and already held for the roles above.
  {
    call: "GET /roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')",
    permissions: ["RoleManagement.Read.Directory"],
  },
  // Another user's per-user MFA state (beta): Policy.Read.All is the least privileged (an authentication-methods
  // permission is not among those listed).
  { call: "GET /users/{id}/authentication/requirements", permissions: ["Policy.Read.All"] },
  { call: "GET /policies/identitySecurityDefaultsEnforcementPolicy", permissions: ["Policy.Read.All"] },
  { call: "GET /policies/defaultAppManagementPolicy", permissions: ["Policy.Read.All"] },
  { call: "GET /identity/conditionalAccess/policies", permissions: ["Policy.Read.All"] },
  { call: "GET /applications/{id}/appManagementPolicies", permissions: ["Policy.Read.All", "Application.ReadWrite.All"] },
  // Reads of applications and service principals: least Application.Read.All; the portal creates them, so it holds ReadWrite.
  { call: "GET /applications", permissions: ["Application.ReadWrite.All"] },
  { call: "GET /applications/{id}", permissions: ["Application.ReadWrite.All"] },
  { call: "POST /applications", permissions: ["Application.ReadWrite.All"] },
  { call: "PATCH /applications/{id}", permissions: ["Application.ReadWrite.All"] },
  { call: "DELETE /applications/{id}", permissions: ["Application.ReadWrite.All"] },
  { call: "POST /applications/{id}/addPassword", permissions: ["Application.ReadWrite.All"] },
  { call: "POST /applications/{id}/removePassword", permissions: ["Application.ReadWrite.All"] },
  { call: "GET /servicePrincipals", permissions: ["Application.ReadWrite.All"] },
  { call: "POST /servicePrincipals", permissions: ["Application.ReadWrite.All"] },
  // Removing the Act-On Connector's service principal when its connection is disconnected.
  { call: "DELETE /servicePrincipals/{id}", permissions: ["Application.ReadWrite.All"] },
  // The certificate rotation's calls, made with the app's own token, not the admin's: Microsoft needs no permission
  // for an app to roll its own keys (the proof of possession is the authorization).
  { call: "POST /applications/{id}/addKey", permissions: [] },
  { call: "POST /applications/{id}/removeKey", permissions: [] },
  // Least for the read: DelegatedPermissionGrant.Read.All; the portal grants consent, so it holds ReadWrite.
  { call: "GET /oauth2PermissionGrants", permissions: ["DelegatedPermissionGrant.ReadWrite.All"] },
  { call: "POST /oauth2PermissionGrants", permissions: ["DelegatedPermissionGrant.ReadWrite.All"] },
  { call: "PATCH /oauth2PermissionGrants/{id}", permissions: ["DelegatedPermissionGrant.ReadWrite.All"] },
] as const;

export type GraphPermission = (typeof GRAPH_CALL_PERMISSIONS)[number]["permissions"][number];

/** The union of what the calls need, in first-use order: the delegated permissions the admin's sign-in asks for. */
export const ADMIN_GRAPH_PERMISSIONS: readonly GraphPermission[] = [...new Set(GRAPH_CALL_PERMISSIONS.flatMap((c) => c.permissions))];
