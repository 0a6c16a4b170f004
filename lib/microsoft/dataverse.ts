import "server-only";
import { z } from "zod";
import { APPLICATION_USER_ACCESS_MODE } from "./constants";
import { isMicrosoftError, MicrosoftError } from "./errors";
import type { WebApiVersion } from "./web-api-version";
import {
  microsoftFetch,
  sameOriginLink,
  type Replay,
  type CallSettings,
  type MicrosoftFetchOptions,
  type MicrosoftResponse,
  callOptions,
} from "./http";
import {
  businessUnitSchema,
  collectionSchema,
  guidSchema,
  privilegeSchema,
  rolePrivilegesResponseSchema,
  roleSchema,
  systemUserSchema,
  teamSchema,
  whoAmISchema,
  type DataverseRoleRow,
  type DataverseSystemUserRow,
} from "./schemas";

/**
 * The Dataverse Web API of one environment, in our words: who am I, the root business unit, security roles and
 * their privileges, and the application user that lets the Act-On app in. Wire details (OData headers, unquoted GUID
 * filters, `OData-EntityId`, `$ref` associations) stay in here.
 */

/**
 * A bearer token for each call, or (Windows sign-in on an on-premises server) none: NTLM signed the transport's one
 * kept-alive connection in, and every call goes over it.
 */
type DataverseAuth = { getToken: () => Promise<string>; connectionSignedIn?: never } | { connectionSignedIn: true; getToken?: never };

export type DataverseContext = CallSettings &
  DataverseAuth & {
    /** The environment URL (`https://org.crm.dynamics.com`, sandbox `{origin}/dynamics/{urlName}`), already allow-listed. */
    environmentUrl: string;
    /** Web API version; cloud orgs 9.2, on-premises the one found when connecting (9.2 down to 8.2). Default 9.2. */
    apiVersion?: WebApiVersion;
  };

export type WhoAmI = { userId: string; businessUnitId: string; organizationId: string };
export type BusinessUnit = { businessUnitId: string; name: string };
export type SecurityRole = { roleId: string; name: string; businessUnitId: string | null; templateId: string | null };
export type Privilege = { privilegeId: string; name: string };
export type PrivilegeDepth = "Basic" | "Local" | "Deep" | "Global";
export type RolePrivilege = { privilegeId: string; name: string | null; depth: PrivilegeDepth };
export type ApplicationUser = {
  systemUserId: string;
  appId: string;
  fullName: string | null;
  isDisabled: boolean;
  businessUnitId: string | null;
  roles: SecurityRole[];
};

// ---------------------------------------------------------------- transport

const ROLE_SELECT = "roleid,name,_businessunitid_value,_roletemplateid_value";
const USER_SELECT = "systemuserid,applicationid,fullname,isdisabled,deletedstate,_businessunitid_value";

function apiBase(ctx: DataverseContext): string {
  return `${ctx.environmentUrl.replace(/\/+$/, "")}/api/data/v${ctx.apiVersion ?? "9.2"}`;
}

/** OData wants `%20` for spaces; `$`, `(`, `)`, `,`, `'` and `=` stay readable. */
function queryString(query: Record<string, string> | undefined): string {
  if (!query) return "";
  const enc = (v: string) =>
    encodeURIComponent(v).replace(/%24/g, "$").replace(/%2C/gi, ",").replace(/%3D/gi, "=").replace(/%28/g, "(").replace(/%29/g, ")");
  const parts = Object.entries(query).map(([k, v]) => `${k}=${enc(v)}`);
  return parts.length ? `?${parts.join("&")}` : "";
}

type DataverseCall<T> = {
  method: MicrosoftFetchOptions<T>["method"];
  /** Relative to the Web API base, e.g. `/WhoAmI`; or an absolute `@odata.nextLink`. */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  replay: Replay;
  schema?: z.ZodType<T>;
  justCreated?: boolean;
  headers?: Record<string, string>;
  /**
   * Read-after-write: security role, privilege and role-membership reads are served from a cache (about 30 s) unless
   * the request asks for `Consistency: Strong`. Only reads that must see the engine's own writes ask for it.
   */
  strong?: boolean;
};

async function dataverseCall<T>(ctx: DataverseContext, call: DataverseCall<T>): Promise<MicrosoftResponse<T>> {
  // An absolute path is a paging link: the token goes with it only to this environment's origin.
  const url = /^[a-z][a-z0-9+.-]*:/i.test(call.path)
    ? sameOriginLink("dataverse", apiBase(ctx), call.path)
    : `${apiBase(ctx)}${call.path}${queryString(call.query)}`;
  return microsoftFetch<T>({
    service: "dataverse",
    method: call.method,
    url,
    ...(ctx.getToken ? { token: await ctx.getToken() } : {}),
    body: call.body,
    headers: {
      "odata-maxversion": "4.0",
      "odata-version": "4.0",
      ...(call.strong ? { consistency: "Strong" } : {}),
      ...call.headers,
    },
    replay: call.replay,
    schema: call.schema,
    justCreated: call.justCreated,
    ...callOptions(ctx),
  });
}

const MAX_PAGES = 20;

async function dataverseList<T extends z.ZodTypeAny>(
  ctx: DataverseContext,
  path: string,
  item: T,
  query?: Record<string, string>,
  strong = false,
): Promise<z.infer<T>[]> {
  const schema = collectionSchema(item);
  let res = await dataverseCall(ctx, { method: "GET", path, query, replay: "safe", schema, strong });
  const items: z.infer<T>[] = [...res.data.value];
  for (let page = 1; res.data["@odata.nextLink"] && page < MAX_PAGES; page++) {
    res = await dataverseCall(ctx, { method: "GET", path: res.data["@odata.nextLink"], replay: "safe", schema, strong });
    items.push(...res.data.value);
  }
  return items;
}

function requireGuid(value: string, what: string): string {
  const parsed = guidSchema.safeParse(value);
  if (!parsed.success) throw new TypeError(`${what} must be a GUID`);
  return parsed.data;
}

/** A string literal for `$filter` (a single quote is doubled). GUIDs are written bare. */
function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** The id a 204 create answers with: the last `(guid)` of `OData-EntityId`. */
function parseEntityId(header: string | null): string | null {
  const m = header ? /\(([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\)\s*$/.exec(header) : null;
  return m ? m[1].toLowerCase() : null;
}

function createdId(res: MicrosoftResponse<unknown>, key: string): string {
  const fromHeader = parseEntityId(res.headers.get("odata-entityid"));
  const fromBody = res.data && typeof res.data === "object" ? (res.data as Record<string, unknown>)[key] : undefined;
  const id = fromHeader ?? (typeof fromBody === "string" ? fromBody.toLowerCase() : null);
  if (id) return id;
  throw new MicrosoftError({
    service: "dataverse",
    status: res.status,
    requestIds: res.requestIds,
    appError: {
      code: "upstream_unavailable",
      userMessage: "Dynamics 365 answered in a way we did not expect. Contact Act-On support and quote the reference below.",
      detail: `create answered ${res.status} without OData-EntityId or ${key}; request ids ${res.requestIds.join(", ")}`,
      retryable: false,
      requestIds: res.requestIds,
    },
  });
}

// ---------------------------------------------------------------- mappers

const toRole = (r: DataverseRoleRow): SecurityRole => ({
  roleId: r.roleid,
  name: r.name,
  businessUnitId: r._businessunitid_value,
  templateId: r._roletemplateid_value,
});

const toApplicationUser = (u: DataverseSystemUserRow): ApplicationUser => ({
  systemUserId: u.systemuserid,
  appId: u.applicationid ?? "",
  fullName: u.fullname,
  isDisabled: u.isdisabled,
  businessUnitId: u._businessunitid_value,
  roles: (u.systemuserroles_association ?? []).map(toRole),
});

const DEPTHS: PrivilegeDepth[] = ["Basic", "Local", "Deep", "Global"];

function toDepth(value: string | number): PrivilegeDepth {
  if (typeof value === "number" || /^\d$/.test(value)) return DEPTHS[Number(value)] ?? "Basic";
  return DEPTHS.find((d) => d.toLowerCase() === value.toLowerCase()) ?? "Basic";
}

// ---------------------------------------------------------------- verbs

/** Asks the environment who the caller is (the cheapest authenticated call; verifies a connection). @throws MicrosoftError */
export async function whoAmI(ctx: DataverseContext, options: { justCreated?: boolean } = {}): Promise<WhoAmI> {
  const res = await dataverseCall(ctx, { method: "GET", path: "/WhoAmI", replay: "safe", schema: whoAmISchema, justCreated: options.justCreated });
  return { userId: res.data.UserId, businessUnitId: res.data.BusinessUnitId, organizationId: res.data.OrganizationId };
}

/** Finds the environment's root business unit (the one without a parent). @throws MicrosoftError */
export async function findRootBusinessUnit(ctx: DataverseContext): Promise<BusinessUnit> {
  const rows = await dataverseList(ctx, "/businessunits", businessUnitSchema, {
    $select: "businessunitid,name",
    $filter: "_parentbusinessunitid_value eq null",
  });
  const root = rows[0];
  if (!root) {
    throw new MicrosoftError({
      service: "dataverse",
      operation: "GET /businessunits",
      appError: {
        code: "not_found",
        userMessage: "We could not find the root business unit of this Dynamics 365 environment. Check that your account can read business units.",
        detail: "no business unit without a parent was returned",
        retryable: false,
      },
    });
  }
  return { businessUnitId: root.businessunitid, name: root.name };
}

/** Finds a role by its template (locale-independent, e.g. System Administrator) in a business unit. @throws MicrosoftError */
export async function findRoleByTemplateId(
  ctx: DataverseContext,
  options: { templateId: string; businessUnitId: string },
): Promise<SecurityRole | null> {
  const templateId = requireGuid(options.templateId, "templateId");
  const bu = requireGuid(options.businessUnitId, "businessUnitId");
  const rows = await dataverseList(ctx, "/roles", roleSchema, {
    $select: ROLE_SELECT,
    $filter: `_roletemplateid_value eq ${templateId} and _businessunitid_value eq ${bu}`,
  });
  return rows[0] ? toRole(rows[0]) : null;
}

/** Finds a role by exact name in a business unit (roles are copied per business unit). @throws MicrosoftError */
export async function findRoleByName(ctx: DataverseContext, options: { name: string; businessUnitId: string }): Promise<SecurityRole | null> {
  const bu = requireGuid(options.businessUnitId, "businessUnitId");
  const rows = await dataverseList(
    ctx,
    "/roles",
    roleSchema,
    {
      $select: ROLE_SELECT,
      $filter: `name eq ${odataString(options.name)} and _businessunitid_value eq ${bu}`,
    },
    true,
  );
  const exact = rows.filter((r) => r.name === options.name);
  return exact[0] ? toRole(exact[0]) : null;
}

/** Creates a custom security role in a business unit and returns its id. Never replayed. @throws MicrosoftError */
export async function createRole(
  ctx: DataverseContext,
  options: { name: string; businessUnitId: string; description?: string },
): Promise<SecurityRole> {
  const bu = requireGuid(options.businessUnitId, "businessUnitId");
  const res = await dataverseCall(ctx, {
    method: "POST",
    path: "/roles",
    replay: "onlyIfThrottled",
    body: {
      name: options.name,
      "businessunitid@odata.bind": `/businessunits(${bu})`,
      ...(options.description ? { description: options.description } : {}),
    },
  });
  return { roleId: createdId(res, "roleid"), name: options.name, businessUnitId: bu, templateId: null };
}

/** Looks up privileges by name (e.g. `prvReadLead`); names not found are simply absent from the result. @throws MicrosoftError */
export async function findPrivilegesByName(ctx: DataverseContext, options: { names: string[] }): Promise<Privilege[]> {
  const names = [...new Set(options.names)];
  const chunks: string[][] = [];
  // Keep each URL short: 20 names per request; the requests are independent reads, so they go together.
  for (let i = 0; i < names.length; i += 20) chunks.push(names.slice(i, i + 20));
  const pages = await Promise.all(
    chunks.map((chunk) =>
      dataverseList(ctx, "/privileges", privilegeSchema, {
        $select: "privilegeid,name",
        $filter: chunk.map((n) => `name eq ${odataString(n)}`).join(" or "),
      }),
    ),
  );
  return pages.flat().map((r) => ({ privilegeId: r.privilegeid, name: r.name }));
}

/** Adds (or re-levels) privileges on a role with `AddPrivilegesRole`; idempotent. @throws MicrosoftError */
export async function addPrivilegesToRole(
  ctx: DataverseContext,
  options: { roleId: string; privileges: { privilegeId: string; depth: PrivilegeDepth }[] },
): Promise<void> {
  const roleId = requireGuid(options.roleId, "roleId");
  if (options.privileges.length === 0) return;
  await dataverseCall(ctx, {
    method: "POST",
    path: `/roles(${roleId})/Microsoft.Dynamics.CRM.AddPrivilegesRole`,
    // Setting the same privileges at the same depth twice changes nothing, so a replay is safe.
    replay: "safe",
    body: { Privileges: options.privileges.map((p) => ({ PrivilegeId: requireGuid(p.privilegeId, "privilegeId"), Depth: p.depth })) },
  });
}

/** Lists a role's privileges with their depth (`RetrieveRolePrivilegesRole`). @throws MicrosoftError */
export async function listRolePrivileges(ctx: DataverseContext, options: { roleId: string }): Promise<RolePrivilege[]> {
  const roleId = requireGuid(options.roleId, "roleId");
  const res = await dataverseCall(ctx, {
    method: "GET",
    path: "/RetrieveRolePrivilegesRole(RoleId=@p1)",
    query: { "@p1": roleId },
    replay: "safe",
    schema: rolePrivilegesResponseSchema,
    strong: true,
  });
  return res.data.RolePrivileges.map((p) => ({ privilegeId: p.PrivilegeId, name: p.PrivilegeName ?? null, depth: toDepth(p.Depth) }));
}

export type HeldPrivilege = { name: string; depth: PrivilegeDepth };

/**
 * The named privileges a user holds, at the deepest depth any of their roles grants: through their own security roles
 * and the roles of the teams they belong to (`RetrieveUserSetOfPrivilegesByNames`). Names the user does not hold are
 * absent. @throws MicrosoftError
 */
export async function findUserPrivilegesByName(ctx: DataverseContext, options: { systemUserId: string; names: string[] }): Promise<HeldPrivilege[]> {
  const systemUserId = requireGuid(options.systemUserId, "systemUserId");
  const names = [...new Set(options.names)];
  const held = new Map<string, HeldPrivilege>();
  // Keep each URL well under Dataverse's limit: 30 names (about 1 KB encoded) per request, so the connector's fit in one.
  for (let i = 0; i < names.length; i += 30) {
    const res = await dataverseCall(ctx, {
      method: "GET",
      path: `/systemusers(${systemUserId})/Microsoft.Dynamics.CRM.RetrieveUserSetOfPrivilegesByNames(PrivilegeNames=@p)`,
      query: { "@p": JSON.stringify(names.slice(i, i + 30)) },
      replay: "safe",
      schema: rolePrivilegesResponseSchema,
    });
    for (const p of res.data.RolePrivileges) {
      if (!p.PrivilegeName) continue;
      const depth = toDepth(p.Depth);
      const key = p.PrivilegeName.toLowerCase();
      const before = held.get(key);
      if (!before || DEPTHS.indexOf(depth) > DEPTHS.indexOf(before.depth)) held.set(key, { name: p.PrivilegeName, depth });
    }
  }
  return [...held.values()];
}

/** Every systemuser row of an Entra app, soft-deleted ones included. @throws MicrosoftError */
async function listApplicationUserRows(ctx: DataverseContext, appId: string): Promise<DataverseSystemUserRow[]> {
  return dataverseList(
    ctx,
    "/systemusers",
    systemUserSchema,
    {
      $select: USER_SELECT,
      // GUIDs are unquoted in Dataverse filters (contract §7.13).
      $filter: `applicationid eq ${appId}`,
      $expand: `systemuserroles_association($select=${ROLE_SELECT})`,
    },
    true,
  );
}

/**
 * Finds the live application user of an Entra app (by client id), with its roles. Soft-deleted rows
 * (`deletedstate` ≠ 0) are ignored, as Microsoft's Terraform provider does. @throws MicrosoftError
 */
export async function findApplicationUser(ctx: DataverseContext, options: { appId: string; justCreated?: boolean }): Promise<ApplicationUser | null> {
  const appId = requireGuid(options.appId, "appId");
  const live = (await listApplicationUserRows(ctx, appId)).filter((u) => u.deletedstate === 0);
  return live[0] ? toApplicationUser(live[0]) : null;
}

/** Permanently deletes a soft-deleted systemuser: Dataverse purges on the second DELETE (404 = already purged). */
async function purgeSystemUser(ctx: DataverseContext, systemUserId: string): Promise<void> {
  for (let i = 0; i < 2; i++) {
    try {
      await dataverseCall(ctx, { method: "DELETE", path: `/systemusers(${systemUserId})`, replay: "safe" });
    } catch (e) {
      if (isMicrosoftError(e, "not_found")) return;
      throw e;
    }
  }
}

async function postApplicationUser(ctx: DataverseContext, appId: string, bu: string, justCreated: boolean | undefined): Promise<ApplicationUser> {
  const res = await dataverseCall(ctx, {
    method: "POST",
    path: "/systemusers",
    replay: "onlyIfThrottled",
    justCreated,
    body: {
      applicationid: appId,
      "businessunitid@odata.bind": `/businessunits(${bu})`,
      accessmode: APPLICATION_USER_ACCESS_MODE,
      isdisabled: false,
    },
  });
  return { systemUserId: createdId(res, "systemuserid"), appId, fullName: null, isDisabled: false, businessUnitId: bu, roles: [] };
}

/**
 * Creates the application user for an Entra app in a business unit, or returns the existing live one. A create
 * refused because of a soft-deleted row for the same app is handled as Microsoft's Terraform provider does: the
 * deleted rows are purged and the create is made once more. @throws MicrosoftError
 */
export async function createApplicationUser(
  ctx: DataverseContext,
  options: { appId: string; businessUnitId: string; justCreated?: boolean },
): Promise<ApplicationUser> {
  const appId = requireGuid(options.appId, "appId");
  const bu = requireGuid(options.businessUnitId, "businessUnitId");
  try {
    return await postApplicationUser(ctx, appId, bu, options.justCreated);
  } catch (e) {
    // Throttled, unavailable or lagging: the caller retries later; anything else may be a conflict with a row.
    if (!(e instanceof MicrosoftError) || e.appError.retryable) throw e;
    const rows = await listApplicationUserRows(ctx, appId);
    const live = rows.find((u) => u.deletedstate === 0);
    // 412 0x80040237: one application user per app per environment; it is there already (an earlier attempt landed).
    if (live) return toApplicationUser(live);
    const deleted = rows.filter((u) => u.deletedstate !== 0);
    if (deleted.length === 0) throw e;
    for (const row of deleted) await purgeSystemUser(ctx, row.systemuserid);
    return postApplicationUser(ctx, appId, bu, options.justCreated);
  }
}

/** Gives a user a security role; a role already held counts as given. @throws MicrosoftError */
export async function assignRoleToUser(
  ctx: DataverseContext,
  options: { systemUserId: string; roleId: string; justCreated?: boolean },
): Promise<void> {
  const systemUserId = requireGuid(options.systemUserId, "systemUserId");
  const roleId = requireGuid(options.roleId, "roleId");
  try {
    await dataverseCall(ctx, {
      method: "POST",
      path: `/systemusers(${systemUserId})/systemuserroles_association/$ref`,
      // Associating twice is harmless (answered as a duplicate below), so a replay is safe.
      replay: "safe",
      justCreated: options.justCreated,
      body: { "@odata.id": `${apiBase(ctx)}/roles(${roleId})` },
    });
  } catch (e) {
    if (isMicrosoftError(e, "conflict")) return;
    throw e;
  }
}

/** Lists the security roles a user holds. @throws MicrosoftError */
export async function listUserRoles(ctx: DataverseContext, options: { systemUserId: string }): Promise<SecurityRole[]> {
  const systemUserId = requireGuid(options.systemUserId, "systemUserId");
  const rows = await dataverseList(ctx, `/systemusers(${systemUserId})/systemuserroles_association`, roleSchema, { $select: ROLE_SELECT }, true);
  return rows.map(toRole);
}

/**
 * Lists the security roles a user holds through the teams they belong to (owner teams and Microsoft Entra group
 * teams both carry roles that apply to their members). @throws MicrosoftError
 */
export async function listUserTeamRoles(ctx: DataverseContext, options: { systemUserId: string }): Promise<SecurityRole[]> {
  const systemUserId = requireGuid(options.systemUserId, "systemUserId");
  const teams = await dataverseList(ctx, `/systemusers(${systemUserId})/teammembership_association`, teamSchema, { $select: "teamid" }, true);
  const perTeam = await Promise.all(
    teams.map((t) => dataverseList(ctx, `/teams(${t.teamid})/teamroles_association`, roleSchema, { $select: ROLE_SELECT }, true)),
  );
  return perTeam.flat().map(toRole);
}

/** Takes a security role away from a user; a role not held counts as taken away. @throws MicrosoftError */
export async function removeRoleFromUser(ctx: DataverseContext, options: { systemUserId: string; roleId: string }): Promise<void> {
  const systemUserId = requireGuid(options.systemUserId, "systemUserId");
  const roleId = requireGuid(options.roleId, "roleId");
  try {
    await dataverseCall(ctx, { method: "DELETE", path: `/systemusers(${systemUserId})/systemuserroles_association(${roleId})/$ref`, replay: "safe" });
  } catch (e) {
    if (isMicrosoftError(e, "not_found")) return;
    throw e;
  }
}

/** Removes one privilege the role holds (`RemovePrivilegeRole`). @throws MicrosoftError */
export async function removePrivilegeFromRole(ctx: DataverseContext, options: { roleId: string; privilegeId: string }): Promise<void> {
  const roleId = requireGuid(options.roleId, "roleId");
  const privilegeId = requireGuid(options.privilegeId, "privilegeId");
  await dataverseCall(ctx, {
    method: "POST",
    path: `/roles(${roleId})/Microsoft.Dynamics.CRM.RemovePrivilegeRole`,
    replay: "safe",
    body: { PrivilegeId: privilegeId },
  });
}

/** Reads one systemuser by id; null when there is no live row with that id. @throws MicrosoftError */
export async function getApplicationUserById(ctx: DataverseContext, options: { systemUserId: string }): Promise<ApplicationUser | null> {
  const systemUserId = requireGuid(options.systemUserId, "systemUserId");
  try {
    const res = await dataverseCall(ctx, {
      method: "GET",
      path: `/systemusers(${systemUserId})`,
      query: { $select: USER_SELECT },
      replay: "safe",
      schema: systemUserSchema,
      strong: true,
    });
    return res.data.deletedstate === 0 ? toApplicationUser(res.data) : null;
  } catch (e) {
    if (isMicrosoftError(e, "not_found")) return null;
    throw e;
  }
}

/**
 * Disables an application user (the reversible way to cut Act-On off). A 404 counts as done only after a re-read
 * shows no live row with that id and (given `appId`) no other live application user for the app. @throws MicrosoftError
 */
export async function disableApplicationUser(
  ctx: DataverseContext,
  options: { systemUserId: string; appId?: string | null },
): Promise<"disabled" | "alreadyGone"> {
  try {
    await setApplicationUserDisabled(ctx, options.systemUserId, true);
    return "disabled";
  } catch (e) {
    if (!isMicrosoftError(e, "not_found")) throw e;
    const row = await getApplicationUserById(ctx, { systemUserId: options.systemUserId });
    if (row && !row.isDisabled) throw e;
    if (options.appId) {
      const other = await findApplicationUser(ctx, { appId: options.appId });
      if (other && !other.isDisabled) {
        throw new MicrosoftError({
          service: "dataverse",
          operation: `PATCH /systemusers(${options.systemUserId})`,
          status: e.status,
          requestIds: e.requestIds,
          appError: {
            ...e.appError,
            code: "conflict",
            userMessage:
              "The app has another, enabled application user in this environment. Disable it in Power Platform admin center (Environments › Settings › Application users).",
            retryable: false,
          },
        });
      }
    }
    return "alreadyGone";
  }
}

/** Enables an application user again (reconnecting after a disconnect that disabled it). @throws MicrosoftError */
export async function enableApplicationUser(ctx: DataverseContext, options: { systemUserId: string; appId?: string | null }): Promise<void> {
  await setApplicationUserDisabled(ctx, options.systemUserId, false);
}

async function setApplicationUserDisabled(ctx: DataverseContext, id: string, isdisabled: boolean): Promise<void> {
  const systemUserId = requireGuid(id, "systemUserId");
  await dataverseCall(ctx, {
    method: "PATCH",
    path: `/systemusers(${systemUserId})`,
    // Setting a fixed value is idempotent, so a replay is safe.
    replay: "safe",
    // Update only: without If-Match a PATCH to a missing id would create (upsert) a systemuser.
    headers: { "if-match": "*" },
    body: { isdisabled },
  });
}

const ENTITY_SET_NAME = /^[a-z][a-z0-9_]*$/;

/**
 * Reads at most one row of a table (its key column only): proves the caller may read it. A missing privilege throws
 * `insufficient_privileges`. @throws MicrosoftError
 */
export async function readFirstRow(ctx: DataverseContext, options: { entitySet: string; key: string }): Promise<{ found: boolean }> {
  if (!ENTITY_SET_NAME.test(options.entitySet) || !ENTITY_SET_NAME.test(options.key))
    throw new Error(`dataverse: bad table name ${options.entitySet}`);
  const res = await dataverseCall(ctx, {
    method: "GET",
    path: `/${options.entitySet}`,
    query: { $select: options.key, $top: "1" },
    replay: "safe",
    schema: collectionSchema(z.record(z.string(), z.unknown())),
  });
  return { found: res.data.value.length > 0 };
}

// ---------------------------------------------------------------- audit history

/** A change Dataverse's audit history records on a user, in our words. */
type UserAuditChange = {
  kind: "disabled" | "enabled" | "deleted" | "roleAdded" | "roleRemoved";
  /** ISO date-time of the audit row (`createdon`, UTC). */
  at: string;
  /** The `systemuserid` of who made the change, and their full name where that user can still be read. */
  byUserId: string;
  byName: string | null;
  /** Role changes: the role given or taken. */
  roleId?: string;
};
/** `off`: the organization's `isauditenabled` is false, so there is no history to read. */
export type UserAuditHistory = { auditing: "on" | "off" | "unknown"; changes: UserAuditChange[] };

/** Microsoft's `action` option values on `audit`. */
const AUDIT_ACTION = { update: 2, delete: 3, associate: 33, disassociate: 34 } as const;
/** How many audit rows are read, and how many of them get their details: a repair plan reads this inside a request. */
const AUDIT_ROWS = 10;
const AUDIT_DETAILS = 5;

const auditRowSchema = z.object({ auditid: guidSchema, action: z.number(), createdon: z.string(), _userid_value: guidSchema.nullish() });
const auditDetailsSchema = z.object({
  AuditDetail: z
    .object({
      "@odata.type": z.string().optional(),
      NewValue: z.record(z.string(), z.unknown()).nullish(),
      TargetRecords: z.array(z.record(z.string(), z.unknown())).nullish(),
    })
    .passthrough(),
});

/**
 * Who disabled, enabled or deleted a user, or gave or took its security roles, newest first, from the environment's
 * audit history: `audits` filtered to the user, each Update's and (dis)association's RetrieveAuditDetails (the
 * documented way to see which column changed or which role), and the names of who did it. The caller needs the audit
 * privileges (prvReadAuditSummary and, for the details, prvReadRecordAuditHistory and prvReadAuditPartitions), which a
 * System Administrator holds. @throws MicrosoftError when the audit history cannot be read (refused, throttled).
 */
export async function readUserAuditHistory(ctx: DataverseContext, options: { systemUserId: string }): Promise<UserAuditHistory> {
  const systemUserId = requireGuid(options.systemUserId, "systemUserId");
  const [org, audits] = await Promise.allSettled([
    dataverseCall(ctx, {
      method: "GET",
      path: "/organizations",
      query: { $select: "isauditenabled" },
      replay: "safe",
      schema: collectionSchema(z.object({ isauditenabled: z.boolean().nullish() })),
    }),
    dataverseCall(ctx, {
      method: "GET",
      path: "/audits",
      query: {
        $select: "auditid,action,createdon,_userid_value",
        $filter: `_objectid_value eq ${systemUserId} and (${Object.values(AUDIT_ACTION)
          .map((a) => `action eq ${a}`)
          .join(" or ")})`,
        $orderby: "createdon desc",
        $top: String(AUDIT_ROWS),
      },
      replay: "safe",
      schema: collectionSchema(auditRowSchema),
    }),
  ]);
  const enabled = org.status === "fulfilled" ? org.value.data.value[0]?.isauditenabled : undefined;
  if (enabled === false) return { auditing: "off", changes: [] };
  if (audits.status === "rejected") throw audits.reason;
  const rows = audits.value.data.value.filter((r) => r._userid_value);
  const detailed = new Set(
    rows
      .filter((r) => r.action !== AUDIT_ACTION.delete)
      .slice(0, AUDIT_DETAILS)
      .map((r) => r.auditid),
  );
  const changes = await Promise.all(
    rows.map(async (row): Promise<Omit<UserAuditChange, "byName"> | null> => {
      const base = { at: row.createdon, byUserId: row._userid_value! };
      if (row.action === AUDIT_ACTION.delete) return { ...base, kind: "deleted" };
      if (!detailed.has(row.auditid)) return null;
      const res = await dataverseCall(ctx, {
        method: "GET",
        path: `/audits(${row.auditid})/Microsoft.Dynamics.CRM.RetrieveAuditDetails`,
        replay: "safe",
        schema: auditDetailsSchema,
      });
      const detail = res.data.AuditDetail;
      if (row.action === AUDIT_ACTION.update) {
        const disabled = detail.NewValue?.isdisabled;
        return typeof disabled === "boolean" ? { ...base, kind: disabled ? "disabled" : "enabled" } : null;
      }
      const roleId = detail.TargetRecords?.map((t) => t.roleid).find((id): id is string => typeof id === "string");
      return {
        ...base,
        kind: row.action === AUDIT_ACTION.associate ? "roleAdded" : "roleRemoved",
        ...(roleId ? { roleId: roleId.toLowerCase() } : {}),
      };
    }),
  );
  const found = changes.filter((c): c is Omit<UserAuditChange, "byName"> => c !== null);
  const names = new Map(
    await Promise.all([...new Set(found.map((c) => c.byUserId))].slice(0, 3).map(async (id) => [id, await findUserName(ctx, id)] as const)),
  );
  return { auditing: enabled === true ? "on" : "unknown", changes: found.map((c) => ({ ...c, byName: names.get(c.byUserId) ?? null })) };
}

/** A user's full name, or null when the user is gone or cannot be read. */
async function findUserName(ctx: DataverseContext, systemUserId: string): Promise<string | null> {
  try {
    const res = await dataverseCall(ctx, {
      method: "GET",
      path: `/systemusers(${requireGuid(systemUserId, "systemUserId")})`,
      query: { $select: "fullname" },
      replay: "safe",
      schema: z.object({ fullname: z.string().nullish() }),
    });
    return res.data.fullname ?? null;
  } catch (e) {
    if (isMicrosoftError(e)) return null;
    throw e;
  }
}
