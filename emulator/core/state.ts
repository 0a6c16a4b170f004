/**
 * The sandbox's whole world, as plain JSON-serialisable data. Every service module reads and writes this one
 * object (held by `store.ts`), so the control API can dump it, reset it to a scenario, and tests can assert on it.
 *
 * Identifiers follow Microsoft's: Entra object ids and app ids are GUIDs; Dataverse record ids are GUIDs.
 * Secrets are never kept in clear text: client secrets and user passwords are stored as SHA-256 hex digests.
 */

export type Tenant = {
  id: string; // tenant id (GUID)
  /** Verified domains; the first is the initial `*.onmicrosoft.com` domain. */
  domains: string[];
  displayName: string;
  countryLetterCode: string;
  securityDefaultsEnabled: boolean;
  /** Entra "Users can register applications" (default true when absent): lets non-admins create app registrations. */
  usersCanRegisterApps?: boolean;
  /**
   * The tenant's default app management policy (`/policies/defaultAppManagementPolicy`): a cap on client secret
   * lifetimes as an ISO 8601 duration (e.g. `P180D`). Absent = no restriction.
   */
  passwordMaxLifetime?: string | null;
  /** The same policy's `passwordAddition` restriction: no new client secret on any application (addPassword refused). */
  passwordAdditionBlocked?: boolean;
  /** Conditional Access policies (`/identity/conditionalAccess/policies`), in Graph's shape; none when absent. */
  conditionalAccessPolicies?: ConditionalAccessPolicy[];
};

/** The part of Graph's conditionalAccessPolicy the sandbox serves and enforces at sign-in. */
export type ConditionalAccessPolicy = {
  id: string;
  displayName: string;
  state: "enabled" | "disabled" | "enabledForReportingButNotEnforced";
  conditions: {
    users: {
      includeUsers: string[];
      excludeUsers: string[];
      includeGroups: string[];
      excludeGroups: string[];
      includeRoles: string[];
      excludeRoles: string[];
    };
    applications: { includeApplications: string[]; excludeApplications: string[] };
    clientAppTypes: string[];
  };
  grantControls: { operator: "AND" | "OR"; builtInControls: string[] } | null;
};

/** A security group; role-assignable groups can hold directory roles that their members get transitively. */
export type Group = {
  id: string;
  tenantId: string;
  displayName: string;
  isAssignableToRole: boolean;
  memberIds: string[];
  /** Directory role template ids assigned to the group (role-assignable groups only). */
  directoryRoleTemplateIds: string[];
};

/** An application deleted from Graph: kept in the tenant's recycle bin (`/directory/deletedItems`) for 30 days. */
export type DeletedApplication = { application: Application; deletedDateTime: string };

/** Built-in directory role template ids (identical in every Entra tenant). */
export const DIRECTORY_ROLES = {
  globalAdministrator: "62e90394-69f5-4237-9190-012177145e10",
  dynamics365Administrator: "44367163-eba1-44c3-98af-f5787879f96a",
  globalReader: "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
  authenticationPolicyAdministrator: "0526716b-113d-4c15-b2c8-68e3c22b9f80",
  powerPlatformAdministrator: "11648597-926c-4cf3-9c36-bcebb0ba8dcc",
  applicationAdministrator: "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
  cloudApplicationAdministrator: "158c047a-c907-4556-b7ef-446551a6b5f7",
  privilegedRoleAdministrator: "e8611ab8-c189-46e8-94e1-60213ab1f814",
} as const;

export type PerUserMfaState = "disabled" | "enabled" | "enforced";

export type User = {
  id: string; // object id (GUID)
  tenantId: string;
  userPrincipalName: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  mail: string | null;
  passwordSha256: string;
  perUserMfaState: PerUserMfaState;
  accountEnabled: boolean;
  /** Directory role template ids held directly (see DIRECTORY_ROLES). */
  directoryRoleTemplateIds: string[];
  /**
   * Graph's `signInSessionsValidFromDateTime`: refresh tokens and browser sessions issued before it are invalid
   * (set by `POST /users/{id}/revokeSignInSessions`).
   */
  signInSessionsValidFromDateTime?: string;
  /**
   * Roles the user is only eligible for in Privileged Identity Management: until activated they grant nothing and
   * appear in no membership, role assignment or `wids` claim, only in the role eligibility schedules.
   */
  eligibleDirectoryRoleTemplateIds?: string[];
  /**
   * Set on a B2B guest: the object a resource tenant keeps for a user whose account lives in another (home) tenant.
   * The guest signs in with the home account's name and password, through the resource tenant's authority only; its
   * tokens carry the resource tenant's `tid` and this object's `oid` (client_info names the home account).
   */
  homeUserId?: string;
};

export type PasswordCredential = {
  keyId: string;
  displayName: string | null;
  hint: string; // first 3 characters of the secret, as Graph returns it
  startDateTime: string;
  endDateTime: string;
  secretSha256: string; // never exposed by the control API
};

/**
 * A certificate credential (`keyCredentials`): only the public certificate, which is not secret. Graph derives the
 * dates from the certificate unless given and shows the SHA-1 thumbprint as `customKeyIdentifier`.
 */
export type KeyCredential = {
  keyId: string;
  displayName: string | null;
  type: "AsymmetricX509Cert";
  usage: "Verify";
  startDateTime: string;
  endDateTime: string;
  /** Upper-case hex SHA-1 thumbprint of the certificate, as Graph shows `customKeyIdentifier` for certificates. */
  customKeyIdentifier: string;
  /** The certificate, base64 DER (Graph's `key`). */
  certificateDer: string;
  /** When the key reached the directory (sandbox bookkeeping for replication lag; not a Graph property). Absent = long ago. */
  addedDateTime?: string;
};

export type PermissionScope = { id: string; value: string; type: "User" | "Admin"; adminConsentDisplayName: string; isEnabled: boolean };
export type AppRole = { id: string; value: string; displayName: string; allowedMemberTypes: ("User" | "Application")[]; isEnabled: boolean };
type RequiredResourceAccess = { resourceAppId: string; resourceAccess: { id: string; type: "Scope" | "Role" }[] };

export type Application = {
  id: string; // object id, used in /applications/{id}
  appId: string; // client id, used in tokens and Dataverse
  tenantId: string; // home tenant
  displayName: string;
  signInAudience: "AzureADMyOrg" | "AzureADMultipleOrgs" | "AzureADandPersonalMicrosoftAccount" | "PersonalMicrosoftAccount";
  /** Graph name of the manifest's `allowPublicClient`. */
  isFallbackPublicClient: boolean | null;
  tags: string[];
  notes: string | null;
  identifierUris: string[];
  web: {
    redirectUris: string[];
    implicitGrantSettings: { enableIdTokenIssuance: boolean; enableAccessTokenIssuance: boolean }; // manifest oauth2AllowIdTokenImplicitFlow / oauth2AllowImplicitFlow
  };
  publicClient: { redirectUris: string[] };
  spa: { redirectUris: string[] };
  requiredResourceAccess: RequiredResourceAccess[];
  api: { requestedAccessTokenVersion: 1 | 2 | null; oauth2PermissionScopes: PermissionScope[] };
  appRoles: AppRole[];
  passwordCredentials: PasswordCredential[];
  /** Certificate credentials; absent = none. */
  keyCredentials?: KeyCredential[];
  createdDateTime: string;
  /** Object ids of the owners (users or service principals); Graph makes a delegated creator the first owner. */
  ownerIds?: string[];
  /** Graph properties the sandbox stores but does not interpret (description, info, optionalClaims, ...). */
  extraProperties?: Record<string, unknown>;
};

/**
 * Microsoft's own multi-tenant resource applications (Graph, Dynamics CRM). They have no home tenant in the sandbox;
 * a tenant "has" one once a service principal for its appId exists there.
 */
export type FirstPartyResource = {
  appId: string;
  displayName: string;
  /** Resource identifiers accepted in `scope` (`{identifier}/.default`, `{identifier}/{scope}`). */
  identifierUris: string[];
  /** Dataverse environments are resources too: their URL is matched by prefix against `environments[].url`. */
  acceptsEnvironmentUrls: boolean;
  accessTokenVersion: 1 | 2;
  oauth2PermissionScopes: PermissionScope[];
  appRoles: AppRole[];
};

export type ServicePrincipal = {
  id: string; // object id
  appId: string;
  tenantId: string;
  displayName: string;
  appOwnerOrganizationId: string | null;
  servicePrincipalNames: string[];
  accountEnabled: boolean;
  appRoleAssignmentRequired: boolean;
  tags: string[];
  createdDateTime: string;
};

export type OAuth2PermissionGrant = {
  id: string;
  tenantId: string;
  clientId: string; // client SP object id
  consentType: "AllPrincipals" | "Principal";
  principalId: string | null;
  resourceId: string; // resource SP object id
  scope: string; // space separated
};

export type AppRoleAssignment = {
  id: string;
  tenantId: string;
  principalId: string; // user or SP object id
  principalType: "User" | "ServicePrincipal";
  resourceId: string; // resource SP object id
  appRoleId: string;
  createdDateTime: string;
};

// ---------------------------------------------------------------- Dataverse

export type BusinessUnit = { businessunitid: string; name: string; parentbusinessunitid: string | null };
export type Privilege = {
  privilegeid: string;
  name: string;
  accessright: number;
  canbebasic: boolean;
  canbelocal: boolean;
  canbedeep: boolean;
  canbeglobal: boolean;
};
/** Depth as Dataverse's AddPrivilegesRole takes it: Basic (user), Local (BU), Deep (parent:child BU), Global (org). */
export type PrivilegeDepth = "Basic" | "Local" | "Deep" | "Global";
export type Role = {
  roleid: string;
  name: string;
  businessunitid: string;
  roletemplateid: string | null; // System Administrator: 627090ff-40a3-4053-8790-584edc5be201
  ismanaged: boolean;
  /** System Administrator holds every privilege implicitly; custom roles list theirs. */
  allPrivileges: boolean;
  privileges: { privilegeid: string; depth: PrivilegeDepth }[];
};
export type SystemUser = {
  systemuserid: string;
  businessunitid: string;
  fullname: string;
  domainname: string; // UPN for users, "" style placeholder for application users
  internalemailaddress: string | null;
  azureactivedirectoryobjectid: string | null; // Entra user oid (or SP oid for app users)
  applicationid: string | null; // Entra appId for application users
  isdisabled: boolean;
  accessmode: number; // 0 read-write, 4 non-interactive
  createdon: string;
  /** 0 live; 1 soft-deleted (a first DELETE of a disabled user; a second DELETE purges the row). Absent = 0. */
  deletedstate?: 0 | 1;
};

/** A Dataverse team: members get the team's security roles (System Administrator can be held this way). */
export type Team = {
  teamid: string;
  name: string;
  businessunitid: string;
  /** 0 Owner, 1 Access, 2 Microsoft Entra security group, 3 Microsoft Entra Office group. */
  teamtype: number;
  isdefault: boolean;
  memberIds: string[];
  roleIds: string[];
};
type SystemUserRole = { systemuserid: string; roleid: string };

export type Environment = {
  id: string; // OrganizationId (GUID)
  environmentId: string; // Power Platform environment id (GUID)
  tenantId: string;
  uniqueName: string;
  urlName: string; // path segment under the sandbox origin: {origin}/dynamics/{urlName}
  friendlyName: string;
  region: string; // NA, EMEA, ...
  version: string; // e.g. 9.2.25101.00143 or 9.1.0.xxx for on-premises
  /** The newest Web API version the org answers (older ones back to 8.2 answer too). */
  webApiVersion: "9.2" | "9.1" | "9.0";
  state: 0 | 1; // 0 enabled
  purpose: string;
  /**
   * On-premises deployments have no Entra. `windows`: IIS with Windows authentication (Negotiate and NTLM, Basic
   * off as IIS ships it); `ifd`: an Internet-facing deployment, OAuth bearer tokens from the deployment's AD FS.
   */
  onPremises: false | "windows" | "ifd";
  /**
   * A Windows org whose IIS offers only the `Negotiate:Kerberos` provider: `WWW-Authenticate: Negotiate` alone, and
   * NTLM refused (Kerberos needs a domain-joined client, which the sandbox does not model).
   */
  kerberosOnly?: boolean;
  /** Active Directory accounts that are users of an on-premises org; `ntHash` is what a domain controller keeps. */
  domainUsers: DomainUser[];
  businessUnits: BusinessUnit[];
  roles: Role[];
  systemUsers: SystemUser[];
  systemUserRoles: SystemUserRole[];
  teams?: Team[];
  /**
   * Dynamics 365 Sales is not installed: no lead or marketing-list tables, and no privileges for them (a plain
   * Dataverse environment). Absent = Sales installed.
   */
  withoutSales?: boolean;
  /**
   * Discovery's `ApiUrl` differs from `Url`, as in the cloud (`{org}.api.crm.dynamics.com` vs `{org}.crm.dynamics.com`):
   * the Web API answers on both (`/dynamics/{urlName}` and `/dynamics/{urlName}.api`). Absent = the same URL.
   */
  distinctApiUrl?: boolean;
  /** Privilege catalogue of the org; absent = the standard one in `emulator/dataverse/privileges-catalog.ts`. */
  privileges?: Privilege[];
  /**
   * Business rows by entity set name (`leads`, `contacts`, `accounts`), as Web API JSON without annotations.
   * Absent = the sample rows of `emulator/dataverse/sample-records.ts`.
   */
  records?: Record<string, DataverseRecord[]>;
  /**
   * The organization's `isauditenabled` ("Start Auditing" in Power Platform admin center). Absent = off: auditing is
   * disabled by default in each Dataverse environment (Microsoft Learn, "Auditing" in the Dataverse admin module). An
   * admin turns it on with PATCH `organizations(id)`, as the admin center does.
   */
  isauditenabled?: boolean;
  /** Dataverse's audit history (`audits`), oldest first: recorded only while `isauditenabled` (emulator/dataverse/audits.ts). */
  audits?: DataverseAudit[];
};

/** An `audit` row as the Web API returns it, and what RetrieveAuditDetails answers for it. */
export type DataverseAudit = {
  auditid: string;
  /** Microsoft's `action` choice: 1 Create, 2 Update, 3 Delete, 33 Associate Entities, 34 Disassociate Entities. */
  action: number;
  /** Microsoft's `operation` choice: 1 Create, 2 Update, 3 Delete. */
  operation: number;
  objecttypecode: string;
  _objectid_value: string;
  _userid_value: string;
  _callinguserid_value: string | null;
  createdon: string;
  detail:
    | { kind: "attribute"; oldValue: Record<string, unknown>; newValue: Record<string, unknown> }
    | { kind: "relationship"; relationshipName: string; targets: { logicalName: string; id: string; name: string | null }[] };
};

/** A business row in Web API JSON form, e.g. `{ "leadid": "…", "fullname": "…", "_ownerid_value": "…" }`. */
export type DataverseRecord = Record<string, string | number | boolean | null>;

// ---------------------------------------------------------------- faults

type FaultService = "identity" | "graph" | "discovery" | "dataverse" | "*";
export type Fault = {
  id: string;
  service: FaultService;
  /** HTTP method to match, or "*" */
  method: string;
  /** Matched against the request path (without query) by prefix; a string starting with "^" is a regular expression. */
  path: string;
  /**
   * `redirect`: answer a 3xx to `location` (no client should follow it with credentials); `nextLinkOrigin`: let the
   * request through but move a collection's `@odata.nextLink` to `origin` (no client should follow it with a token).
   */
  kind: "latency" | "throttle" | "unavailable" | "redirect" | "nextLinkOrigin";
  latencyMs?: number;
  retryAfterSeconds?: number;
  redirectStatus?: 301 | 302 | 303 | 307 | 308;
  location?: string;
  origin?: string;
  /** How many more matching requests the fault applies to; null = until cleared. */
  remaining: number | null;
};

export type SandboxSettings = {
  /** Directory replication lag: a just-created application/service principal answers 404 on other reads for this long. */
  replicationLagMs: number;
  /** Latency added to every request of every service (the bench uses 100 ms). */
  baseLatencyMs: number;
  /**
   * How long Dataverse takes to admit a new application user: its app-only calls answer 403 0x80072560 ("not a member
   * of the organization") for this long after the user is created. Absent = 0.
   */
  applicationUserAdmissionLagMs?: number;
  /**
   * Where Microsoft's wording is unconfirmed the sandbox can say something descriptive (default) or a neutral text
   * (`realistic`), so no client matches a message the sandbox invented.
   */
  unconfirmedWording?: "descriptive" | "neutral";
  /**
   * Rehearsal speed of the lags above (replication, admission): the sandbox waits `lag × lagScale`, so a test can go
   * through Microsoft's same refusals-then-success sequence five times sooner at 0.2. Absent = 1, Microsoft's pace.
   * A clock for rehearsals, not a trait of Microsoft: scenarios never set it.
   */
  lagScale?: number;
  /**
   * Dataverse's service protection limits per user per environment (emulator/dataverse/service-protection.ts);
   * absent fields = Microsoft's defaults (6,000 requests and 1,200,000 ms per 300 s, 52 at once).
   */
  serviceProtection?: Partial<ServiceProtectionLimits>;
};

export type ServiceProtectionLimits = { requests: number; executionMs: number; concurrent: number; windowSeconds: number };

/**
 * An Entra audit log entry (Graph `directoryAudit`), recorded for the directory changes made through the sandbox's
 * Graph (not for state a test puts in place with the control API).
 */
export type DirectoryAudit = {
  id: string;
  tenantId: string;
  category: "ApplicationManagement";
  correlationId: string;
  result: "success";
  resultReason: string;
  activityDisplayName: string;
  activityDateTime: string;
  loggedByService: "Core Directory";
  operationType: "Add" | "Update" | "Delete";
  initiatedBy: {
    user: { id: string; displayName: string; userPrincipalName: string; ipAddress: string | null } | null;
    app: { appId: string; displayName: string | null; servicePrincipalId: string; servicePrincipalName: string | null } | null;
  };
  targetResources: { id: string; displayName: string; type: "Application" | "ServicePrincipal"; userPrincipalName: null; modifiedProperties: [] }[];
  additionalDetails: { key: string; value: string }[];
};

export type DomainUser = { domainName: string; upn: string; ntHash: string; systemuserid: string };

/** A client registered with the deployment's AD FS (`Add-AdfsClient`). */
type AdfsClient = { clientId: string; name: string; redirectUri: string };

export type SandboxState = {
  scenario: string;
  settings: SandboxSettings;
  tenants: Tenant[];
  users: User[];
  applications: Application[];
  servicePrincipals: ServicePrincipal[];
  oauth2PermissionGrants: OAuth2PermissionGrant[];
  appRoleAssignments: AppRoleAssignment[];
  groups?: Group[];
  deletedApplications?: DeletedApplication[];
  environments: Environment[];
  /** Clients registered with the on-premises AD FS that serves the IFD orgs. */
  adfsClients?: AdfsClient[];
  faults: Fault[];
  directoryAudits?: DirectoryAudit[];
  /**
   * How far the sandbox's clock runs ahead of the machine's (core/clock.ts), moved only through the control API to
   * rehearse expiry and rotation. Not a trait of Microsoft: scenarios never set it; absent = 0.
   */
  clockOffsetMs?: number;
};
