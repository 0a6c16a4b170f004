/**
 * Sample business rows (leads, contacts, accounts, notes, marketing lists) for an environment that the scenario did not seed explicitly.
 * Ids derive from the environment id so every run sees the same rows, and the connector's read checks have data.
 */
import { createHash } from "node:crypto";
import type { DataverseRecord, Environment } from "../core/state";

function rowGuid(envId: string, kind: string, i: number): string {
  const h = createHash("sha1").update(`${envId}|${kind}|${i}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const CREATED = "2024-02-01T10:00:00Z";

export function buildSampleRecords(env: Environment): Record<string, DataverseRecord[]> {
  const owner = env.systemUsers.find((u) => !u.applicationid)?.systemuserid ?? null;
  const accounts: DataverseRecord[] = [
    ["Fourth Coffee", "contact@fourthcoffee.example", "555-0100"],
    ["Litware, Inc.", "info@litware.example", "555-0101"],
    ["Adventure Works", "sales@adventure-works.example", "555-0102"],
  ].map(([name, email, phone], i) => ({
    accountid: rowGuid(env.id, "account", i),
    name,
    emailaddress1: email,
    telephone1: phone,
    statecode: 0,
    _ownerid_value: owner,
    createdon: CREATED,
    modifiedon: CREATED,
  }));
  const contacts: DataverseRecord[] = [
    ["Yvonne", "McKay", 0],
    ["Susanna", "Stubberod", 1],
    ["Nancy", "Anderson", 2],
  ].map(([first, last, acc], i) => ({
    contactid: rowGuid(env.id, "contact", i),
    firstname: first as string,
    lastname: last as string,
    fullname: `${first} ${last}`,
    emailaddress1: `${String(first).toLowerCase()}@example.com`,
    _parentcustomerid_value: accounts[acc as number].accountid,
    statecode: 0,
    _ownerid_value: owner,
    createdon: CREATED,
    modifiedon: CREATED,
  }));
  const leads: DataverseRecord[] = [
    ["Alex", "Wu", "Coho Winery", "Interested in online marketing"],
    ["Jamie", "Reding", "Wingtip Toys", "Wants a product demo"],
  ].map(([first, last, company, subject], i) => ({
    leadid: rowGuid(env.id, "lead", i),
    firstname: first,
    lastname: last,
    fullname: `${first} ${last}`,
    companyname: company,
    subject,
    emailaddress1: `${first.toLowerCase()}@${company.toLowerCase().replace(/\s+/g, "")}.example`,
    statecode: 0,
    _ownerid_value: owner,
    createdon: CREATED,
    modifiedon: CREATED,
  }));
  const annotations: DataverseRecord[] = [
    ["Call notes", "Asked for pricing of the premium tier.", 0],
    ["Meeting", "Quarterly review scheduled.", 1],
  ].map(([subject, text, contact], i) => ({
    annotationid: rowGuid(env.id, "annotation", i),
    subject: subject as string,
    notetext: text as string,
    isdocument: false,
    _objectid_value: contacts[contact as number].contactid,
    objecttypecode: "contact",
    _ownerid_value: owner,
    createdon: CREATED,
    modifiedon: CREATED,
  }));
  const lists: DataverseRecord[] = [
    ["Newsletter subscribers", 2],
    ["Event invitees", 2],
  ].map(([name, membertype], i) => ({
    listid: rowGuid(env.id, "list", i),
    listname: name as string,
    createdfromcode: membertype as number, // 2 = contact
    membercount: contacts.length,
    statecode: 0,
    _ownerid_value: owner,
    createdon: CREATED,
    modifiedon: CREATED,
  }));
  // An environment without Dynamics 365 Sales has no lead or marketing-list tables.
  return env.withoutSales ? { accounts, contacts, annotations } : { accounts, contacts, leads, annotations, lists };
}
