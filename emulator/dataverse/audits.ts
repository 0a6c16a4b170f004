/**
 * Dataverse auditing: the organization's `isauditenabled` (read and set on `organizations`), the audit history
 * (`audits`) recorded while it is on, and `RetrieveAuditDetails` for one audit row.
 *
 * What is recorded: the changes to users and their roles an admin makes in Power Platform admin center, attributed to
 * the caller (`_userid_value`, the user in the token or the application user): an Update (action 2) when a user's
 * audited columns change (disable and enable included), a Delete (3) when a user is deleted, Associate (33) and
 * Disassociate Entities (34) when a security role is given to or taken from a user. Microsoft's option values for
 * `action`/`operation` are from the audit table's reference. Table- and column-level audit settings are not modelled:
 * the sandbox treats `systemuser` and its role links as audited whenever the organization is (unconfirmed: Microsoft
 * lets customizers turn table auditing off). Reading needs prvReadAuditSummary (`audits`) and, for the details,
 * prvReadRecordAuditHistory and prvReadAuditPartitions too — Microsoft's privilege lists for these messages; System
 * Administrator holds them, the least-privilege role does not.
 */
import type { EmuResponse } from "../core/http";
import type { DataverseAudit, Environment, SystemUser } from "../core/state";
import { newGuid, unconfirmed } from "../core/store";
import { sandboxDate } from "../core/clock";
import { readPayload, type WebApiContext } from "./request-context";
import { apiBase, dvJson, dvNoContent, invalidArgument, recordNotFound } from "./responses";
import { requirePrivilege } from "./security";

const AUDIT_ACTION = { create: 1, update: 2, delete: 3, associate: 33, disassociate: 34 } as const;
const AUDIT_OPERATION = { create: 1, update: 2, delete: 3 } as const;

/** The columns of `systemuser` the sandbox audits on Update. */
const AUDITED_USER_COLUMNS = ["isdisabled", "accessmode", "internalemailaddress", "businessunitid"] as const;
type AuditedUserColumn = (typeof AUDITED_USER_COLUMNS)[number];

function record(ctx: WebApiContext, entry: Omit<DataverseAudit, "auditid" | "_userid_value" | "_callinguserid_value" | "createdon">): void {
  if (!ctx.env.isauditenabled) return;
  (ctx.env.audits ??= []).push({
    auditid: newGuid(),
    _userid_value: ctx.caller.user.systemuserid,
    _callinguserid_value: null,
    createdon: sandboxDate().toISOString(),
    ...entry,
  });
}

/** The audited columns of a user, as RetrieveAuditDetails shows old and new values (lookups as `_x_value`). */
export function auditedColumnsOf(user: SystemUser): Record<AuditedUserColumn, unknown> {
  return {
    isdisabled: user.isdisabled,
    accessmode: user.accessmode,
    internalemailaddress: user.internalemailaddress,
    businessunitid: user.businessunitid,
  };
}

/** An Update audit with the columns that changed; nothing when none did (Dataverse audits changed values only). */
export function auditUserUpdate(ctx: WebApiContext, user: SystemUser, before: Record<AuditedUserColumn, unknown>): void {
  const after = auditedColumnsOf(user);
  const changed = AUDITED_USER_COLUMNS.filter((c) => before[c] !== after[c]);
  if (!changed.length) return;
  const pick = (from: Record<AuditedUserColumn, unknown>) =>
    Object.fromEntries(changed.map((c) => [c === "businessunitid" ? "_businessunitid_value" : c, from[c]]));
  record(ctx, {
    action: AUDIT_ACTION.update,
    operation: AUDIT_OPERATION.update,
    objecttypecode: "systemuser",
    _objectid_value: user.systemuserid,
    detail: { kind: "attribute", oldValue: pick(before), newValue: pick(after) },
  });
}

export function auditUserDelete(ctx: WebApiContext, user: SystemUser): void {
  record(ctx, {
    action: AUDIT_ACTION.delete,
    operation: AUDIT_OPERATION.delete,
    objecttypecode: "systemuser",
    _objectid_value: user.systemuserid,
    detail: { kind: "attribute", oldValue: { fullname: user.fullname, ...auditedColumnsOf(user) }, newValue: {} },
  });
}

/**
 * A role given to or taken from a user. The row is the user's (objectid the systemuser, the role among the targets);
 * whether Dataverse also writes one on the role's side is unconfirmed, so the sandbox writes the user's only.
 */
export function auditUserRole(ctx: WebApiContext, user: SystemUser, roleid: string, change: "associate" | "disassociate"): void {
  const role = ctx.env.roles.find((r) => r.roleid === roleid);
  record(ctx, {
    action: AUDIT_ACTION[change],
    // Unconfirmed: the operation an N:N (dis)association is filed under; Update is what the audit summary shows.
    operation: AUDIT_OPERATION.update,
    objecttypecode: "systemuser",
    _objectid_value: user.systemuserid,
    detail: {
      kind: "relationship",
      relationshipName: "systemuserroles_association",
      targets: [{ logicalName: "role", id: roleid, name: role?.name ?? null }],
    },
  });
}

/** The Web API view of an audit row (newest first in `audits`, as the audit summary lists them). */
export function auditView(a: DataverseAudit): Record<string, unknown> {
  const { detail: _detail, ...view } = a;
  // Unconfirmed formats, so no client should read them: attributemask (a CSV of column numbers) and changedata.
  return { ...view, attributemask: null, changedata: null, transactionid: null, useradditionalinfo: null };
}

/** GET `audits(id)/Microsoft.Dynamics.CRM.RetrieveAuditDetails`: AttributeAuditDetail or RelationshipAuditDetail. */
export function retrieveAuditDetails(ctx: WebApiContext, id: string): EmuResponse {
  const denied =
    requirePrivilege(ctx.req, ctx.env, ctx.caller.user, "prvReadAuditSummary", "audit") ??
    requirePrivilege(ctx.req, ctx.env, ctx.caller.user, "prvReadRecordAuditHistory", "audit") ??
    requirePrivilege(ctx.req, ctx.env, ctx.caller.user, "prvReadAuditPartitions", "audit");
  if (denied) return denied;
  const audit = (ctx.env.audits ?? []).find((a) => a.auditid === id);
  if (!audit) return recordNotFound(ctx.req, "audit", id);
  const auditRecord = { "@odata.type": "#Microsoft.Dynamics.CRM.audit", ...auditView(audit) };
  const entity = (values: Record<string, unknown>) => ({ "@odata.type": `#Microsoft.Dynamics.CRM.${audit.objecttypecode}`, ...values });
  const detail =
    audit.detail.kind === "attribute"
      ? {
          "@odata.type": "#Microsoft.Dynamics.CRM.AttributeAuditDetail",
          AuditRecord: auditRecord,
          OldValue: entity(audit.detail.oldValue),
          NewValue: entity(audit.detail.newValue),
          DeletedAttributes: [],
          InvalidNewValueAttributes: [],
          LocLabelLanguageCode: 0,
        }
      : {
          "@odata.type": "#Microsoft.Dynamics.CRM.RelationshipAuditDetail",
          AuditRecord: auditRecord,
          RelationshipName: audit.detail.relationshipName,
          // Unconfirmed: whether Dataverse fills in the target's primary name here; clients must not depend on `name`.
          TargetRecords: audit.detail.targets.map((t) => ({
            "@odata.type": `#Microsoft.Dynamics.CRM.${t.logicalName}`,
            [`${t.logicalName}id`]: t.id,
            name: t.name,
          })),
        };
  return dvJson(ctx.req, 200, {
    "@odata.context": `${apiBase(ctx.req, ctx.env)}/$metadata#Microsoft.Dynamics.CRM.RetrieveAuditDetailsResponse`,
    AuditDetail: detail,
  });
}

/** The `organization` row: its id, name and the audit settings Microsoft documents on it. */
export function organizationView(env: Environment): Record<string, unknown> {
  return {
    organizationid: env.id,
    name: env.uniqueName,
    isauditenabled: env.isauditenabled === true,
    isuseraccessauditenabled: false,
    auditretentionperiodv2: 30,
  };
}

const WRITABLE_ORG = new Set(["isauditenabled"]);

/** PATCH `organizations(id)`: an admin starts or stops auditing (needs prvWriteOrganization: System Administrator or Customizer). */
export function updateOrganization(ctx: WebApiContext, key: string): EmuResponse {
  if (key.toLowerCase() !== ctx.env.id.toLowerCase()) return recordNotFound(ctx.req, "organization", key.toLowerCase());
  const denied = requirePrivilege(ctx.req, ctx.env, ctx.caller.user, "prvWriteOrganization", "organization");
  if (denied) return denied;
  const read = readPayload(ctx, "organizations");
  if (!read.ok) return read.response;
  const unknown = Object.keys(read.body).find((k) => !WRITABLE_ORG.has(k.toLowerCase()) && !k.startsWith("@"));
  // The sandbox models only the audit switch; Dataverse would accept its other real columns.
  if (unknown) return invalidArgument(ctx.req, unconfirmed(`The sandbox does not model the organization column '${unknown}'.`));
  if ("isauditenabled" in read.body) {
    if (typeof read.body.isauditenabled !== "boolean") return invalidArgument(ctx.req, unconfirmed("isauditenabled must be a boolean."));
    ctx.env.isauditenabled = read.body.isauditenabled;
  }
  return dvNoContent(ctx.req, { "odata-entityid": `${apiBase(ctx.req, ctx.env)}/organizations(${ctx.env.id})` });
}
