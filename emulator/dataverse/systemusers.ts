/**
 * `systemusers`: application users and their security roles (contract §3.4–3.7). An application user needs a
 * service principal for its `applicationid` in the environment's tenant (Dataverse resolves the app through
 * Entra, so a not-yet-replicated principal is just as absent); one application user per app per environment.
 */
import type { EmuResponse } from "../core/http";
import { getState, isStillReplicating, newGuid } from "../core/store";
import type { SystemUser } from "../core/state";
import { roleView, systemUserView } from "./entity-sets";
import { entityResponse, listResponse, type Expander } from "./query";
import { isGuid, parseEntityReference, readPayload, type WebApiContext } from "./request-context";
import { apiBase, DV, dvError, dvNoContent, invalidArgument, recordNotFound } from "./responses";
import { firstMissingPrivilege, privilegeDenied, requirePrivilege, rolePrivileges } from "./security";

/** `$expand=systemuserroles_association(...)` on systemusers. */
export function systemUserExpander(ctx: WebApiContext): Expander {
  return (property, row) => {
    if (property.toLowerCase() !== "systemuserroles_association") return null;
    const ids = new Set(ctx.env.systemUserRoles.filter((r) => r.systemuserid === row.systemuserid).map((r) => r.roleid));
    return { logicalName: "role", rows: ctx.env.roles.filter((r) => ids.has(r.roleid)).map(roleView) };
  };
}

export function findSystemUser(ctx: WebApiContext, id: string): SystemUser | undefined {
  const lower = id.toLowerCase();
  return ctx.env.systemUsers.find((u) => u.systemuserid === lower);
}

function wantsRepresentation(ctx: WebApiContext): boolean {
  const prefer = ctx.req.headers.prefer;
  return (Array.isArray(prefer) ? prefer.join(",") : (prefer ?? "")).toLowerCase().includes("return=representation");
}

/** 204 + `OData-EntityId`, or 201 + the row when the client asked for `Prefer: return=representation`. */
export function createdResponse(
  ctx: WebApiContext,
  setName: string,
  id: string,
  row: Record<string, unknown>,
  logicalName: string,
  expander?: Expander,
): EmuResponse {
  if (wantsRepresentation(ctx)) {
    return entityResponse(ctx.req, ctx.env, setName, row, logicalName, expander, 201, { "preference-applied": "return=representation" });
  }
  return dvNoContent(ctx.req, { "odata-entityid": `${apiBase(ctx.req, ctx.env)}/${setName}(${id})` });
}

const WRITABLE = new Set([
  "applicationid",
  "businessunitid@odata.bind",
  "accessmode",
  "isdisabled",
  "firstname",
  "lastname",
  "internalemailaddress",
  "azureactivedirectoryobjectid",
  "domainname",
]);

function unknownProperty(ctx: WebApiContext, body: Record<string, unknown>): EmuResponse | null {
  const key = Object.keys(body).find((k) => !WRITABLE.has(k.toLowerCase()) && !k.startsWith("@"));
  if (!key) return null;
  return dvError(
    ctx.req,
    400,
    DV.segmentNotFound,
    `The property '${key}' does not exist on type 'Microsoft.Dynamics.CRM.systemuser'. Make sure to only use property names that are defined by the type.`,
  );
}

export function createSystemUser(ctx: WebApiContext): EmuResponse {
  const denied = requirePrivilege(ctx.req, ctx.env, ctx.caller.user, "prvCreateUser", "systemuser");
  if (denied) return denied;
  const read = readPayload(ctx, "systemusers");
  if (!read.ok) return read.response;
  const body = read.body;
  const unknown = unknownProperty(ctx, body);
  if (unknown) return unknown;
  const rootBu = ctx.env.businessUnits.find((b) => b.parentbusinessunitid === null);
  const buRef = body["businessunitid@odata.bind"];
  const businessunitid = buRef === undefined ? rootBu?.businessunitid : parseEntityReference(buRef, "businessunits");
  if (!businessunitid) return invalidArgument(ctx.req, "Invalid value for businessunitid@odata.bind: expected '/businessunits(<guid>)'.");
  if (!ctx.env.businessUnits.some((b) => b.businessunitid === businessunitid)) return recordNotFound(ctx.req, "businessunit", businessunitid);
  const accessmode = typeof body.accessmode === "number" ? body.accessmode : undefined;
  const isdisabled = typeof body.isdisabled === "boolean" ? body.isdisabled : false;
  const tenant = getState().tenants.find((t) => t.id === ctx.env.tenantId);

  let user: SystemUser;
  if (typeof body.applicationid === "string") {
    const applicationid = body.applicationid.toLowerCase();
    if (!isGuid(applicationid)) return invalidArgument(ctx.req, `'${body.applicationid}' is not a valid value for applicationid.`);
    if (ctx.env.systemUsers.some((u) => u.applicationid === applicationid)) {
      return dvError(ctx.req, 412, DV.duplicateRecord, "A record with matching key values already exists.");
    }
    const sp = getState().servicePrincipals.find(
      (s) => s.tenantId === ctx.env.tenantId && s.appId === applicationid && !isStillReplicating(s.createdDateTime),
    );
    if (!sp) {
      return invalidArgument(
        ctx.req,
        `The application with id '${applicationid}' was not found in the directory of tenant '${ctx.env.tenantId}'. Create a service principal for the application in this tenant before adding it as an application user.`,
      );
    }
    user = {
      systemuserid: newGuid(),
      businessunitid,
      fullname: `# ${sp.displayName}`,
      // Dataverse gives application users a synthetic sign-in name under the tenant's initial domain.
      domainname: `${applicationid}@${tenant?.domains[0] ?? "tenant.onmicrosoft.com"}`,
      internalemailaddress:
        typeof body.internalemailaddress === "string"
          ? body.internalemailaddress
          : `${applicationid}@${tenant?.domains[0] ?? "tenant.onmicrosoft.com"}`,
      azureactivedirectoryobjectid: sp.id,
      applicationid,
      isdisabled,
      accessmode: accessmode ?? 4,
      createdon: new Date().toISOString(),
    };
  } else {
    // Interactive users must exist in the tenant's directory; Dataverse copies their profile from Entra.
    const oid = typeof body.azureactivedirectoryobjectid === "string" ? body.azureactivedirectoryobjectid.toLowerCase() : null;
    const upn = typeof body.domainname === "string" ? body.domainname.toLowerCase() : null;
    const entra = getState().users.find((u) => u.tenantId === ctx.env.tenantId && (u.id === oid || u.userPrincipalName.toLowerCase() === upn));
    if (!entra)
      return invalidArgument(
        ctx.req,
        "The user was not found in the directory of the environment's tenant. Provide applicationid for an application user, or azureactivedirectoryobjectid/domainname of a directory user.",
      );
    if (ctx.env.systemUsers.some((u) => u.azureactivedirectoryobjectid === entra.id)) {
      return dvError(ctx.req, 412, DV.duplicateRecord, "A record with matching key values already exists.");
    }
    user = {
      systemuserid: newGuid(),
      businessunitid,
      fullname: entra.displayName,
      domainname: entra.userPrincipalName,
      internalemailaddress: entra.mail,
      azureactivedirectoryobjectid: entra.id,
      applicationid: null,
      isdisabled,
      accessmode: accessmode ?? 0,
      createdon: new Date().toISOString(),
    };
  }
  ctx.env.systemUsers.push(user);
  return createdResponse(ctx, "systemusers", user.systemuserid, systemUserView(user), "systemuser", systemUserExpander(ctx));
}

export function updateSystemUser(ctx: WebApiContext, id: string): EmuResponse {
  const user = findSystemUser(ctx, id);
  if (!user) return recordNotFound(ctx.req, "systemuser", id);
  const denied = requirePrivilege(ctx.req, ctx.env, ctx.caller.user, "prvWriteUser", "systemuser");
  if (denied) return denied;
  const read = readPayload(ctx, "systemusers");
  if (!read.ok) return read.response;
  const body = read.body;
  const unknown = unknownProperty(ctx, body);
  if (unknown) return unknown;
  if ("applicationid" in body || "azureactivedirectoryobjectid" in body) {
    return invalidArgument(ctx.req, "applicationid and azureactivedirectoryobjectid cannot be changed after the user is created.");
  }
  if ("isdisabled" in body) {
    if (typeof body.isdisabled !== "boolean") return invalidArgument(ctx.req, "isdisabled must be a boolean.");
    user.isdisabled = body.isdisabled;
  }
  if ("accessmode" in body && typeof body.accessmode === "number") user.accessmode = body.accessmode;
  if (typeof body.internalemailaddress === "string") user.internalemailaddress = body.internalemailaddress;
  if ("businessunitid@odata.bind" in body) {
    const bu = parseEntityReference(body["businessunitid@odata.bind"], "businessunits");
    if (!bu || !ctx.env.businessUnits.some((b) => b.businessunitid === bu)) return recordNotFound(ctx.req, "businessunit", String(bu));
    if (bu !== user.businessunitid) {
      // Moving a user to another business unit drops their roles: roles are per business unit.
      user.businessunitid = bu;
      ctx.env.systemUserRoles = ctx.env.systemUserRoles.filter((r) => r.systemuserid !== user.systemuserid);
    }
  }
  return dvNoContent(ctx.req, { "odata-entityid": `${apiBase(ctx.req, ctx.env)}/systemusers(${user.systemuserid})` });
}

export function getSystemUser(ctx: WebApiContext, id: string): EmuResponse {
  const denied = requirePrivilege(ctx.req, ctx.env, ctx.caller.user, "prvReadUser", "systemuser");
  if (denied) return denied;
  const user = findSystemUser(ctx, id);
  if (!user) return recordNotFound(ctx.req, "systemuser", id);
  return entityResponse(ctx.req, ctx.env, "systemusers", systemUserView(user), "systemuser", systemUserExpander(ctx));
}

export function listUserRoles(ctx: WebApiContext, id: string, refsOnly: boolean): EmuResponse {
  const denied =
    requirePrivilege(ctx.req, ctx.env, ctx.caller.user, "prvReadUser", "systemuser") ??
    requirePrivilege(ctx.req, ctx.env, ctx.caller.user, "prvReadRole", "role");
  if (denied) return denied;
  const user = findSystemUser(ctx, id);
  if (!user) return recordNotFound(ctx.req, "systemuser", id);
  const rows = systemUserExpander(ctx)("systemuserroles_association", { systemuserid: user.systemuserid })!.rows;
  if (refsOnly) {
    return {
      status: 200,
      headers: { "content-type": "application/json; odata.metadata=minimal", "odata-version": "4.0" },
      body: {
        "@odata.context": `${apiBase(ctx.req, ctx.env)}/$metadata#Collection($ref)`,
        value: rows.map((r) => ({ "@odata.id": `${apiBase(ctx.req, ctx.env)}/roles(${String(r.roleid)})` })),
      },
    };
  }
  return listResponse(ctx.req, ctx.env, "roles", rows, "role");
}

function assignPrivilegeCheck(ctx: WebApiContext, roleid: string): EmuResponse | null {
  const caller = ctx.caller.user;
  const denied =
    requirePrivilege(ctx.req, ctx.env, caller, "prvAssignRole", "role") ?? requirePrivilege(ctx.req, ctx.env, caller, "prvWriteUser", "systemuser");
  if (denied) return denied;
  const role = ctx.env.roles.find((r) => r.roleid === roleid);
  if (!role) return null;
  // No privilege escalation: the caller must already hold what the role grants.
  const missing = firstMissingPrivilege(ctx.env, caller, rolePrivileges(ctx.env, role));
  return missing ? privilegeDenied(ctx.req, ctx.env, caller, missing.name, "role") : null;
}

export function associateRole(ctx: WebApiContext, id: string): EmuResponse {
  const user = findSystemUser(ctx, id);
  if (!user) return recordNotFound(ctx.req, "systemuser", id);
  const read = readPayload(ctx, "systemusers");
  if (!read.ok) return read.response;
  const roleid = parseEntityReference(read.body["@odata.id"], "roles");
  if (!roleid) return invalidArgument(ctx.req, "The @odata.id value must reference a role, e.g. '{api}/roles(<guid>)'.");
  const role = ctx.env.roles.find((r) => r.roleid === roleid);
  if (!role) return recordNotFound(ctx.req, "role", roleid);
  const denied = assignPrivilegeCheck(ctx, roleid);
  if (denied) return denied;
  if (role.businessunitid !== user.businessunitid) {
    return invalidArgument(
      ctx.req,
      `The role (Id=${role.roleid}) belongs to business unit ${role.businessunitid}, but the user (Id=${user.systemuserid}) belongs to business unit ${user.businessunitid}. A user can only be assigned roles of their own business unit.`,
    );
  }
  // Dataverse keeps one row per user/role pair; associating again violates that key ("Cannot insert duplicate key").
  if (ctx.env.systemUserRoles.some((r) => r.systemuserid === user.systemuserid && r.roleid === roleid)) {
    return dvError(ctx.req, 412, DV.duplicateRecord, "Cannot insert duplicate key.");
  }
  ctx.env.systemUserRoles.push({ systemuserid: user.systemuserid, roleid });
  return dvNoContent(ctx.req);
}

export function disassociateRole(ctx: WebApiContext, id: string, roleRef: string | null): EmuResponse {
  const user = findSystemUser(ctx, id);
  if (!user) return recordNotFound(ctx.req, "systemuser", id);
  const roleid = roleRef && isGuid(roleRef) ? roleRef.toLowerCase() : parseEntityReference(roleRef ?? ctx.req.url.searchParams.get("$id"), "roles");
  if (!roleid)
    return invalidArgument(ctx.req, "Specify the role to remove as systemuserroles_association(<roleid>)/$ref or $ref?$id={api}/roles(<roleid>).");
  const denied = requirePrivilege(ctx.req, ctx.env, ctx.caller.user, "prvAssignRole", "role");
  if (denied) return denied;
  ctx.env.systemUserRoles = ctx.env.systemUserRoles.filter((r) => !(r.systemuserid === user.systemuserid && r.roleid === roleid));
  return dvNoContent(ctx.req);
}
