/**
 * Dataverse Web API routes: `{origin}/dynamics/{urlName}/api/data/v{9.0|9.1|9.2}/...`. One route receives the whole
 * OData path and dispatches on its segments (`set`, `set(key)`, navigation, `$ref`, bound and unbound operations),
 * because OData keys and function parameters do not fit fixed patterns well.
 */
import { awaitLatency, type EmuRequest, type EmuResponse, type Route } from "../core/http";
import { getState } from "../core/store";
import type { Environment } from "../core/state";
import { authenticateDataverseCaller, isResponse } from "./auth";
import { entitySetsOf, findEntitySet, roleView, teamView } from "./entity-sets";
import { entityResponse, listResponse } from "./query";
import { isGuid, type WebApiContext } from "./request-context";
import { apiBase, DV, dvError, dvJson, recordNotFound, segmentNotFound } from "./responses";
import { addPrivilegesRole, createRole, listRolePrivilegesAssociation, removePrivilegeRole, retrieveRolePrivileges } from "./roles";
import { effectivePrivileges, requirePrivilege } from "./security";
import { admitRequest, type Admitted } from "./service-protection";
import {
  associateRole,
  createSystemUser,
  deleteSystemUser,
  disassociateRole,
  listUserRoles,
  systemUserExpander,
  updateSystemUser,
} from "./systemusers";
import { retrieveUserSetOfPrivilegesByNames } from "./user-privileges";
import { retrieveAuditDetails, updateOrganization } from "./audits";

type Segment = { name: string; key: string | null; raw: string };

function parseSegments(rest: string): Segment[] | null {
  const parts = rest.split("/").filter((p) => p !== "");
  const out: Segment[] = [];
  for (const raw of parts) {
    const m = /^([\w.$]+)(?:\((.*)\))?$/.exec(raw);
    if (!m) return null;
    out.push({ name: m[1], key: m[2] ?? null, raw });
  }
  return out;
}

/** Web API versions an org answers: 8.2 up to the org's own (cloud orgs 9.2; on-premises 9.1 or 9.0). */
function supportsVersion(env: Environment, ver: string): boolean {
  return ["8.2", "9.0", "9.1", "9.2"].includes(ver) && Number(ver) <= Number(env.webApiVersion);
}

function whoAmI(ctx: WebApiContext): EmuResponse {
  return dvJson(ctx.req, 200, {
    "@odata.context": `${apiBase(ctx.req, ctx.env)}/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`,
    BusinessUnitId: ctx.caller.user.businessunitid,
    UserId: ctx.caller.user.systemuserid,
    OrganizationId: ctx.env.id,
  });
}

const DEPTH_RANK = { Basic: 0, Local: 1, Deep: 2, Global: 3 } as const;

/** Business rows the caller may see at their read depth (own rows, their BU's, their BU subtree's, or all). */
function visibleRows(ctx: WebApiContext, privilegeName: string, rows: Record<string, unknown>[]): Record<string, unknown>[] {
  const depth = effectivePrivileges(ctx.env, ctx.caller.user).get(privilegeName.toLowerCase());
  if (!depth || depth === "Global" || !rows.some((r) => "_ownerid_value" in r)) return rows;
  const me = ctx.caller.user;
  const ownerBu = (ownerId: unknown) => ctx.env.systemUsers.find((u) => u.systemuserid === ownerId)?.businessunitid;
  const subtree = new Set([me.businessunitid]);
  if (DEPTH_RANK[depth] >= DEPTH_RANK.Deep) {
    for (let grew = true; grew;) {
      grew = false;
      for (const bu of ctx.env.businessUnits) {
        if (bu.parentbusinessunitid && subtree.has(bu.parentbusinessunitid) && !subtree.has(bu.businessunitid)) {
          subtree.add(bu.businessunitid);
          grew = true;
        }
      }
    }
  }
  return rows.filter((r) => (depth === "Basic" ? r._ownerid_value === me.systemuserid : subtree.has(ownerBu(r._ownerid_value) ?? "")));
}

function readSet(ctx: WebApiContext, setName: string, key: string | null): EmuResponse {
  const set = findEntitySet(setName, ctx.env)!;
  const denied = requirePrivilege(ctx.req, ctx.env, ctx.caller.user, set.readPrivilege, set.logicalName);
  if (denied) return denied;
  const rows = visibleRows(ctx, set.readPrivilege, set.rows(ctx.env));
  const expander = setName === "systemusers" ? systemUserExpander(ctx) : undefined;
  if (key === null) return listResponse(ctx.req, ctx.env, set.name, rows, set.logicalName, expander);
  if (!isGuid(key))
    return dvError(ctx.req, 400, DV.segmentNotFound, `Bad Request - Error in query syntax: '${key}' is not a valid key for '${setName}'.`);
  const row = rows.find((r) => String(r[set.key]).toLowerCase() === key.toLowerCase());
  if (!row) return recordNotFound(ctx.req, set.logicalName, key.toLowerCase());
  return entityResponse(ctx.req, ctx.env, set.name, row, set.logicalName, expander);
}

const methodNotAllowed = (req: EmuRequest) => dvError(req, 405, "0x80060888", `The HTTP method '${req.method}' is not allowed for this resource.`);

function dispatch(ctx: WebApiContext, segments: Segment[]): EmuResponse {
  const { req } = ctx;
  const [first, second, third] = segments;
  const method = req.method.toUpperCase();
  const name = first.name;

  if (name === "WhoAmI" && segments.length === 1 && (first.key === null || first.key === "")) {
    return method === "GET" ? whoAmI(ctx) : methodNotAllowed(req);
  }
  if (name === "RetrieveRolePrivilegesRole" && segments.length === 1) {
    if (method !== "GET") return methodNotAllowed(req);
    // RoleId=@p with ?@p=<guid>, or RoleId=<guid> inline.
    const m = /^RoleId=(.+)$/i.exec(first.key ?? "");
    const arg = m?.[1] ?? null;
    const value = arg?.startsWith("@") ? req.url.searchParams.get(arg) : arg;
    return retrieveRolePrivileges(ctx, value?.replace(/^'|'$/g, "") ?? null);
  }
  const set = findEntitySet(name, ctx.env);
  if (!set) return segmentNotFound(req, first.raw);

  if (segments.length === 1) {
    if (method === "GET") return readSet(ctx, name, first.key);
    if (method === "POST" && first.key === null) {
      if (name === "systemusers") return createSystemUser(ctx);
      if (name === "roles") return createRole(ctx);
      return methodNotAllowed(req);
    }
    if (method === "PATCH" && first.key !== null && name === "systemusers") return updateSystemUser(ctx, first.key);
    if (method === "DELETE" && first.key !== null && name === "systemusers") return deleteSystemUser(ctx, first.key);
    if (method === "PATCH" && first.key !== null && name === "organizations") return updateOrganization(ctx, first.key);
    return methodNotAllowed(req);
  }

  if (first.key === null || !isGuid(first.key)) return segmentNotFound(req, second.raw);
  const id = first.key.toLowerCase();

  if (name === "systemusers" && second.name === "systemuserroles_association") {
    const isRef = third?.name === "$ref";
    if (segments.length === 2 && second.key === null && method === "GET") return listUserRoles(ctx, id, false);
    if (segments.length === 3 && isRef && second.key === null) {
      if (method === "GET") return listUserRoles(ctx, id, true);
      if (method === "POST") return associateRole(ctx, id);
      if (method === "DELETE") return disassociateRole(ctx, id, null);
      return methodNotAllowed(req);
    }
    if (segments.length === 3 && isRef && second.key !== null && method === "DELETE") return disassociateRole(ctx, id, second.key);
    return segmentNotFound(req, (third ?? second).raw);
  }
  if (name === "audits" && segments.length === 2 && /^(Microsoft\.Dynamics\.CRM\.)?RetrieveAuditDetails$/.test(second.name)) {
    return method === "GET" ? retrieveAuditDetails(ctx, id) : methodNotAllowed(req);
  }
  if (name === "roles" && segments.length === 2) {
    if (/^(Microsoft\.Dynamics\.CRM\.)?AddPrivilegesRole$/.test(second.name) && method === "POST") return addPrivilegesRole(ctx, id);
    if (/^(Microsoft\.Dynamics\.CRM\.)?RemovePrivilegeRole$/.test(second.name) && method === "POST") return removePrivilegeRole(ctx, id);
    if (second.name === "roleprivileges_association" && method === "GET") return listRolePrivilegesAssociation(ctx, id);
  }
  if (name === "systemusers" && segments.length === 2 && /^(Microsoft\.Dynamics\.CRM\.)?RetrieveUserSetOfPrivilegesByNames$/.test(second.name)) {
    return method === "GET" ? retrieveUserSetOfPrivilegesByNames(ctx, id, second.key) : methodNotAllowed(req);
  }
  if (name === "systemusers" && segments.length === 2 && second.name === "teammembership_association" && method === "GET") {
    const user = ctx.env.systemUsers.find((u) => u.systemuserid === id);
    if (!user) return recordNotFound(req, "systemuser", id);
    const denied = requirePrivilege(req, ctx.env, ctx.caller.user, "prvReadTeam", "team");
    if (denied) return denied;
    const teams = (ctx.env.teams ?? []).filter((t) => t.memberIds.includes(user.systemuserid));
    return listResponse(req, ctx.env, "teams", teams.map(teamView), "team");
  }
  if (name === "teams" && segments.length === 2 && second.name === "teamroles_association" && method === "GET") {
    const team = (ctx.env.teams ?? []).find((t) => t.teamid === id);
    if (!team) return recordNotFound(req, "team", id);
    const denied =
      requirePrivilege(req, ctx.env, ctx.caller.user, "prvReadTeam", "team") ??
      requirePrivilege(req, ctx.env, ctx.caller.user, "prvReadRole", "role");
    if (denied) return denied;
    const roles = ctx.env.roles.filter((r) => team.roleIds.includes(r.roleid));
    return listResponse(req, ctx.env, "roles", roles.map(roleView), "role");
  }
  if (name === "systemusers" && segments.length === 2 && second.name === "businessunitid" && method === "GET") {
    const user = ctx.env.systemUsers.find((u) => u.systemuserid === id);
    if (!user) return recordNotFound(req, "systemuser", id);
    return readSet(ctx, "businessunits", user.businessunitid);
  }
  return segmentNotFound(req, second.raw);
}

/** The environment and the authenticated caller, admitted within its service protection limits; or the refusal. */
async function admit(req: EmuRequest): Promise<{ refused: EmuResponse } | { ctx: WebApiContext; admission: Admitted }> {
  // `{urlName}.api` is the environment's distinct Web API host (Discovery's ApiUrl), where it has one.
  const requested = decodeURIComponent(req.params.org).toLowerCase();
  const urlName = requested.endsWith(".api") ? requested.slice(0, -4) : requested;
  const env = getState().environments.find((e) => e.urlName.toLowerCase() === urlName && (requested === urlName || e.distinctApiUrl === true));
  if (!env)
    return {
      refused: {
        status: 404,
        headers: { "content-type": "text/plain; charset=utf-8" },
        body: `No Dataverse environment '${urlName}' in this sandbox.`,
      },
    };
  // On-premises, IIS (Windows authentication) or the claims module (AD FS) signs the caller in before the Web API
  // sees the path: an unknown version is a 404 only for a signed-in caller.
  if (!env.onPremises && !supportsVersion(env, req.params.ver)) return { refused: segmentNotFound(req, `v${req.params.ver}`) };
  const caller = await authenticateDataverseCaller(req, env);
  if (isResponse(caller)) return { refused: caller };
  if (!supportsVersion(env, req.params.ver)) return { refused: segmentNotFound(req, `v${req.params.ver}`) };
  const admission = admitRequest(req, env, caller.user);
  return admission.refused ? { refused: admission.refused } : { ctx: { req, env, caller }, admission };
}

async function handleWebApi(req: EmuRequest): Promise<EmuResponse> {
  const admitted = await admit(req);
  if ("refused" in admitted) {
    await awaitLatency(req);
    return admitted.refused;
  }
  const { ctx, admission } = admitted;
  try {
    // The latency is time Dataverse spends on the request: inside the concurrency and execution-time accounting.
    await awaitLatency(req);
    const out = answer(ctx);
    out.headers = { ...out.headers, "x-ms-ratelimit-burst-remaining-xrm-requests": String(admission.remaining) };
    return out;
  } finally {
    admission.finish();
  }
}

function answer(ctx: WebApiContext): EmuResponse {
  const { req, env } = ctx;
  let rest: string;
  try {
    rest = decodeURIComponent(req.params.rest ?? "");
  } catch {
    rest = req.params.rest ?? "";
  }
  if (rest === "" || rest === "/") {
    // The service document: the entity sets this org serves.
    return dvJson(req, 200, {
      "@odata.context": `${apiBase(req, env)}/$metadata`,
      value: entitySetsOf(env).map((s) => ({ name: s.name, kind: "EntitySet", url: s.name })),
    });
  }
  const segments = parseSegments(rest);
  if (!segments || segments.length === 0) return segmentNotFound(req, rest.split("/")[0]);
  return dispatch(ctx, segments);
}

export const routes: Route[] = [
  {
    service: "dataverse",
    method: "*",
    pattern: /^\/dynamics\/(?<org>[^/]+)\/api\/data\/v(?<ver>\d+\.\d+)(?:\/(?<rest>.*))?$/i,
    handle: handleWebApi,
    ownsLatency: true,
  },
];
