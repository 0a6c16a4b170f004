/**
 * The Web API entity sets the sandbox serves, each with its table, primary key, read privilege and the JSON view of
 * a row (lookups as `_x_value`, as the Web API returns them). Business rows come from `environment.records`, or
 * the sample rows when the scenario seeded none.
 */
import type { BusinessUnit, DataverseRecord, Environment, Privilege, Role, SystemUser, Team } from "../core/state";
import { buildSampleRecords } from "./sample-records";
import { privilegesOf } from "./security";
import { auditView, organizationView } from "./audits";

export type EntitySet = {
  name: string;
  logicalName: string;
  key: string;
  readPrivilege: string;
  rows: (env: Environment) => Record<string, unknown>[];
  /** A Dynamics 365 Sales table (lead, marketing list): absent from an environment without Sales. */
  requiresSales?: boolean;
};

export function systemUserView(u: SystemUser): Record<string, unknown> {
  const isApp = u.applicationid !== null;
  const [firstname, ...rest] = isApp ? ["#", u.fullname.replace(/^#\s*/, "")] : u.fullname.split(" ");
  return {
    systemuserid: u.systemuserid,
    fullname: u.fullname,
    firstname,
    lastname: rest.join(" ") || null,
    domainname: u.domainname,
    internalemailaddress: u.internalemailaddress,
    azureactivedirectoryobjectid: u.azureactivedirectoryobjectid,
    applicationid: u.applicationid,
    isdisabled: u.isdisabled,
    accessmode: u.accessmode,
    // Application users are "non-interactive" and unlicensed; interactive users count against a licence.
    islicensed: !isApp,
    deletedstate: u.deletedstate ?? 0,
    createdon: u.createdon,
    _businessunitid_value: u.businessunitid,
  };
}

function businessUnitView(bu: BusinessUnit): Record<string, unknown> {
  return {
    businessunitid: bu.businessunitid,
    name: bu.name,
    isdisabled: false,
    _parentbusinessunitid_value: bu.parentbusinessunitid,
  };
}

export function roleView(r: Role): Record<string, unknown> {
  return {
    roleid: r.roleid,
    name: r.name,
    ismanaged: r.ismanaged,
    _businessunitid_value: r.businessunitid,
    _roletemplateid_value: r.roletemplateid,
    _parentroleid_value: null,
    _parentrootroleid_value: r.roleid,
  };
}

export function teamView(t: Team): Record<string, unknown> {
  return {
    teamid: t.teamid,
    name: t.name,
    teamtype: t.teamtype,
    isdefault: t.isdefault,
    azureactivedirectoryobjectid: null,
    _businessunitid_value: t.businessunitid,
  };
}

export function privilegeView(p: Privilege): Record<string, unknown> {
  return {
    privilegeid: p.privilegeid,
    name: p.name,
    accessright: p.accessright,
    canbebasic: p.canbebasic,
    canbelocal: p.canbelocal,
    canbedeep: p.canbedeep,
    canbeglobal: p.canbeglobal,
    canbeentityreference: false,
    canbeparententityreference: false,
    isdisabledwhenintegrated: false,
  };
}

/** Business rows of a set; the sample rows are materialised into the state on first read so ids stay put. */
function recordsOf(env: Environment, setName: string): DataverseRecord[] {
  if (!env.records) env.records = buildSampleRecords(env);
  return env.records[setName] ?? [];
}

const businessSet = (name: string, logicalName: string, readPrivilege: string, requiresSales = false): EntitySet => ({
  name,
  logicalName,
  key: `${logicalName}id`,
  readPrivilege,
  rows: (env) => recordsOf(env, name).map((r) => ({ ...r })),
  requiresSales,
});

const ENTITY_SETS: EntitySet[] = [
  {
    name: "systemusers",
    logicalName: "systemuser",
    key: "systemuserid",
    readPrivilege: "prvReadUser",
    rows: (env) => env.systemUsers.map(systemUserView),
  },
  {
    name: "businessunits",
    logicalName: "businessunit",
    key: "businessunitid",
    readPrivilege: "prvReadBusinessUnit",
    rows: (env) => env.businessUnits.map(businessUnitView),
  },
  { name: "roles", logicalName: "role", key: "roleid", readPrivilege: "prvReadRole", rows: (env) => env.roles.map(roleView) },
  // Reading the privilege table is part of reading security roles.
  {
    name: "privileges",
    logicalName: "privilege",
    key: "privilegeid",
    readPrivilege: "prvReadRole",
    rows: (env) => privilegesOf(env).map(privilegeView),
  },
  { name: "teams", logicalName: "team", key: "teamid", readPrivilege: "prvReadTeam", rows: (env) => (env.teams ?? []).map(teamView) },
  {
    name: "organizations",
    logicalName: "organization",
    key: "organizationid",
    readPrivilege: "prvReadOrganization",
    rows: (env) => [organizationView(env)],
  },
  // Newest first, as the audit summary lists them; `$orderby` re-sorts.
  {
    name: "audits",
    logicalName: "audit",
    key: "auditid",
    readPrivilege: "prvReadAuditSummary",
    rows: (env) => (env.audits ?? []).map(auditView).reverse(),
  },
  businessSet("leads", "lead", "prvReadLead", true),
  businessSet("contacts", "contact", "prvReadContact"),
  businessSet("accounts", "account", "prvReadAccount"),
  businessSet("annotations", "annotation", "prvReadNote"),
  businessSet("lists", "list", "prvReadList", true),
];

/** The entity sets this environment serves (Sales tables only where Dynamics 365 Sales is installed). */
export function entitySetsOf(env: Environment): EntitySet[] {
  return ENTITY_SETS.filter((s) => !(s.requiresSales && env.withoutSales));
}

export function findEntitySet(name: string, env: Environment): EntitySet | undefined {
  return entitySetsOf(env).find((s) => s.name === name);
}
