/**
 * The `realistic` scenario: the default world made as awkward as real tenants are, each trait from
 * Microsoft's documentation or its Terraform provider for Power Platform:
 * - directory replication lag (Graph, the token endpoint) and Dataverse's late admission of new application users
 *   (403 0x80072560 for a while);
 * - neutral wording wherever Microsoft's is unconfirmed, so no client matches a message the sandbox invented;
 * - admin@contoso holds Global Administrator only through a role-assignable group (`/me/memberOf` shows the group,
 *   `/me/transitiveMemberOf` the role) and System Administrator in Contoso Sales only through an owner team;
 * - elevation.admin@contoso (Power Platform Administrator) is System Administrator nowhere and must self-elevate;
 * - appadmin@contoso (Application + Dynamics 365 Administrator) may not read other users' MFA state;
 * - a soft-deleted application user in Contoso Sales for an earlier connector app;
 * - Contoso EU without Dynamics 365 Sales (no lead or marketing-list tables or privileges);
 * - client secrets capped at 180 days by Contoso's app management policy;
 * - Discovery `ApiUrl` different from `Url` for every cloud environment;
 * - Fabrikam, a second customer tenant with its own Global Administrator (from the default scenario).
 */
import { DIRECTORY_ROLES, type SandboxState, type User } from "../core/state";
import { applicationSp, serviceApplication, sha256Hex } from "./default";
import { buildDefaultScenario } from "./default";
import { ENVIRONMENTS, REALISTIC, ROLE_TEMPLATES, SANDBOX_PASSWORD, TENANTS, USERS } from "./ids";

const SEEDED_AT = "2024-01-15T09:00:00Z";

function contosoUser(id: string, upn: string, displayName: string, roles: string[]): User {
  const [givenName, ...rest] = displayName.split(" ");
  return {
    id,
    tenantId: TENANTS.contoso,
    userPrincipalName: upn,
    displayName,
    givenName,
    surname: rest.join(" ") || null,
    mail: upn,
    passwordSha256: sha256Hex(SANDBOX_PASSWORD),
    perUserMfaState: "disabled",
    accountEnabled: true,
    directoryRoleTemplateIds: roles,
  };
}

export function buildRealisticScenario(): SandboxState {
  const state = buildDefaultScenario();
  state.scenario = "realistic";
  state.settings = { replicationLagMs: 2_000, baseLatencyMs: 0, applicationUserAdmissionLagMs: 3_000, unconfirmedWording: "neutral" };
  const contoso = state.tenants.find((t) => t.id === TENANTS.contoso)!;
  contoso.passwordMaxLifetime = "P180D";

  // Global Administrator through a role-assignable group; Dynamics 365 Administrator stays direct.
  const admin = state.users.find((u) => u.id === USERS.contosoAdmin)!;
  admin.directoryRoleTemplateIds = [DIRECTORY_ROLES.dynamics365Administrator];
  state.groups = [
    {
      id: REALISTIC.globalAdminsGroup,
      tenantId: TENANTS.contoso,
      displayName: "Contoso Global Admins",
      isAssignableToRole: true,
      memberIds: [admin.id],
      directoryRoleTemplateIds: [DIRECTORY_ROLES.globalAdministrator],
    },
  ];
  const appAdmin = contosoUser(REALISTIC.appAdmin, "appadmin@contoso.onmicrosoft.com", "Contoso App Admin", [
    DIRECTORY_ROLES.applicationAdministrator,
    DIRECTORY_ROLES.dynamics365Administrator,
  ]);
  const elevationAdmin = contosoUser(REALISTIC.elevationAdmin, "elevation.admin@contoso.onmicrosoft.com", "Contoso Elevation Admin", [
    DIRECTORY_ROLES.powerPlatformAdministrator,
  ]);
  state.users.push(appAdmin, elevationAdmin);

  for (const env of state.environments) if (!env.onPremises) env.distinctApiUrl = true;
  state.environments.find((e) => e.id === ENVIRONMENTS.contosoEu.id)!.withoutSales = true;

  const sales = state.environments.find((e) => e.id === ENVIRONMENTS.contosoSales.id)!;
  const rootBu = sales.businessUnits[0].businessunitid;
  const sysAdmin = sales.roles.find((r) => r.roletemplateid === ROLE_TEMPLATES.systemAdministrator)!;
  // admin@contoso keeps their systemuser but holds System Administrator only through the "Contoso Sales Admins" team.
  const adminRow = sales.systemUsers.find((u) => u.azureactivedirectoryobjectid === admin.id)!;
  sales.systemUserRoles = sales.systemUserRoles.filter((r) => r.systemuserid !== adminRow.systemuserid);
  sales.teams = [
    {
      teamid: REALISTIC.salesAdminsTeam,
      name: "Contoso Sales Admins",
      businessunitid: rootBu,
      teamtype: 0,
      isdefault: false,
      memberIds: [adminRow.systemuserid],
      roleIds: [sysAdmin.roleid],
    },
  ];
  const appAdminRow = "64000000-0000-4000-8000-000000000104";
  sales.systemUsers.push({
    systemuserid: appAdminRow,
    businessunitid: rootBu,
    fullname: appAdmin.displayName,
    domainname: appAdmin.userPrincipalName,
    internalemailaddress: appAdmin.mail,
    azureactivedirectoryobjectid: appAdmin.id,
    applicationid: null,
    isdisabled: false,
    accessmode: 0,
    createdon: SEEDED_AT,
  });
  sales.systemUserRoles.push({ systemuserid: appAdminRow, roleid: sysAdmin.roleid });

  // An earlier connector app whose application user was deleted (disabled, then DELETE once): the row stays, soft-deleted.
  const previous = serviceApplication(REALISTIC.previousConnector, TENANTS.contoso);
  state.applications.push(previous);
  state.servicePrincipals.push(applicationSp(REALISTIC.previousConnector.spId, previous));
  sales.systemUsers.push({
    systemuserid: REALISTIC.previousConnector.softDeletedSystemUserId,
    businessunitid: rootBu,
    fullname: `# ${previous.displayName}`,
    domainname: `${previous.appId}@contoso.onmicrosoft.com`,
    internalemailaddress: `${previous.appId}@contoso.onmicrosoft.com`,
    azureactivedirectoryobjectid: REALISTIC.previousConnector.spId,
    applicationid: previous.appId,
    isdisabled: true,
    accessmode: 4,
    createdon: SEEDED_AT,
    deletedstate: 1,
  });
  sales.systemUserRoles.push({ systemuserid: REALISTIC.previousConnector.softDeletedSystemUserId, roleid: sysAdmin.roleid });
  return state;
}
