import { beforeAll, describe, expect, it } from "vitest";
import { useSandbox } from "@/test/support/sandbox";
import { getState } from "../core/store";
import type { DataverseAudit } from "../core/state";
import { buildContractScenario } from "../testing/contract-clients";
import { mintAccessToken } from "../testing/contract-tokens";
import { ENVIRONMENTS, TENANTS, USERS } from "../scenarios/ids";

const sandbox = useSandbox({ scenario: buildContractScenario });
let envUrl: string;
let api: string;
beforeAll(() => {
  envUrl = `${sandbox.origin}/dynamics/${ENVIRONMENTS.contosoSales.urlName}`;
  api = `${envUrl}/api/data/v9.2`;
});

const ODATA = { accept: "application/json", "content-type": "application/json", "odata-maxversion": "4.0", "odata-version": "4.0" };
const env = () => getState().environments.find((e) => e.id === ENVIRONMENTS.contosoSales.id)!;
const systemUserOf = (oid: string) => env().systemUsers.find((u) => u.azureactivedirectoryobjectid === oid)!;

/** A delegated Dataverse call as a Contoso user (the admin center's own calls). */
async function as(oid: string, method: string, path: string, body?: unknown): Promise<Response> {
  const token = await mintAccessToken({ tid: TENANTS.contoso, aud: envUrl, oid, scp: "user_impersonation" });
  return fetch(`${api}/${path}`, {
    method,
    headers: { ...ODATA, authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}
const asAdmin = (method: string, path: string, body?: unknown) => as(USERS.contosoAdmin, method, path, body);
const startAuditing = async () =>
  expect((await asAdmin("PATCH", `organizations(${ENVIRONMENTS.contosoSales.id})`, { isauditenabled: true })).status).toBe(204);

/** A row as the Web API answers it: the sandbox's audit without what only RetrieveAuditDetails shows. */
type AuditRow = Omit<DataverseAudit, "detail" | "_callinguserid_value">;
async function auditsOf(objectId: string, extra = ""): Promise<AuditRow[]> {
  const res = await asAdmin(
    "GET",
    `audits?$select=auditid,action,operation,objecttypecode,_objectid_value,_userid_value,createdon&$filter=_objectid_value eq ${objectId}${extra}&$orderby=createdon desc`,
  );
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { value: AuditRow[] }).value;
}

describe("Dataverse auditing (audits, RetrieveAuditDetails, organizations.isauditenabled)", () => {
  it("is off in a new environment: nothing is recorded and the organization says so", async () => {
    const org = await asAdmin("GET", "organizations?$select=organizationid,isauditenabled");
    expect(org.status).toBe(200);
    expect((await org.json()).value).toEqual([expect.objectContaining({ isauditenabled: false, organizationid: ENVIRONMENTS.contosoSales.id })]);
    const user = systemUserOf(USERS.contosoUser);
    expect((await as(USERS.contosoMfaAdmin, "PATCH", `systemusers(${user.systemuserid})`, { isdisabled: true })).status).toBe(204);
    expect(await auditsOf(user.systemuserid)).toEqual([]);
  });

  it("records a disable as an Update by the caller, with the old and new value in RetrieveAuditDetails", async () => {
    await startAuditing();
    const user = systemUserOf(USERS.contosoUser);
    const megan = systemUserOf(USERS.contosoMfaAdmin);
    expect((await as(USERS.contosoMfaAdmin, "PATCH", `systemusers(${user.systemuserid})`, { isdisabled: true })).status).toBe(204);
    // An update that changes nothing audited is not recorded.
    expect((await as(USERS.contosoMfaAdmin, "PATCH", `systemusers(${user.systemuserid})`, { isdisabled: true })).status).toBe(204);
    const rows = await auditsOf(user.systemuserid);
    expect(rows).toEqual([
      expect.objectContaining({
        action: 2,
        operation: 2,
        objecttypecode: "systemuser",
        _objectid_value: user.systemuserid,
        _userid_value: megan.systemuserid,
      }),
    ]);
    expect(Object.keys(rows[0]).sort()).toEqual(
      ["@odata.etag", "_objectid_value", "_userid_value", "action", "auditid", "createdon", "objecttypecode", "operation"].sort(),
    );

    const details = await asAdmin("GET", `audits(${rows[0].auditid})/Microsoft.Dynamics.CRM.RetrieveAuditDetails`);
    expect(details.status).toBe(200);
    const body = await details.json();
    expect(body["@odata.context"]).toBe(`${api}/$metadata#Microsoft.Dynamics.CRM.RetrieveAuditDetailsResponse`);
    expect(body.AuditDetail).toMatchObject({
      "@odata.type": "#Microsoft.Dynamics.CRM.AttributeAuditDetail",
      OldValue: { "@odata.type": "#Microsoft.Dynamics.CRM.systemuser", isdisabled: false },
      NewValue: { "@odata.type": "#Microsoft.Dynamics.CRM.systemuser", isdisabled: true },
      AuditRecord: { auditid: rows[0].auditid, action: 2 },
    });
  });

  it("records a role taken away (Disassociate Entities, 34) and given (Associate Entities, 33), naming the role", async () => {
    await startAuditing();
    const user = systemUserOf(USERS.contosoUser);
    const basic = env().roles.find((r) => r.name === "Basic User")!;
    expect((await asAdmin("DELETE", `systemusers(${user.systemuserid})/systemuserroles_association(${basic.roleid})/$ref`)).status).toBe(204);
    // Removing a role the user no longer holds changes nothing and records nothing.
    expect((await asAdmin("DELETE", `systemusers(${user.systemuserid})/systemuserroles_association(${basic.roleid})/$ref`)).status).toBe(204);
    expect(
      (await asAdmin("POST", `systemusers(${user.systemuserid})/systemuserroles_association/$ref`, { "@odata.id": `${api}/roles(${basic.roleid})` }))
        .status,
    ).toBe(204);
    const rows = await auditsOf(user.systemuserid);
    expect(rows.map((r) => r.action)).toEqual([33, 34]);
    expect(rows[0].createdon >= rows[1].createdon).toBe(true);
    expect(await auditsOf(user.systemuserid, " and action eq 34")).toHaveLength(1);
    const details = await (await asAdmin("GET", `audits(${rows[1].auditid})/Microsoft.Dynamics.CRM.RetrieveAuditDetails`)).json();
    expect(details.AuditDetail).toMatchObject({
      "@odata.type": "#Microsoft.Dynamics.CRM.RelationshipAuditDetail",
      RelationshipName: "systemuserroles_association",
      TargetRecords: [{ "@odata.type": "#Microsoft.Dynamics.CRM.role", roleid: basic.roleid }],
    });
  });

  it("records a user's deletion (Delete, 3) once", async () => {
    await startAuditing();
    const user = systemUserOf(USERS.contosoUser);
    expect((await asAdmin("PATCH", `systemusers(${user.systemuserid})`, { isdisabled: true })).status).toBe(204);
    expect((await asAdmin("DELETE", `systemusers(${user.systemuserid})`)).status).toBe(204);
    expect((await asAdmin("DELETE", `systemusers(${user.systemuserid})`)).status).toBe(204);
    expect((await auditsOf(user.systemuserid)).map((r) => r.action)).toEqual([3, 2]);
    expect(await auditsOf(user.systemuserid, " and action eq 3")).toHaveLength(1);
  });

  it("needs prvReadAuditSummary to read and prvWriteOrganization to start auditing; a bad $orderby is a 400", async () => {
    await startAuditing();
    const reader = await as(USERS.contosoUser, "GET", "audits?$top=1");
    expect(reader.status).toBe(403);
    expect((await reader.json()).error).toMatchObject({ code: "0x80040220", message: expect.stringContaining("prvReadAuditSummary") });
    const writer = await as(USERS.contosoUser, "PATCH", `organizations(${ENVIRONMENTS.contosoSales.id})`, { isauditenabled: false });
    expect(writer.status).toBe(403);
    expect(env().isauditenabled).toBe(true);
    const user = systemUserOf(USERS.contosoUser);
    expect((await asAdmin("PATCH", `systemusers(${user.systemuserid})`, { isdisabled: true })).status).toBe(204);
    expect((await asAdmin("GET", "audits?$orderby=nosuchcolumn desc")).status).toBe(400);
  });
});
