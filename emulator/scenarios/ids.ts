/**
 * Deterministic identifiers of the default scenario, so tests, docs and the portal's `.env.example` can name them.
 * They are valid v4-shaped GUIDs whose first group says what they are (1 tenant, 2 user, 3 application, 4 service
 * principal, 5 grant, 6 Dataverse), which makes logs and token dumps easy to read.
 */
export const SANDBOX_PASSWORD = "Sandbox-Passw0rd!";

/** The portal app's sandbox client secret. It only works against the sandbox; never reuse it anywhere real. */
export const PORTAL_APP_SECRET = "Pq8Q~sandbox-portal-secret-not-for-production";

export const TENANTS = {
  contoso: "10000000-0000-4000-8000-000000000001",
  actoncorp: "10000000-0000-4000-8000-000000000002",
  /** A second customer that onboarded earlier: the portal's SP exists there (a token "from another tenant"). */
  fabrikam: "10000000-0000-4000-8000-000000000003",
} as const;

export const USERS = {
  contosoAdmin: "20000000-0000-4000-8000-000000000001",
  contosoMfaAdmin: "20000000-0000-4000-8000-000000000002",
  contosoUser: "20000000-0000-4000-8000-000000000003",
  actonSupport: "20000000-0000-4000-8000-000000000011",
  actonSupportAdmin: "20000000-0000-4000-8000-000000000012",
  /** Act-On employee without any portal app role. */
  actonStaff: "20000000-0000-4000-8000-000000000013",
  fabrikamAdmin: "20000000-0000-4000-8000-000000000021",
  /** Eligible for Global Administrator in Privileged Identity Management, not activated: no active directory role. */
  contosoPimAdmin: "20000000-0000-4000-8000-000000000006",
  /** admin@fabrikam's B2B guest object in Contoso (`#EXT#` name), Global Administrator there. */
  fabrikamAdminGuestInContoso: "20000000-0000-4000-8000-000000000022",
} as const;

export const PORTAL_APP = {
  objectId: "30000000-0000-4000-8000-000000000001",
  appId: "31000000-0000-4000-8000-000000000001",
  secretKeyId: "33000000-0000-4000-8000-000000000001",
  /** App roles (Graph `appRoles[].id`); values are the `roles` claim. */
  roles: {
    supportRead: "32000000-0000-4000-8000-000000000001",
    supportAdmin: "32000000-0000-4000-8000-000000000002",
    connectionsRead: "32000000-0000-4000-8000-000000000003",
    connectionsCredentialsRead: "32000000-0000-4000-8000-000000000004",
    connectionsLinksWrite: "32000000-0000-4000-8000-000000000005",
    connectionsToken: "32000000-0000-4000-8000-000000000006",
  },
  /** The delegated scope the support console asks for: `api://{appId}/Support.Access`. */
  supportAccessScopeId: "32000000-0000-4000-8000-000000000011",
  supportAccessScope: "Support.Access",
  identifierUri: "api://31000000-0000-4000-8000-000000000001",
  /** SPA redirect URI of the support console (any port on localhost, as Entra allows for http://localhost). */
  supportConsoleRedirectUri: "http://localhost/support/callback",
  /** SPA redirect URI of the console's silent requests: msal-browser 5's redirect bridge page. */
  supportConsoleBridgeUri: "http://localhost/redirect-bridge",
  displayName: "Act-On Dynamics Onboarding Portal",
} as const;

/** Act-On's own services in its tenant (client credentials for the portal's API). Sandbox secrets only. */
export const ACTON_SERVICES = {
  /** Holds Connections.Read, Connections.Credentials.Read, Connections.Token and Connections.Links.Write on the portal API. */
  connector: {
    displayName: "Act-On Connector",
    objectId: "30000000-0000-4000-8000-000000000002",
    appId: "31000000-0000-4000-8000-000000000002",
    spId: "40000000-0000-4000-8000-000000000014",
    secretKeyId: "33000000-0000-4000-8000-000000000002",
    secret: "Cn8Q~sandbox-acton-connector-secret-not-for-production",
  },
  /** Holds Connections.Read only (it may not mint deep links). */
  statusReader: {
    displayName: "Act-On Status Reader",
    objectId: "30000000-0000-4000-8000-000000000003",
    appId: "31000000-0000-4000-8000-000000000003",
    spId: "40000000-0000-4000-8000-000000000015",
    secretKeyId: "33000000-0000-4000-8000-000000000003",
    secret: "Sr8Q~sandbox-acton-status-reader-secret-not-for-production",
  },
  /** Holds no role on the portal API (its client-credentials token has no `roles` claim). */
  noRoles: {
    displayName: "No-Roles Service",
    objectId: "30000000-0000-4000-8000-000000000004",
    appId: "31000000-0000-4000-8000-000000000004",
    spId: "40000000-0000-4000-8000-000000000016",
    secretKeyId: "33000000-0000-4000-8000-000000000004",
    secret: "Nr8Q~sandbox-no-roles-service-secret-not-for-production",
  },
  /**
   * Another API in Act-On's tenant (v2 tokens, same role names as the portal's): a token for it is a perfectly valid
   * Act-On token for the wrong audience. The connector holds its Connections.Read.
   */
  otherApi: {
    displayName: "Act-On Other API",
    objectId: "30000000-0000-4000-8000-000000000005",
    appId: "31000000-0000-4000-8000-000000000005",
    spId: "40000000-0000-4000-8000-000000000017",
    identifierUri: "api://31000000-0000-4000-8000-000000000005",
    connectionsReadRoleId: "32000000-0000-4000-8000-000000000021",
  },
} as const;

/** Fabrikam, a customer that already consented to the portal, with its own Global Administrator and a probe app. */
export const FABRIKAM = {
  portalSpId: "40000000-0000-4000-8000-000000000031",
  graphSpId: "40000000-0000-4000-8000-000000000032",
  dataverseSpId: "40000000-0000-4000-8000-000000000033",
  /**
   * A Fabrikam app holding Connections.Read and Connections.Credentials.Read on the portal's SP in Fabrikam: its
   * client-credentials token has the portal's audience and the right roles, but Fabrikam's issuer.
   */
  probe: {
    displayName: "Fabrikam Probe",
    objectId: "30000000-0000-4000-8000-000000000031",
    appId: "31000000-0000-4000-8000-000000000031",
    spId: "40000000-0000-4000-8000-000000000034",
    secretKeyId: "33000000-0000-4000-8000-000000000031",
    secret: "Fp8Q~sandbox-fabrikam-probe-secret-not-for-production",
  },
} as const;

export const SERVICE_PRINCIPALS = {
  contosoGraph: "40000000-0000-4000-8000-000000000001",
  contosoDataverse: "40000000-0000-4000-8000-000000000002",
  actoncorpGraph: "40000000-0000-4000-8000-000000000011",
  actoncorpDataverse: "40000000-0000-4000-8000-000000000012",
  actoncorpPortal: "40000000-0000-4000-8000-000000000013",
} as const;

export const ENVIRONMENTS = {
  contosoSales: { id: "60000000-0000-4000-8000-000000000001", environmentId: "61000000-0000-4000-8000-000000000001", urlName: "contoso-sales" },
  contosoEu: { id: "60000000-0000-4000-8000-000000000002", environmentId: "61000000-0000-4000-8000-000000000002", urlName: "contoso-eu" },
  contosoOnPrem: { id: "60000000-0000-4000-8000-000000000003", environmentId: "61000000-0000-4000-8000-000000000003", urlName: "contoso-onprem" },
  contosoIfd: { id: "60000000-0000-4000-8000-000000000004", environmentId: "61000000-0000-4000-8000-000000000004", urlName: "contoso-ifd" },
} as const;

/** A client Contoso's AD FS administrator registered with `Add-AdfsClient` before the scenario starts. */
export const ADFS_REGISTERED_CLIENT = { clientId: "a7c3e1d2-5b4f-4e6a-9c8d-0f1e2d3c4b5a", name: "Act-On Dynamics connector" } as const;

/** Dataverse's built-in role templates (identical in every org). */
export const ROLE_TEMPLATES = {
  systemAdministrator: "627090ff-40a3-4053-8790-584edc5be201",
  basicUser: "d58407f2-48d5-e711-a82c-000d3a37c848",
} as const;

/** Objects only the `realistic` scenario adds (emulator/scenarios/realistic.ts). */
export const REALISTIC = {
  /** Role-assignable group holding Global Administrator; admin@contoso is its member (so only transitiveMemberOf shows the role). */
  globalAdminsGroup: "70000000-0000-4000-8000-000000000001",
  /** Owner team in Contoso Sales holding System Administrator; admin@contoso holds the role only through it. */
  salesAdminsTeam: "6a000000-0000-4000-8000-000000000101",
  /** Application Administrator + Dynamics 365 Administrator, System Administrator in Contoso Sales; may not read others' MFA state. */
  appAdmin: "20000000-0000-4000-8000-000000000004",
  /** Power Platform Administrator without System Administrator anywhere: must self-elevate. */
  elevationAdmin: "20000000-0000-4000-8000-000000000005",
  /** An earlier connector app in Contoso whose application user in Contoso Sales was deleted (soft-deleted row remains). */
  previousConnector: {
    displayName: "Act-On Dynamics Connector (previous)",
    objectId: "30000000-0000-4000-8000-0000000000d1",
    appId: "31000000-0000-4000-8000-0000000000d1",
    spId: "40000000-0000-4000-8000-0000000000d1",
    softDeletedSystemUserId: "64000000-0000-4000-8000-0000000001d1",
  },
} as const;
