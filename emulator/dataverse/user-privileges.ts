/**
 * `GET systemusers({id})/Microsoft.Dynamics.CRM.RetrieveUserSetOfPrivilegesByNames(PrivilegeNames=@p)?@p=["prvReadLead",…]`:
 * the named privileges a user holds through their own security roles and the roles of the teams they belong to, one
 * RolePrivilege per role that grants it (Depth, PrivilegeId, BusinessUnitId of the role, PrivilegeName). Names the
 * user does not hold, or the environment does not have, are simply absent from `RolePrivileges`.
 */
import type { EmuResponse } from "../core/http";
import { unconfirmed } from "../core/store";
import type { WebApiContext } from "./request-context";
import { apiBase, dvJson, invalidArgument, recordNotFound } from "./responses";
import { rolePrivilegeView } from "./roles";
import { requirePrivilege, rolePrivileges, rolesOf } from "./security";

/** An OData collection literal of strings: `["a","b"]` (JSON) or `['a','b']`. Null when it is not one. */
function parseStringCollection(literal: string | null): string[] | null {
  const m = /^\s*\[(.*)\]\s*$/s.exec(literal ?? "");
  if (!m) return null;
  if (m[1].trim() === "") return [];
  const items = m[1].split(",").map((s) => /^\s*(["'])(.*)\1\s*$/.exec(s)?.[2]);
  return items.every((s): s is string => typeof s === "string") ? items : null;
}

export function retrieveUserSetOfPrivilegesByNames(ctx: WebApiContext, systemUserId: string, argument: string | null): EmuResponse {
  const m = /^PrivilegeNames=(.+)$/i.exec(argument ?? "");
  const raw = m?.[1].startsWith("@") ? ctx.req.url.searchParams.get(m[1]) : (m?.[1] ?? null);
  const names = parseStringCollection(raw);
  if (!names) return invalidArgument(ctx.req, unconfirmed('PrivilegeNames is required: a collection of privilege names, e.g. ["prvReadLead"].'));
  const denied = requirePrivilege(ctx.req, ctx.env, ctx.caller.user, "prvReadUser", "systemuser");
  if (denied) return denied;
  const user = ctx.env.systemUsers.find((u) => u.systemuserid === systemUserId && (u.deletedstate ?? 0) === 0);
  if (!user) return recordNotFound(ctx.req, "systemuser", systemUserId);
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const held = rolesOf(ctx.env, user).flatMap((role) =>
    rolePrivileges(ctx.env, role)
      .filter(({ privilege }) => wanted.has(privilege.name.toLowerCase()))
      .map((granted) => rolePrivilegeView(role, granted)),
  );
  return dvJson(ctx.req, 200, {
    "@odata.context": `${apiBase(ctx.req, ctx.env)}/$metadata#Microsoft.Dynamics.CRM.RetrieveUserSetOfPrivilegesByNamesResponse`,
    RolePrivileges: held,
  });
}
