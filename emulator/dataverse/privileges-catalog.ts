/**
 * The standard Dataverse privilege catalogue the sandbox's orgs share (an `Environment` without `privileges` uses
 * it). Names, `accessright` bits and depth flags follow Dataverse's: user-owned tables (account, contact, lead, note,
 * marketing list) allow every depth; business-unit-owned ones (user, business unit, security role) allow Local and
 * above; organization-owned ones and miscellaneous privileges are Global only. Ids are deterministic name-based
 * GUIDs, stable across runs and environments, as real system privilege ids are.
 */
import { createHash } from "node:crypto";
import type { Privilege } from "../core/state";

/** Dataverse `AccessRights` bits. */
const ACCESS_RIGHTS = {
  Read: 1,
  Write: 2,
  Append: 4,
  AppendTo: 16,
  Create: 32,
  Delete: 65536,
  Share: 262144,
  Assign: 524288,
} as const;
type Verb = keyof typeof ACCESS_RIGHTS;

/** Entity metadata the Web API emulator needs for messages such as "on OTC=8 for entity 'systemuser'". */
export type EntityInfo = { logicalName: string; schemaName: string; displayName: string; objectTypeCode: number };

export const ENTITY_INFO: Record<string, EntityInfo> = {
  account: { logicalName: "account", schemaName: "Account", displayName: "Account", objectTypeCode: 1 },
  contact: { logicalName: "contact", schemaName: "Contact", displayName: "Contact", objectTypeCode: 2 },
  lead: { logicalName: "lead", schemaName: "Lead", displayName: "Lead", objectTypeCode: 4 },
  annotation: { logicalName: "annotation", schemaName: "Note", displayName: "Note", objectTypeCode: 5 },
  systemuser: { logicalName: "systemuser", schemaName: "User", displayName: "User", objectTypeCode: 8 },
  businessunit: { logicalName: "businessunit", schemaName: "BusinessUnit", displayName: "Business Unit", objectTypeCode: 10 },
  organization: { logicalName: "organization", schemaName: "Organization", displayName: "Organization", objectTypeCode: 1019 },
  privilege: { logicalName: "privilege", schemaName: "Privilege", displayName: "Privilege", objectTypeCode: 1023 },
  role: { logicalName: "role", schemaName: "Role", displayName: "Security Role", objectTypeCode: 1036 },
  list: { logicalName: "list", schemaName: "List", displayName: "Marketing List", objectTypeCode: 4300 },
  team: { logicalName: "team", schemaName: "Team", displayName: "Team", objectTypeCode: 9 },
  audit: { logicalName: "audit", schemaName: "Audit", displayName: "Auditing", objectTypeCode: 4567 },
  listmember: { logicalName: "listmember", schemaName: "ListMember", displayName: "Marketing List Member", objectTypeCode: 4301 },
};

/** Deterministic GUID from a name (SHA-1 based, version 5 layout). */
export function privilegeIdFor(name: string): string {
  const h = createHash("sha1").update(`dataverse-privilege:${name}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

type Ownership = "user" | "businessUnit" | "organization";

const DEPTHS: Record<Ownership, Pick<Privilege, "canbebasic" | "canbelocal" | "canbedeep" | "canbeglobal">> = {
  user: { canbebasic: true, canbelocal: true, canbedeep: true, canbeglobal: true },
  businessUnit: { canbebasic: false, canbelocal: true, canbedeep: true, canbeglobal: true },
  organization: { canbebasic: false, canbelocal: false, canbedeep: false, canbeglobal: true },
};

const USER_OWNED_VERBS: Verb[] = ["Create", "Read", "Write", "Delete", "Append", "AppendTo", "Assign", "Share"];

/** Which privilege names each table has (schema name is what appears in `prv{Verb}{SchemaName}`). */
const TABLES: { schemaName: string; ownership: Ownership; verbs: Verb[] }[] = [
  { schemaName: "Account", ownership: "user", verbs: USER_OWNED_VERBS },
  { schemaName: "Contact", ownership: "user", verbs: USER_OWNED_VERBS },
  { schemaName: "Lead", ownership: "user", verbs: USER_OWNED_VERBS },
  // Notes (annotation) are user-owned and their privileges carry the display name "Note".
  { schemaName: "Note", ownership: "user", verbs: USER_OWNED_VERBS },
  { schemaName: "List", ownership: "user", verbs: USER_OWNED_VERBS },
  { schemaName: "User", ownership: "businessUnit", verbs: ["Create", "Read", "Write", "Append", "AppendTo"] },
  { schemaName: "BusinessUnit", ownership: "businessUnit", verbs: ["Create", "Read", "Write", "Delete", "Append", "AppendTo"] },
  { schemaName: "Team", ownership: "businessUnit", verbs: ["Create", "Read", "Write", "Delete", "Append", "AppendTo", "Assign", "Share"] },
  { schemaName: "Role", ownership: "businessUnit", verbs: ["Create", "Read", "Write", "Delete", "Append", "AppendTo", "Assign"] },
  { schemaName: "Organization", ownership: "organization", verbs: ["Read", "Write"] },
];

/** Miscellaneous (non-table) privileges: accessright 0, Global depth only. */
/** Reading audit history: the summary (`audits`), one record's history, the partitions (RetrieveAuditDetails needs all three). */
const AUDIT_READ = ["prvReadAuditSummary", "prvReadRecordAuditHistory", "prvReadAuditPartitions"];

const MISCELLANEOUS = ["prvBulkDelete", "prvActOnBehalfOfAnotherUser", "prvExportToExcel", "prvAssignManagedIdentity"];

function buildCatalogue(): Privilege[] {
  const out: Privilege[] = [];
  for (const table of TABLES) {
    for (const verb of table.verbs) {
      const name = `prv${verb}${table.schemaName}`;
      out.push({ privilegeid: privilegeIdFor(name), name, accessright: ACCESS_RIGHTS[verb], ...DEPTHS[table.ownership] });
    }
  }
  for (const name of MISCELLANEOUS) out.push({ privilegeid: privilegeIdFor(name), name, accessright: 0, ...DEPTHS.organization });
  // Audit privileges belong to no table of their own; Microsoft lists them with the Read access right, Global only.
  for (const name of AUDIT_READ) out.push({ privilegeid: privilegeIdFor(name), name, accessright: ACCESS_RIGHTS.Read, ...DEPTHS.organization });
  return out;
}

export const STANDARD_PRIVILEGES: Privilege[] = buildCatalogue();
