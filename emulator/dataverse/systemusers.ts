/**
 * `systemusers`: application users and their security roles (contract §3.4–3.7). An application user needs a
 * service principal for its `applicationid` in the environment's tenant (Dataverse resolves the app through
 * Entra, so a not-yet-replicated principal is just as absent); one application user per app per environment.
 */
import type { EmuResponse } from "../core/http";
import { getState, isStillReplicating, newGuid, unconfirmed } from "../core/store";
import type { SystemUser } from "../core/state";
import { roleView, systemUserView } from "./entity-sets";
import { entityResponse, listResponse, type Expander } from "./query";
import { isGuid, parseEntityReference, readPayload, type WebApiContext } from "./request-context";
import { apiBase, DV, dvError, dvNoContent, etagOf, invalidArgument, recordNotFound } from "./responses";
import { firstMissingPrivilege, privilegeDenied, requirePrivilege, rolePrivileges } from "./security";
import { sandboxDate } from "../core/clock";
import { auditedColumnsOf, auditUserDelete, auditUserRole, auditUserUpdate } from "./audits";

/** `$expand=systemuserroles_association(...)` on systemusers. */
export function systemUserExpander(ctx: WebApiContext): Expander {
  return (property, row) => {
    if (property.toLowerCase() !== "systemuserroles_association") return null;
    const ids = new Set(ctx.env.systemUserRoles.filter((r) => r.systemuserid === row.systemuserid).map((r) => r.roleid));
    return { logicalName: "role", rows: ctx.env.roles.filter((r) => ids.has(r.roleid)).map(roleView) };
  };
}

function findSystemUser(ctx: WebApiContext, id: string): SystemUser | undefined {
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
  const built = buildSystemUser(ctx, read.body, newGuid());
  if ("status" in built) return built;
  ctx.env.systemUsers.push(built);
  return createdResponse(ctx, "systemusers", built.systemuserid, systemUserView(built), "systemuser", systemUserExpander(ctx));
}

/** A new systemuser row from a create (or upsert) payload, or the error Dataverse answers. */
function buildSystemUser(ctx: WebApiContext, body: Record<string, unknown>, systemuserid: string): SystemUser | EmuResponse {
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

  if (typeof body.applicationid === "string") {
    const applicationid = body.applicationid.toLowerCase();
    if (!isGuid(applicationid)) return invalidArgument(ctx.req, `'${body.applicationid}' is not a valid value for applicationid.`);
    // One application user per app per environment. A soft-deleted row still holds the app's key until it is purged
    // (Microsoft's Terraform provider purges such rows and retries the create).
    if (ctx.env.systemUsers.some((u) => u.applicationid === applicationid)) {
      return dvError(ctx.req, 412, DV.duplicateRecord, "A record with matching key values already exists.");
    }
    const sp = getState().servicePrincipals.find(
      (s) => s.tenantId === ctx.env.tenantId && s.appId === applicationid && !isStillReplicating(s.createdDateTime),
    );
    if (!sp) {
      return invalidArgument(
        ctx.req,
        unconfirmed(
          `The application with id '${applicationid}' was not found in the directory of tenant '${ctx.env.tenantId}'. Create a service principal for the application in this tenant before adding it as an application user.`,
        ),
      );
    }
    return {
      systemuserid,
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
      createdon: sandboxDate().toISOString(),
      deletedstate: 0,
    };
  }
  // Interactive users must exist in the tenant's directory; Dataverse copies their profile from Entra.
  const oid = typeof body.azureactivedirectoryobjectid === "string" ? body.azureactivedirectoryobjectid.toLowerCase() : null;
  const upn = typeof body.domainname === "string" ? body.domainname.toLowerCase() : null;
  const entra = getState().users.find((u) => u.tenantId === ctx.env.tenantId && (u.id === oid || u.userPrincipalName.toLowerCase() === upn));
  if (!entra)
    return invalidArgument(
      ctx.req,
      unconfirmed(
        "The user was not found in the directory of the environment's tenant. Provide applicationid for an application user, or azureactivedirectoryobjectid/domainname of a directory user.",
      ),
    );
  if (ctx.env.systemUsers.some((u) => u.azureactivedirectoryobjectid === entra.id)) {
    return dvError(ctx.req, 412, DV.duplicateRecord, "A record with matching key values already exists.");
  }
  return {
    systemuserid,
    businessunitid,
    fullname: entra.displayName,
    domainname: entra.userPrincipalName,
    internalemailaddress: entra.mail,
    azureactivedirectoryobjectid: entra.id,
    applicationid: null,
    isdisabled,
    accessmode: accessmode ?? 0,
    createdon: sandboxDate().toISOString(),
    deletedstate: 0,
  };
}

function header(ctx: WebApiContext, name: string): string | null {
  const h = ctx.req.headers[name];
  return (Array.isArray(h) ? h[0] : h) ?? null;
}

/**
 * PATCH `systemusers(id)`: an update, or an upsert when the row does not exist (Dataverse's PATCH semantics).
 * `If-Match: *` prevents the create (404 when missing); `If-None-Match: *` prevents the update (412 when present).
 */
export function updateSystemUser(ctx: WebApiContext, id: string): EmuResponse {
  if (!isGuid(id)) return invalidArgument(ctx.req, `'${id}' is not a valid key for systemusers.`);
  const user = findSystemUser(ctx, id);
  const ifMatch = header(ctx, "if-match");
  const ifNoneMatch = header(ctx, "if-none-match");
  if (!user) {
    if (ifMatch !== null) return recordNotFound(ctx.req, "systemuser", id.toLowerCase());
    const denied = requirePrivilege(ctx.req, ctx.env, ctx.caller.user, "prvCreateUser", "systemuser");
    if (denied) return denied;
    const read = readPayload(ctx, "systemusers");
    if (!read.ok) return read.response;
    const built = buildSystemUser(ctx, read.body, id.toLowerCase());
    if ("status" in built) return built;
    ctx.env.systemUsers.push(built);
    return createdResponse(ctx, "systemusers", built.systemuserid, systemUserView(built), "systemuser", systemUserExpander(ctx));
  }
  if (ifNoneMatch === "*") return dvError(ctx.req, 412, DV.duplicateRecord, "A record with matching key values already exists.");
  if (ifMatch !== null && ifMatch !== "*" && ifMatch !== etagOf(systemUserView(user))) {
    return dvError(ctx.req, 412, DV.concurrencyMismatch, "The version of the existing record doesn't match the RowVersion property provided.");
  }
  const denied = requirePrivilege(ctx.req, ctx.env, ctx.caller.user, "prvWriteUser", "systemuser");
  if (denied) return denied;
  const read = readPayload(ctx, "systemusers");
  if (!read.ok) return read.response;
  const body = read.body;
  const unknown = unknownProperty(ctx, body);
  if (unknown) return unknown;
  const before = auditedColumnsOf(user);
  // Microsoft's Terraform provider sends the user's own applicationid with every PATCH; Dataverse accepts it.
  if ("applicationid" in body && String(body.applicationid).toLowerCase() !== (user.applicationid ?? "null")) {
    return invalidArgument(ctx.req, unconfirmed("applicationid cannot be changed after the user is created."));
  }
  if ("azureactivedirectoryobjectid" in body && String(body.azureactivedirectoryobjectid).toLowerCase() !== user.azureactivedirectoryobjectid) {
    return invalidArgument(ctx.req, unconfirmed("azureactivedirectoryobjectid cannot be changed after the user is created."));
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
  auditUserUpdate(ctx, user, before);
  return dvNoContent(ctx.req, { "odata-entityid": `${apiBase(ctx.req, ctx.env)}/systemusers(${user.systemuserid})` });
}

/**
 * DELETE `systemusers(id)`: only a disabled user can be deleted; the first DELETE soft-deletes the row (`deletedstate`
 * 1, still listed, never admitted), a second DELETE purges it — the sequence Microsoft's Terraform provider relies on.
 */
export function deleteSystemUser(ctx: WebApiContext, id: string): EmuResponse {
  const user = isGuid(id) ? findSystemUser(ctx, id) : undefined;
  if (!user) return recordNotFound(ctx.req, "systemuser", id.toLowerCase());
  const denied = requirePrivilege(ctx.req, ctx.env, ctx.caller.user, "prvWriteUser", "systemuser");
  if (denied) return denied;
  if (!user.isdisabled) {
    return invalidArgument(
      ctx.req,
      unconfirmed(
        `User with SystemUserId=${user.systemuserid} is not disabled. Please disable the user in the organization before attempting to delete.`,
      ),
    );
  }
  if ((user.deletedstate ?? 0) === 0) {
    user.deletedstate = 1;
    // Unconfirmed: whether the purge of a soft-deleted user is audited again; the sandbox files the deletion once.
    auditUserDelete(ctx, user);
  } else {
    ctx.env.systemUsers = ctx.env.systemUsers.filter((u) => u !== user);
    ctx.env.systemUserRoles = ctx.env.systemUserRoles.filter((r) => r.systemuserid !== user.systemuserid);
    for (const team of ctx.env.teams ?? []) team.memberIds = team.memberIds.filter((m) => m !== user.systemuserid);
  }
  return dvNoContent(ctx.req);
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
  auditUserRole(ctx, user, roleid, "associate");
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
  const held = ctx.env.systemUserRoles.some((r) => r.systemuserid === user.systemuserid && r.roleid === roleid);
  ctx.env.systemUserRoles = ctx.env.systemUserRoles.filter((r) => !(r.systemuserid === user.systemuserid && r.roleid === roleid));
  if (held) auditUserRole(ctx, user, roleid, "disassociate");
  return dvNoContent(ctx.req);
}
