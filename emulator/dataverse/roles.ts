/**
 * Security roles: create a custom role in a business unit, add privileges to it (`AddPrivilegesRole`), and read a
 * role's privileges (`RetrieveRolePrivilegesRole`, `roles(id)/roleprivileges_association`). Depth is Dataverse's
 * `PrivilegeDepth` enum, sent as a name ("Global") or its number (3, "3").
 */
import type { EmuResponse } from "../core/http";
import { newGuid } from "../core/store";
import type { Privilege, PrivilegeDepth, Role } from "../core/state";
import { privilegeView, roleView } from "./entity-sets";
import { listResponse } from "./query";
import { isGuid, parseEntityReference, readPayload, type WebApiContext } from "./request-context";
import { apiBase, DV, dvError, dvJson, dvNoContent, invalidArgument, recordNotFound } from "./responses";
import { unconfirmed } from "../core/store";
import { DEPTH_ORDER, firstMissingPrivilege, privilegeDenied, privilegesOf, requirePrivilege, rolePrivileges } from "./security";
import { createdResponse } from "./systemusers";

function findRole(ctx: WebApiContext, id: string): Role | undefined {
  const lower = id.toLowerCase();
  return ctx.env.roles.find((r) => r.roleid === lower);
}

export function createRole(ctx: WebApiContext): EmuResponse {
  const denied = requirePrivilege(ctx.req, ctx.env, ctx.caller.user, "prvCreateRole", "role");
  if (denied) return denied;
  const read = readPayload(ctx, "roles");
  if (!read.ok) return read.response;
  const { name } = read.body;
  if (typeof name !== "string" || name.trim() === "") return invalidArgument(ctx.req, "Role name is required.");
  const extra = Object.keys(read.body).find(
    (k) => !["name", "businessunitid@odata.bind", "description"].includes(k.toLowerCase()) && !k.startsWith("@"),
  );
  if (extra) {
    return dvError(
      ctx.req,
      400,
      DV.segmentNotFound,
      `The property '${extra}' does not exist on type 'Microsoft.Dynamics.CRM.role'. Make sure to only use property names that are defined by the type.`,
    );
  }
  const bu = parseEntityReference(read.body["businessunitid@odata.bind"], "businessunits");
  if (!bu) return invalidArgument(ctx.req, "businessunitid@odata.bind is required to create a role, e.g. '/businessunits(<guid>)'.");
  if (!ctx.env.businessUnits.some((b) => b.businessunitid === bu)) return recordNotFound(ctx.req, "businessunit", bu);
  const role: Role = { roleid: newGuid(), name, businessunitid: bu, roletemplateid: null, ismanaged: false, allPrivileges: false, privileges: [] };
  ctx.env.roles.push(role);
  return createdResponse(ctx, "roles", role.roleid, roleView(role), "role");
}

const DEPTH_NUMBERS: Record<string, PrivilegeDepth> = { "0": "Basic", "1": "Local", "2": "Deep", "3": "Global" };

function parseDepth(value: unknown): PrivilegeDepth | null {
  const s = String(value ?? "");
  if (s in DEPTH_NUMBERS) return DEPTH_NUMBERS[s];
  const byName = DEPTH_ORDER.find((d) => d.toLowerCase() === s.toLowerCase());
  return byName ?? null;
}

const CAN_BE: Record<PrivilegeDepth, "canbebasic" | "canbelocal" | "canbedeep" | "canbeglobal"> = {
  Basic: "canbebasic",
  Local: "canbelocal",
  Deep: "canbedeep",
  Global: "canbeglobal",
};

export function addPrivilegesRole(ctx: WebApiContext, roleId: string): EmuResponse {
  const role = findRole(ctx, roleId);
  if (!role) return recordNotFound(ctx.req, "role", roleId);
  const denied = requirePrivilege(ctx.req, ctx.env, ctx.caller.user, "prvWriteRole", "role");
  if (denied) return denied;
  const read = readPayload(ctx, "roles");
  if (!read.ok) return read.response;
  const items = read.body.Privileges;
  if (!Array.isArray(items) || items.length === 0)
    return invalidArgument(ctx.req, "The Privileges parameter is required and must contain at least one RolePrivilege.");
  const catalogue = privilegesOf(ctx.env);
  const wanted: { privilege: (typeof catalogue)[number]; depth: PrivilegeDepth }[] = [];
  for (const item of items as Record<string, unknown>[]) {
    const id = typeof item?.PrivilegeId === "string" ? item.PrivilegeId.toLowerCase() : "";
    const privilege = catalogue.find((p) => p.privilegeid === id);
    if (!privilege) return recordNotFound(ctx.req, "privilege", String(item?.PrivilegeId));
    const depth = parseDepth(item.Depth);
    if (!depth) return invalidArgument(ctx.req, `'${String(item.Depth)}' is not a valid PrivilegeDepth. Use Basic, Local, Deep or Global.`);
    if (!privilege[CAN_BE[depth]]) return invalidArgument(ctx.req, `Privilege ${privilege.name} cannot be granted at depth ${depth}.`);
    wanted.push({ privilege, depth });
  }
  const missing = firstMissingPrivilege(ctx.env, ctx.caller.user, wanted);
  if (missing) return privilegeDenied(ctx.req, ctx.env, ctx.caller.user, missing.name, "role");
  if (!role.allPrivileges) {
    for (const { privilege, depth } of wanted) {
      const existing = role.privileges.find((p) => p.privilegeid === privilege.privilegeid);
      if (existing) existing.depth = depth;
      else role.privileges.push({ privilegeid: privilege.privilegeid, depth });
    }
  }
  return dvNoContent(ctx.req);
}

export function retrieveRolePrivileges(ctx: WebApiContext, rawRoleId: string | null): EmuResponse {
  if (!rawRoleId || !isGuid(rawRoleId)) return invalidArgument(ctx.req, "RoleId parameter is required and must be a GUID.");
  const denied = requirePrivilege(ctx.req, ctx.env, ctx.caller.user, "prvReadRole", "role");
  if (denied) return denied;
  const role = findRole(ctx, rawRoleId);
  if (!role) return recordNotFound(ctx.req, "role", rawRoleId);
  return dvJson(ctx.req, 200, {
    "@odata.context": `${apiBase(ctx.req, ctx.env)}/$metadata#Microsoft.Dynamics.CRM.RetrieveRolePrivilegesRoleResponse`,
    RolePrivileges: rolePrivileges(ctx.env, role).map((granted) => rolePrivilegeView(role, granted)),
  });
}

/** Dataverse's `RolePrivilege` complex type: one privilege a role grants, at its depth, in the role's business unit. */
export function rolePrivilegeView(role: Role, { privilege, depth }: { privilege: Privilege; depth: PrivilegeDepth }) {
  return {
    Depth: depth,
    PrivilegeId: privilege.privilegeid,
    BusinessUnitId: role.businessunitid,
    PrivilegeName: privilege.name,
    RecordFilterId: "00000000-0000-0000-0000-000000000000",
    RecordFilterUniqueName: null,
  };
}

export function listRolePrivilegesAssociation(ctx: WebApiContext, roleId: string): EmuResponse {
  const denied = requirePrivilege(ctx.req, ctx.env, ctx.caller.user, "prvReadRole", "role");
  if (denied) return denied;
  const role = findRole(ctx, roleId);
  if (!role) return recordNotFound(ctx.req, "role", roleId);
  return listResponse(
    ctx.req,
    ctx.env,
    "privileges",
    rolePrivileges(ctx.env, role).map(({ privilege }) => privilegeView(privilege)),
    "privilege",
  );
}

/** `POST roles({id})/Microsoft.Dynamics.CRM.RemovePrivilegeRole {"PrivilegeId": "<guid>"}`: takes one privilege off a role. */
export function removePrivilegeRole(ctx: WebApiContext, roleId: string): EmuResponse {
  const role = findRole(ctx, roleId);
  if (!role) return recordNotFound(ctx.req, "role", roleId);
  const denied = requirePrivilege(ctx.req, ctx.env, ctx.caller.user, "prvWriteRole", "role");
  if (denied) return denied;
  const read = readPayload(ctx, "roles");
  if (!read.ok) return read.response;
  const id = typeof read.body.PrivilegeId === "string" ? read.body.PrivilegeId.toLowerCase() : "";
  if (!id) return invalidArgument(ctx.req, "The PrivilegeId parameter is required.");
  if (!privilegesOf(ctx.env).some((p) => p.privilegeid === id)) return recordNotFound(ctx.req, "privilege", id);
  if (role.allPrivileges) {
    // System Administrator's privileges are fixed: Dataverse does not let anyone edit that role.
    return invalidArgument(ctx.req, unconfirmed("The System Administrator role cannot be modified."));
  }
  role.privileges = role.privileges.filter((p) => p.privilegeid !== id);
  return dvNoContent(ctx.req);
}
