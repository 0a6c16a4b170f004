/**
 * Well-known Microsoft identifiers. They are the same in every tenant and every cloud, so they are constants rather
 * than configuration. Pure: safe to import from client components (e.g. to label a role).
 */

/** The Dynamics CRM (Dataverse) first-party application; its service principal is the resource of every org. */
export const DYNAMICS_CRM_APP_ID = "00000007-0000-0000-c000-000000000000";
/** Dynamics CRM delegated scope `user_impersonation` ("Access Common Data Service as organization users"). */
export const DYNAMICS_USER_IMPERSONATION_SCOPE_ID = "78ce3f0f-a1ce-49c2-8cde-64b5c0896db4";
export const DYNAMICS_USER_IMPERSONATION = "user_impersonation";

/** Microsoft Graph's first-party application id. */
export const GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000";

/** Built-in Entra directory role template ids (compare `roleTemplateId`, never the activated role's object id). */
export const DIRECTORY_ROLE_TEMPLATES = {
  globalAdministrator: "62e90394-69f5-4237-9190-012177145e10",
  dynamics365Administrator: "44367163-eba1-44c3-98af-f5787879f96a",
  powerPlatformAdministrator: "11648597-926c-4cf3-9c36-bcebb0ba8dcc",
  applicationAdministrator: "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
  cloudApplicationAdministrator: "158c047a-c907-4556-b7ef-446551a6b5f7",
  privilegedRoleAdministrator: "e8611ab8-c189-46e8-94e1-60213ab1f814",
  globalReader: "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
  authenticationPolicyAdministrator: "0526716b-113d-4c15-b2c8-68e3c22b9f80",
  authenticationAdministrator: "c4e39bd9-1100-46d3-8c65-fb160da0071f",
  privilegedAuthenticationAdministrator: "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
} as const;

/** Dataverse security role templates (identical in every org, whatever the org's language). */
export const DATAVERSE_ROLE_TEMPLATES = {
  systemAdministrator: "627090ff-40a3-4053-8790-584edc5be201",
} as const;

/** Dataverse `systemuser.accessmode` of an application user: Non-interactive. */
export const APPLICATION_USER_ACCESS_MODE = 4;
