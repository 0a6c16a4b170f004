/**
 * zod schemas for every Microsoft payload we read. The boundary cuts both ways: a response that does not have the
 * shape we rely on fails loudly at the edge (with the field path), instead of as `undefined` three steps later.
 * Unknown fields are dropped; optional Microsoft fields are nullable because Graph writes `null` for unset values.
 */
import { z } from "zod";

/** Microsoft GUIDs (not all are RFC 4122 v4: `00000007-0000-0000-c000-000000000000`). */
export const guidSchema = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, "must be a GUID")
  .transform((s) => s.toLowerCase());

const maybeString = z
  .string()
  .nullish()
  .transform((v) => v ?? null);

/** An OData collection page (Graph, Dataverse and the Global Discovery Service all use it). */
const collections = new WeakMap<z.ZodTypeAny, z.ZodTypeAny>();

/** Built once per item schema: building a zod schema costs more than parsing a page with it, and lists are read per call. */
export function collectionSchema<T extends z.ZodTypeAny>(item: T) {
  const built = () => z.object({ value: z.array(item), "@odata.nextLink": z.string().optional() });
  let schema = collections.get(item) as ReturnType<typeof built> | undefined;
  if (!schema) collections.set(item, (schema = built()));
  return schema;
}

// ---------------------------------------------------------------- Microsoft Graph

/** A certificate on an application; `key` (base64 DER) only when one application is read with `$select=keyCredentials`. */
export const graphKeyCredentialSchema = z.object({
  keyId: guidSchema,
  displayName: maybeString,
  customKeyIdentifier: maybeString,
  type: maybeString,
  usage: maybeString,
  startDateTime: maybeString,
  endDateTime: maybeString,
  key: maybeString,
});

export const graphApplicationSchema = z.object({
  id: guidSchema,
  appId: guidSchema,
  displayName: z.string(),
  createdDateTime: maybeString,
  tags: z
    .array(z.string())
    .nullish()
    .transform((v) => v ?? []),
  signInAudience: maybeString,
  isFallbackPublicClient: z
    .boolean()
    .nullish()
    .transform((v) => v ?? false),
  web: z
    .object({
      redirectUris: z.array(z.string()).nullish(),
      implicitGrantSettings: z.object({ enableIdTokenIssuance: z.boolean().nullish(), enableAccessTokenIssuance: z.boolean().nullish() }).nullish(),
    })
    .nullish(),
  passwordCredentials: z
    .array(z.object({ keyId: guidSchema, displayName: maybeString, hint: maybeString, endDateTime: maybeString }))
    .nullish()
    .transform((v) => v ?? []),
  requiredResourceAccess: z
    .array(z.object({ resourceAppId: z.string(), resourceAccess: z.array(z.object({ id: z.string(), type: z.string() })) }))
    .nullish()
    .transform((v) => v ?? []),
  keyCredentials: z
    .array(z.lazy(() => graphKeyCredentialSchema))
    .nullish()
    .transform((v) => v ?? []),
});
export type GraphApplication = z.infer<typeof graphApplicationSchema>;

export const graphPasswordCredentialSchema = z.object({
  keyId: guidSchema,
  secretText: z.string().min(1),
  hint: maybeString,
  displayName: maybeString,
  endDateTime: z.string(),
});

export const graphServicePrincipalSchema = z.object({
  id: guidSchema,
  appId: guidSchema,
  displayName: maybeString,
  appOwnerOrganizationId: z
    .string()
    .nullish()
    .transform((v) => v ?? null),
  oauth2PermissionScopes: z
    .array(z.object({ id: z.string(), value: z.string().nullish() }))
    .nullish()
    .transform((v) => v ?? []),
});
export type GraphServicePrincipal = z.infer<typeof graphServicePrincipalSchema>;

export const graphPermissionGrantSchema = z.object({
  id: z.string().min(1),
  clientId: guidSchema,
  consentType: z.string(),
  principalId: z
    .string()
    .nullish()
    .transform((v) => v ?? null),
  resourceId: guidSchema,
  scope: z
    .string()
    .nullish()
    .transform((v) => v ?? ""),
});
export type GraphPermissionGrant = z.infer<typeof graphPermissionGrantSchema>;

export const graphMeSchema = z.object({
  id: guidSchema,
  userPrincipalName: z.string(),
  displayName: maybeString,
  mail: maybeString,
});

export const graphOrganizationSchema = z.object({
  id: guidSchema,
  displayName: maybeString,
  verifiedDomains: z
    .array(z.object({ name: z.string(), isDefault: z.boolean().nullish(), isInitial: z.boolean().nullish() }))
    .nullish()
    .transform((v) => v ?? []),
});

/** One role a principal may activate in Privileged Identity Management (unifiedRoleEligibilityScheduleInstance). */
export const graphRoleEligibilityInstanceSchema = z.object({
  roleDefinitionId: z.string().min(1),
  directoryScopeId: z.string().nullish(),
});

export const graphDirectoryObjectSchema = z.object({
  "@odata.type": z.string().optional(),
  id: z.string(),
  displayName: maybeString,
  roleTemplateId: maybeString,
});

export const graphAuthenticationRequirementsSchema = z.object({ perUserMfaState: z.string() });

export const graphSecurityDefaultsSchema = z.object({ isEnabled: z.boolean() });

const idList = z
  .array(z.string())
  .nullish()
  .transform((v) => v ?? []);

/** The parts of a Conditional Access policy that decide whether it asks an integration user's password sign-in for MFA. */
export const graphConditionalAccessPolicySchema = z.object({
  id: z.string().min(1),
  displayName: z.string().nullish(),
  state: z.string(),
  conditions: z
    .object({
      users: z
        .object({
          includeUsers: idList,
          excludeUsers: idList,
          includeGroups: idList,
          excludeGroups: idList,
          includeRoles: idList,
          excludeRoles: idList,
        })
        .nullish(),
      applications: z.object({ includeApplications: idList, excludeApplications: idList }).nullish(),
      clientAppTypes: idList,
    })
    .nullish(),
  grantControls: z.object({ builtInControls: idList, authenticationStrength: z.object({ id: z.string() }).passthrough().nullish() }).nullish(),
});

// ---------------------------------------------------------------- Dataverse Web API

export const whoAmISchema = z.object({ BusinessUnitId: guidSchema, UserId: guidSchema, OrganizationId: guidSchema });

export const businessUnitSchema = z.object({ businessunitid: guidSchema, name: z.string() });

export const roleSchema = z.object({
  roleid: guidSchema,
  name: z.string(),
  _businessunitid_value: z
    .string()
    .nullish()
    .transform((v) => v?.toLowerCase() ?? null),
  _roletemplateid_value: z
    .string()
    .nullish()
    .transform((v) => v?.toLowerCase() ?? null),
});
export type DataverseRoleRow = z.infer<typeof roleSchema>;

export const privilegeSchema = z.object({ privilegeid: guidSchema, name: z.string() });

/** Depth comes back as the enum name ("Global") or its number, depending on annotations. */
const depthSchema = z.union([z.string(), z.number()]);

export const rolePrivilegesResponseSchema = z.object({
  RolePrivileges: z.array(z.object({ PrivilegeId: guidSchema, Depth: depthSchema, PrivilegeName: z.string().nullish() })),
});

export const teamSchema = z.object({ teamid: guidSchema });

const credentialRestrictionSchema = z.object({
  restrictionType: z.string().nullish(),
  maxLifetime: z.string().nullish(),
  state: z.string().nullish(),
});

/** `tenantAppManagementPolicy` (the default) and `appManagementPolicy` (assigned to apps), as far as secrets go. */
export const appManagementPolicySchema = z.object({
  isEnabled: z.boolean().nullish(),
  applicationRestrictions: z.object({ passwordCredentials: z.array(credentialRestrictionSchema).nullish() }).nullish(),
  restrictions: z.object({ passwordCredentials: z.array(credentialRestrictionSchema).nullish() }).nullish(),
});

export const systemUserSchema = z.object({
  systemuserid: guidSchema,
  applicationid: z
    .string()
    .nullish()
    .transform((v) => v?.toLowerCase() ?? null),
  fullname: maybeString,
  isdisabled: z
    .boolean()
    .nullish()
    .transform((v) => v ?? false),
  _businessunitid_value: z
    .string()
    .nullish()
    .transform((v) => v?.toLowerCase() ?? null),
  /** 0 = live; anything else = soft-deleted (Dataverse keeps deleted users until purged). */
  deletedstate: z
    .number()
    .nullish()
    .transform((v) => v ?? 0),
  systemuserroles_association: z.array(roleSchema).optional(),
});
export type DataverseSystemUserRow = z.infer<typeof systemUserSchema>;

// ---------------------------------------------------------------- Global Discovery Service

export const discoveryInstanceSchema = z.object({
  Id: guidSchema,
  EnvironmentId: z
    .string()
    .nullish()
    .transform((v) => v ?? null),
  FriendlyName: z
    .string()
    .nullish()
    .transform((v) => v ?? ""),
  UniqueName: z.string(),
  UrlName: maybeString,
  Url: z.string(),
  ApiUrl: z.string(),
  Region: maybeString,
  Version: maybeString,
  State: z.number(),
  IsUserSysAdmin: z
    .boolean()
    .nullish()
    .transform((v) => v ?? false),
});
