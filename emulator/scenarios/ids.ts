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
} as const;

export const USERS = {
  contosoAdmin: "20000000-0000-4000-8000-000000000001",
  contosoMfaAdmin: "20000000-0000-4000-8000-000000000002",
  contosoUser: "20000000-0000-4000-8000-000000000003",
  actonSupport: "20000000-0000-4000-8000-000000000011",
  actonSupportAdmin: "20000000-0000-4000-8000-000000000012",
} as const;

export const PORTAL_APP = {
  objectId: "30000000-0000-4000-8000-000000000001",
  appId: "31000000-0000-4000-8000-000000000001",
  secretKeyId: "33000000-0000-4000-8000-000000000001",
  supportRoleId: "32000000-0000-4000-8000-000000000001",
  adminRoleId: "32000000-0000-4000-8000-000000000002",
  displayName: "Act-On Dynamics Onboarding Portal",
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
} as const;

/** Dataverse's built-in role templates (identical in every org). */
export const ROLE_TEMPLATES = {
  systemAdministrator: "627090ff-40a3-4053-8790-584edc5be201",
  basicUser: "d58407f2-48d5-e711-a82c-000d3a37c848",
} as const;
