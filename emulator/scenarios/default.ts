/**
 * The default scenario: a customer tenant (Contoso) about to onboard, and Act-On's own tenant that hosts the portal's
 * multi-tenant app registration. Contoso has NOT consented to the portal yet, so the first admin sign-in meets the
 * consent page, exactly like a real first run. Built fresh on every call: callers may mutate the result.
 */
import { createHash } from "node:crypto";
import {
  DIRECTORY_ROLES,
  type AppRole,
  type AppRoleAssignment,
  type Application,
  type Environment,
  type OAuth2PermissionGrant,
  type SandboxState,
  type ServicePrincipal,
  type Tenant,
  type User,
} from "../core/state";
import { DATAVERSE_USER_IMPERSONATION_SCOPE_ID, DYNAMICS_CRM_APP_ID, GRAPH_APP_ID, MICROSOFT_SERVICES_TENANT_ID } from "../graph/first-party";
import { ntHashHex } from "../dataverse/ntlm-server";
import { actonConnectorKeyCredentials } from "./acton-connector";
import {
  ACTON_SERVICES,
  ADFS_REGISTERED_CLIENT,
  ENVIRONMENTS,
  FABRIKAM,
  PORTAL_APP,
  PORTAL_APP_SECRET,
  ROLE_TEMPLATES,
  SANDBOX_PASSWORD,
  SERVICE_PRINCIPALS,
  TENANTS,
  USERS,
} from "./ids";

/** A fixed past instant for seeded objects, so replication lag never hides them. */
const SEEDED_AT = "2024-01-15T09:00:00Z";

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** Graph delegated scopes the portal declares (ids are Microsoft's published ones). */
export const PORTAL_GRAPH_SCOPES = [
  ["37f7f235-527c-4136-accd-4a02d197296e", "openid"],
  ["14dad69e-099b-42c9-810b-d002981feec1", "profile"],
  ["64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0", "email"],
  ["7427e0e9-2fba-42fe-b0c0-848c9e6a8182", "offline_access"],
  ["e1fe6dd8-ba31-4d61-89e7-88639da4683d", "User.Read"],
  ["bdfbf15f-ee85-4955-8675-146e8e5296b5", "Application.ReadWrite.All"],
  ["41ce6ca6-6826-4807-84f1-1c82854f7ee5", "DelegatedPermissionGrant.ReadWrite.All"],
  ["572fea84-0151-49b2-9301-11cb16974376", "Policy.Read.All"],
  ["741c54c3-0c1e-44a1-818b-3f97ab4e8c83", "RoleManagement.Read.Directory"],
] as const;

function tenant(id: string, domain: string, displayName: string): Tenant {
  return { id, domains: [domain], displayName, countryLetterCode: "US", securityDefaultsEnabled: false, usersCanRegisterApps: true };
}

function user(id: string, tenantId: string, upn: string, displayName: string, roles: string[], mfa: User["perUserMfaState"] = "disabled"): User {
  const [givenName, ...rest] = displayName.split(" ");
  return {
    id,
    tenantId,
    userPrincipalName: upn,
    displayName,
    givenName,
    surname: rest.join(" ") || null,
    mail: upn,
    passwordSha256: sha256Hex(SANDBOX_PASSWORD),
    perUserMfaState: mfa,
    accountEnabled: true,
    directoryRoleTemplateIds: roles,
  };
}

function firstPartySp(id: string, tenantId: string, appId: string, displayName: string, names: string[]): ServicePrincipal {
  return {
    id,
    appId,
    tenantId,
    displayName,
    appOwnerOrganizationId: MICROSOFT_SERVICES_TENANT_ID,
    servicePrincipalNames: [appId, ...names],
    accountEnabled: true,
    appRoleAssignmentRequired: false,
    tags: [],
    createdDateTime: SEEDED_AT,
  };
}

const graphSp = (id: string, tenantId: string) =>
  firstPartySp(id, tenantId, GRAPH_APP_ID, "Microsoft Graph", [
    "https://graph.microsoft.com",
    "https://graph.microsoft.com/",
    "https://canary.graph.microsoft.com",
  ]);
const dataverseSp = (id: string, tenantId: string) =>
  firstPartySp(id, tenantId, DYNAMICS_CRM_APP_ID, "Dataverse", [
    `${DYNAMICS_CRM_APP_ID}/*.crm.dynamics.com`,
    `${DYNAMICS_CRM_APP_ID}/*.crm4.dynamics.com`,
    "https://globaldisco.crm.dynamics.com",
    "https://admin.services.crm.dynamics.com",
  ]);

function role(id: string, value: string, displayName: string, allowedMemberTypes: AppRole["allowedMemberTypes"]): AppRole {
  return { id, value, displayName, allowedMemberTypes, isEnabled: true };
}

function secret(keyId: string, text: string): Application["passwordCredentials"][number] {
  return {
    keyId,
    displayName: "sandbox",
    hint: text.slice(0, 3),
    startDateTime: SEEDED_AT,
    endDateTime: "2099-12-31T00:00:00Z",
    secretSha256: sha256Hex(text),
  };
}

/** A single-tenant daemon app with a secret (no redirect URIs, no API of its own unless `api` is given). */
export function serviceApplication(
  seed: { objectId: string; appId: string; displayName: string; secretKeyId?: string; secret?: string },
  tenantId: string,
  extra: Partial<Application> = {},
): Application {
  return {
    id: seed.objectId,
    appId: seed.appId,
    tenantId,
    displayName: seed.displayName,
    signInAudience: "AzureADMyOrg",
    isFallbackPublicClient: null,
    tags: [],
    notes: null,
    identifierUris: [],
    web: { redirectUris: [], implicitGrantSettings: { enableIdTokenIssuance: false, enableAccessTokenIssuance: false } },
    publicClient: { redirectUris: [] },
    spa: { redirectUris: [] },
    requiredResourceAccess: [],
    api: { requestedAccessTokenVersion: null, oauth2PermissionScopes: [] },
    appRoles: [],
    passwordCredentials: seed.secret && seed.secretKeyId ? [secret(seed.secretKeyId, seed.secret)] : [],
    createdDateTime: SEEDED_AT,
    ownerIds: [],
    ...extra,
  };
}

export function applicationSp(id: string, app: Application, tenantId: string = app.tenantId): ServicePrincipal {
  return {
    id,
    appId: app.appId,
    tenantId,
    displayName: app.displayName,
    appOwnerOrganizationId: app.tenantId,
    servicePrincipalNames: [app.appId, ...app.identifierUris],
    accountEnabled: true,
    appRoleAssignmentRequired: false,
    tags: ["WindowsAzureActiveDirectoryIntegratedApp"],
    createdDateTime: SEEDED_AT,
  };
}

function roleAssignment(
  id: string,
  tenantId: string,
  principal: { id: string; type: AppRoleAssignment["principalType"] },
  resourceSpId: string,
  appRoleId: string,
): AppRoleAssignment {
  return { id, tenantId, principalId: principal.id, principalType: principal.type, resourceId: resourceSpId, appRoleId, createdDateTime: SEEDED_AT };
}

function portalApplication(): Application {
  return {
    id: PORTAL_APP.objectId,
    appId: PORTAL_APP.appId,
    tenantId: TENANTS.actoncorp,
    displayName: PORTAL_APP.displayName,
    signInAudience: "AzureADMultipleOrgs",
    // "Allow public client flows": the command line signs admins in with the device-code flow (README, real cloud setup).
    isFallbackPublicClient: true,
    tags: ["acton-onboarding-portal"],
    notes: "Sandbox registration of the onboarding portal",
    identifierUris: [`api://${PORTAL_APP.appId}`],
    web: {
      redirectUris: ["http://localhost:3000/auth/callback", "http://localhost/auth/callback"],
      implicitGrantSettings: { enableIdTokenIssuance: false, enableAccessTokenIssuance: false },
    },
    publicClient: { redirectUris: [] },
    // The support console signs staff in from the browser (MSAL.js, auth code + PKCE): SPA redirect URIs, one for the
    // interactive sign-in and one for the redirect bridge that silent renewals land on (msal-browser 5).
    spa: { redirectUris: [PORTAL_APP.supportConsoleRedirectUri, PORTAL_APP.supportConsoleBridgeUri] },
    requiredResourceAccess: [
      { resourceAppId: GRAPH_APP_ID, resourceAccess: PORTAL_GRAPH_SCOPES.map(([id]) => ({ id, type: "Scope" as const })) },
      // One entry covers both Dataverse environments and the Global Discovery Service: both are the Dynamics CRM app.
      { resourceAppId: DYNAMICS_CRM_APP_ID, resourceAccess: [{ id: DATAVERSE_USER_IMPERSONATION_SCOPE_ID, type: "Scope" }] },
    ],
    // The portal's own API (`api://{appId}`) for the support console and Act-On's servers. Its manifest leaves the token
    // version unset, as a new registration does, so Entra issues v1.0 tokens (aud = the identifier URI asked for).
    api: {
      requestedAccessTokenVersion: null,
      oauth2PermissionScopes: [
        {
          id: PORTAL_APP.supportAccessScopeId,
          value: PORTAL_APP.supportAccessScope,
          type: "User",
          adminConsentDisplayName: "Use the support console",
          isEnabled: true,
        },
      ],
    },
    appRoles: [
      role(PORTAL_APP.roles.supportRead, "Support.Read", "Support (read)", ["User"]),
      role(PORTAL_APP.roles.supportAdmin, "Support.Admin", "Support (admin)", ["User"]),
      role(PORTAL_APP.roles.connectionsRead, "Connections.Read", "Read connections", ["Application"]),
      role(PORTAL_APP.roles.connectionsCredentialsRead, "Connections.Credentials.Read", "Read connection credentials", ["Application"]),
      role(PORTAL_APP.roles.connectionsLinksWrite, "Connections.Links.Write", "Mint deep links for connections", ["Application"]),
      role(PORTAL_APP.roles.connectionsToken, "Connections.Token", "Mint Dataverse access tokens for connections", ["Application"]),
    ],
    passwordCredentials: [secret(PORTAL_APP.secretKeyId, PORTAL_APP_SECRET)],
    createdDateTime: SEEDED_AT,
    ownerIds: [USERS.actonSupportAdmin],
  };
}

type EnvironmentSeed = {
  ids: { id: string; environmentId: string; urlName: string };
  friendlyName: string;
  uniqueName: string;
  region: string;
  /** Distinguishes the generated Dataverse row ids of each environment. */
  n: number;
  admins: User[];
  basicUsers: User[];
  onPremises?: "windows" | "ifd";
};

function environment(seed: EnvironmentSeed): Environment {
  const rowId = (kind: number, i: number) => `6${kind}000000-0000-4000-8000-0000000${String(seed.n).padStart(2, "0")}${String(i).padStart(3, "0")}`;
  const rootBu = rowId(2, 1);
  const sysAdmin = rowId(3, 1);
  const basic = rowId(3, 2);
  const systemUsers: Environment["systemUsers"] = [];
  const systemUserRoles: Environment["systemUserRoles"] = [];
  [...seed.admins.map((u) => [u, sysAdmin] as const), ...seed.basicUsers.map((u) => [u, basic] as const)].forEach(([u, roleid], i) => {
    const systemuserid = rowId(4, i + 1);
    systemUsers.push({
      systemuserid,
      businessunitid: rootBu,
      fullname: u.displayName,
      domainname: u.userPrincipalName,
      internalemailaddress: u.mail,
      azureactivedirectoryobjectid: u.id,
      applicationid: null,
      isdisabled: false,
      accessmode: 0,
      createdon: SEEDED_AT,
    });
    systemUserRoles.push({ systemuserid, roleid });
  });
  const domainUsers: Environment["domainUsers"] = [];
  if (seed.onPremises) {
    const systemuserid = rowId(4, 1);
    systemUsers.push({
      systemuserid,
      businessunitid: rootBu,
      fullname: "CRM Administrator",
      domainname: "CONTOSO\\crmadmin",
      internalemailaddress: "crmadmin@contoso.local",
      azureactivedirectoryobjectid: null,
      applicationid: null,
      isdisabled: false,
      accessmode: 0,
      createdon: SEEDED_AT,
    });
    systemUserRoles.push({ systemuserid, roleid: sysAdmin });
    domainUsers.push({ domainName: "CONTOSO\\crmadmin", upn: "crmadmin@contoso.local", ntHash: ntHashHex(SANDBOX_PASSWORD), systemuserid });
  }
  return {
    id: seed.ids.id,
    environmentId: seed.ids.environmentId,
    tenantId: TENANTS.contoso,
    uniqueName: seed.uniqueName,
    urlName: seed.ids.urlName,
    friendlyName: seed.friendlyName,
    region: seed.region,
    // The Windows org runs 9.1; the IFD org an older 9.0 build, so a client must fall back to find its Web API.
    version: seed.onPremises === "windows" ? "9.1.0.24201" : seed.onPremises === "ifd" ? "9.0.2.3034" : "9.2.25114.00181",
    webApiVersion: seed.onPremises === "windows" ? "9.1" : seed.onPremises === "ifd" ? "9.0" : "9.2",
    state: 0,
    purpose: "",
    onPremises: seed.onPremises ?? false,
    domainUsers,
    businessUnits: [{ businessunitid: rootBu, name: seed.uniqueName, parentbusinessunitid: null }],
    roles: [
      {
        roleid: sysAdmin,
        name: "System Administrator",
        businessunitid: rootBu,
        roletemplateid: ROLE_TEMPLATES.systemAdministrator,
        ismanaged: true,
        allPrivileges: true,
        privileges: [],
      },
      {
        roleid: basic,
        name: "Basic User",
        businessunitid: rootBu,
        roletemplateid: ROLE_TEMPLATES.basicUser,
        ismanaged: true,
        allPrivileges: false,
        privileges: [],
      },
    ],
    systemUsers,
    systemUserRoles,
  };
}

export function buildDefaultScenario(): SandboxState {
  const admin = user(USERS.contosoAdmin, TENANTS.contoso, "admin@contoso.onmicrosoft.com", "Contoso Admin", [
    DIRECTORY_ROLES.globalAdministrator,
    DIRECTORY_ROLES.dynamics365Administrator,
  ]);
  const mfaAdmin = user(
    USERS.contosoMfaAdmin,
    TENANTS.contoso,
    "mfa.admin@contoso.onmicrosoft.com",
    "Contoso MFA Admin",
    [DIRECTORY_ROLES.globalAdministrator, DIRECTORY_ROLES.dynamics365Administrator],
    "enforced",
  );
  const pimAdmin: User = {
    ...user(USERS.contosoPimAdmin, TENANTS.contoso, "pim.admin@contoso.onmicrosoft.com", "Contoso PIM Admin", []),
    eligibleDirectoryRoleTemplateIds: [DIRECTORY_ROLES.globalAdministrator],
  };
  const plainUser = user(USERS.contosoUser, TENANTS.contoso, "user@contoso.onmicrosoft.com", "Contoso User", []);
  const support = user(USERS.actonSupport, TENANTS.actoncorp, "support@actoncorp.onmicrosoft.com", "Act-On Support", []);
  const supportAdmin = user(USERS.actonSupportAdmin, TENANTS.actoncorp, "support.admin@actoncorp.onmicrosoft.com", "Act-On Support Admin", []);

  const staff = user(USERS.actonStaff, TENANTS.actoncorp, "staff@actoncorp.onmicrosoft.com", "Act-On Staff", []);
  const fabrikamAdmin = user(USERS.fabrikamAdmin, TENANTS.fabrikam, "admin@fabrikam.onmicrosoft.com", "Fabrikam Admin", [
    DIRECTORY_ROLES.globalAdministrator,
  ]);

  // A partner's admin invited into Contoso as a guest and made Global Administrator there: signing in at Fabrikam's
  // (or the `organizations`) authority gives Fabrikam's tid; at Contoso's, this object's.
  const fabrikamGuest: User = {
    ...user(
      USERS.fabrikamAdminGuestInContoso,
      TENANTS.contoso,
      "admin_fabrikam.onmicrosoft.com#EXT#@contoso.onmicrosoft.com",
      "Fabrikam Admin (Guest)",
      [DIRECTORY_ROLES.globalAdministrator],
    ),
    mail: fabrikamAdmin.userPrincipalName,
    // Guests authenticate at home: the guest object has no password of its own.
    passwordSha256: "",
    homeUserId: fabrikamAdmin.id,
  };

  const portal = portalApplication();
  const portalSp: ServicePrincipal = {
    ...applicationSp(SERVICE_PRINCIPALS.actoncorpPortal, portal),
    tags: ["WindowsAzureActiveDirectoryIntegratedApp"],
  };
  // Act-On staff sign in to their own portal with basic OIDC scopes and the support console's scope on the portal's
  // own API, consented once for the whole tenant.
  const actonSignInGrant: OAuth2PermissionGrant = {
    id: "50000000-0000-4000-8000-000000000001",
    tenantId: TENANTS.actoncorp,
    clientId: portalSp.id,
    consentType: "AllPrincipals",
    principalId: null,
    resourceId: SERVICE_PRINCIPALS.actoncorpGraph,
    scope: "openid profile email offline_access User.Read",
  };
  const actonSupportConsoleGrant: OAuth2PermissionGrant = {
    id: "50000000-0000-4000-8000-000000000002",
    tenantId: TENANTS.actoncorp,
    clientId: portalSp.id,
    consentType: "AllPrincipals",
    principalId: null,
    resourceId: portalSp.id,
    scope: PORTAL_APP.supportAccessScope,
  };

  const { connector, statusReader, noRoles, otherApi } = ACTON_SERVICES;
  // Act-On's multi-tenant connector (Dataverse's multi-tenant server-to-server pattern): customers consent to it,
  // which adds its service principal to their tenant; it proves itself with its certificate, or with its secret when
  // it calls the portal's API from Act-On's own tenant.
  const connectorApp = serviceApplication(connector, TENANTS.actoncorp, {
    signInAudience: "AzureADMultipleOrgs",
    requiredResourceAccess: [{ resourceAppId: DYNAMICS_CRM_APP_ID, resourceAccess: [{ id: DATAVERSE_USER_IMPERSONATION_SCOPE_ID, type: "Scope" }] }],
    keyCredentials: actonConnectorKeyCredentials(),
  });
  const statusReaderApp = serviceApplication(statusReader, TENANTS.actoncorp);
  const noRolesApp = serviceApplication(noRoles, TENANTS.actoncorp);
  const otherApiApp = serviceApplication(otherApi, TENANTS.actoncorp, {
    identifierUris: [otherApi.identifierUri],
    api: { requestedAccessTokenVersion: 2, oauth2PermissionScopes: [] },
    appRoles: [role(otherApi.connectionsReadRoleId, "Connections.Read", "Read connections", ["Application"])],
  });
  const otherApiSp = applicationSp(otherApi.spId, otherApiApp);

  // Fabrikam consented to the portal long ago; its probe app holds the portal's application roles there.
  const fabrikamPortalSp = applicationSp(FABRIKAM.portalSpId, portal, TENANTS.fabrikam);
  fabrikamPortalSp.servicePrincipalNames = [portal.appId];
  const probeApp = serviceApplication(FABRIKAM.probe, TENANTS.fabrikam);
  const acton = (id: string) => ({ id, type: "ServicePrincipal" as const });

  return {
    scenario: "default",
    settings: { replicationLagMs: 0, baseLatencyMs: 0 },
    tenants: [
      tenant(TENANTS.contoso, "contoso.onmicrosoft.com", "Contoso"),
      tenant(TENANTS.actoncorp, "actoncorp.onmicrosoft.com", "Act-On Software"),
      tenant(TENANTS.fabrikam, "fabrikam.onmicrosoft.com", "Fabrikam"),
    ],
    users: [admin, mfaAdmin, plainUser, support, supportAdmin, staff, fabrikamAdmin, pimAdmin, fabrikamGuest],
    applications: [portal, connectorApp, statusReaderApp, noRolesApp, otherApiApp, probeApp],
    servicePrincipals: [
      graphSp(SERVICE_PRINCIPALS.contosoGraph, TENANTS.contoso),
      dataverseSp(SERVICE_PRINCIPALS.contosoDataverse, TENANTS.contoso),
      graphSp(SERVICE_PRINCIPALS.actoncorpGraph, TENANTS.actoncorp),
      dataverseSp(SERVICE_PRINCIPALS.actoncorpDataverse, TENANTS.actoncorp),
      portalSp,
      applicationSp(connector.spId, connectorApp),
      applicationSp(statusReader.spId, statusReaderApp),
      applicationSp(noRoles.spId, noRolesApp),
      otherApiSp,
      graphSp(FABRIKAM.graphSpId, TENANTS.fabrikam),
      dataverseSp(FABRIKAM.dataverseSpId, TENANTS.fabrikam),
      fabrikamPortalSp,
      applicationSp(FABRIKAM.probe.spId, probeApp),
    ],
    oauth2PermissionGrants: [
      actonSignInGrant,
      actonSupportConsoleGrant,
      {
        id: "50000000-0000-4000-8000-000000000031",
        tenantId: TENANTS.fabrikam,
        clientId: fabrikamPortalSp.id,
        consentType: "AllPrincipals",
        principalId: null,
        resourceId: FABRIKAM.graphSpId,
        scope: PORTAL_GRAPH_SCOPES.map(([, value]) => value).join(" "),
      },
      {
        id: "50000000-0000-4000-8000-000000000032",
        tenantId: TENANTS.fabrikam,
        clientId: fabrikamPortalSp.id,
        consentType: "AllPrincipals",
        principalId: null,
        resourceId: FABRIKAM.dataverseSpId,
        scope: "user_impersonation",
      },
    ],
    appRoleAssignments: [
      roleAssignment(
        "51000000-0000-4000-8000-000000000001",
        TENANTS.actoncorp,
        { id: support.id, type: "User" },
        portalSp.id,
        PORTAL_APP.roles.supportRead,
      ),
      roleAssignment(
        "51000000-0000-4000-8000-000000000002",
        TENANTS.actoncorp,
        { id: supportAdmin.id, type: "User" },
        portalSp.id,
        PORTAL_APP.roles.supportAdmin,
      ),
      roleAssignment("51000000-0000-4000-8000-000000000003", TENANTS.actoncorp, acton(connector.spId), portalSp.id, PORTAL_APP.roles.connectionsRead),
      roleAssignment(
        "51000000-0000-4000-8000-000000000004",
        TENANTS.actoncorp,
        acton(connector.spId),
        portalSp.id,
        PORTAL_APP.roles.connectionsCredentialsRead,
      ),
      roleAssignment(
        "51000000-0000-4000-8000-000000000005",
        TENANTS.actoncorp,
        acton(statusReader.spId),
        portalSp.id,
        PORTAL_APP.roles.connectionsRead,
      ),
      roleAssignment(
        "51000000-0000-4000-8000-000000000007",
        TENANTS.actoncorp,
        acton(connector.spId),
        portalSp.id,
        PORTAL_APP.roles.connectionsLinksWrite,
      ),
      roleAssignment(
        "51000000-0000-4000-8000-000000000008",
        TENANTS.actoncorp,
        acton(connector.spId),
        portalSp.id,
        PORTAL_APP.roles.connectionsToken,
      ),
      roleAssignment("51000000-0000-4000-8000-000000000006", TENANTS.actoncorp, acton(connector.spId), otherApiSp.id, otherApi.connectionsReadRoleId),
      roleAssignment(
        "51000000-0000-4000-8000-000000000031",
        TENANTS.fabrikam,
        acton(FABRIKAM.probe.spId),
        fabrikamPortalSp.id,
        PORTAL_APP.roles.connectionsRead,
      ),
      roleAssignment(
        "51000000-0000-4000-8000-000000000032",
        TENANTS.fabrikam,
        acton(FABRIKAM.probe.spId),
        fabrikamPortalSp.id,
        PORTAL_APP.roles.connectionsCredentialsRead,
      ),
    ],
    environments: [
      environment({
        ids: ENVIRONMENTS.contosoSales,
        friendlyName: "Contoso Sales",
        uniqueName: "contososales",
        region: "NA",
        n: 1,
        admins: [admin, mfaAdmin, pimAdmin, fabrikamGuest],
        basicUsers: [plainUser],
      }),
      environment({
        ids: ENVIRONMENTS.contosoEu,
        friendlyName: "Contoso EU",
        uniqueName: "contosoeu",
        region: "EMEA",
        n: 2,
        admins: [admin, mfaAdmin],
        basicUsers: [],
      }),
      environment({
        ids: ENVIRONMENTS.contosoOnPrem,
        friendlyName: "Contoso On-Prem",
        uniqueName: "contosoonprem",
        region: "NA",
        n: 3,
        admins: [],
        basicUsers: [],
        onPremises: "windows",
      }),
      environment({
        ids: ENVIRONMENTS.contosoIfd,
        friendlyName: "Contoso IFD",
        uniqueName: "contosoifd",
        region: "NA",
        n: 4,
        admins: [],
        basicUsers: [],
        onPremises: "ifd",
      }),
    ],
    adfsClients: [{ ...ADFS_REGISTERED_CLIENT, redirectUri: "https://connector.acton.example/adfs" }],
    faults: [],
  };
}
