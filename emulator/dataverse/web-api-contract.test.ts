import { beforeAll, describe, expect, it } from "vitest";
import { useSandbox } from "@/test/support/sandbox";
import { getState } from "../core/store";
import { buildContractScenario } from "../testing/contract-clients";
import { mintAccessToken, userToken } from "../testing/contract-tokens";
import { ENVIRONMENTS, SANDBOX_PASSWORD, TENANTS, USERS } from "../scenarios/ids";

const sandbox = useSandbox({ scenario: buildContractScenario });
let envUrl: string;
let api: string;
beforeAll(() => {
  envUrl = `${sandbox.origin}/dynamics/${ENVIRONMENTS.contosoSales.urlName}`;
  api = `${envUrl}/api/data/v9.2`;
});

const ODATA = { accept: "application/json", "odata-maxversion": "4.0", "odata-version": "4.0" };
async function adminHeaders(): Promise<Record<string, string>> {
  return { ...ODATA, authorization: `Bearer ${await userToken(sandbox.origin, "admin@contoso.onmicrosoft.com", [`${envUrl}/user_impersonation`])}` };
}
const rootBu = () => getState().environments.find((e) => e.id === ENVIRONMENTS.contosoSales.id)!.businessUnits[0].businessunitid;

describe("Dataverse Web API contract (raw HTTP, as Microsoft documents it)", () => {
  it("WhoAmI answers with OData headers and the WhoAmIResponse context", async () => {
    for (const path of ["WhoAmI", "WhoAmI()"]) {
      const res = await fetch(`${api}/${path}`, { headers: await adminHeaders() });
      expect(res.status).toBe(200);
      expect(res.headers.get("odata-version")).toBe("4.0");
      expect(res.headers.get("content-type")).toBe("application/json; odata.metadata=minimal");
      const body = await res.json();
      expect(body["@odata.context"]).toBe(`${api}/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`);
      expect(body).toMatchObject({ OrganizationId: ENVIRONMENTS.contosoSales.id, BusinessUnitId: rootBu() });
    }
  });

  it("create answers 204 with OData-EntityId, or 201 + body + Preference-Applied with return=representation", async () => {
    const body = JSON.stringify({ name: "Role A", "businessunitid@odata.bind": `/businessunits(${rootBu()})` });
    const plain = await fetch(`${api}/roles`, { method: "POST", headers: { ...(await adminHeaders()), "content-type": "application/json" }, body });
    expect(plain.status).toBe(204);
    expect(plain.headers.get("odata-entityid")).toMatch(new RegExp(`^${api.replace(/[.]/g, "\\.")}/roles\\([0-9a-f-]{36}\\)$`));
    const rep = await fetch(`${api}/roles?$select=roleid,name`, {
      method: "POST",
      headers: { ...(await adminHeaders()), "content-type": "application/json", prefer: "return=representation" },
      body,
    });
    expect(rep.status).toBe(201);
    expect(rep.headers.get("preference-applied")).toBe("return=representation");
    expect(rep.headers.get("odata-entityid")).toBeNull();
    const created = await rep.json();
    expect(created["@odata.context"]).toBe(`${api}/$metadata#roles(roleid,name)/$entity`);
    expect(created["@odata.etag"]).toMatch(/^W\/"\d+"$/);
    expect(Object.keys(created).sort()).toEqual(["@odata.context", "@odata.etag", "name", "roleid"]);
  });

  it("associates via $ref with the documented @odata.id body and lists the association", async () => {
    const headers = { ...(await adminHeaders()), "content-type": "application/json" };
    const env = getState().environments.find((e) => e.id === ENVIRONMENTS.contosoSales.id)!;
    const basicUser = env.systemUsers.find((u) => u.azureactivedirectoryobjectid === USERS.contosoUser)!;
    const sysAdmin = env.roles.find((r) => r.name === "System Administrator")!;
    const res = await fetch(`${api}/systemusers(${basicUser.systemuserid})/systemuserroles_association/$ref`, {
      method: "POST",
      headers,
      body: JSON.stringify({ "@odata.id": `${api}/roles(${sysAdmin.roleid})` }),
    });
    expect(res.status).toBe(204);
    const list = await (await fetch(`${api}/systemusers(${basicUser.systemuserid})/systemuserroles_association?$select=name`, { headers })).json();
    expect(list.value.map((r: { name: string }) => r.name).sort()).toEqual(["Basic User", "System Administrator"]);
    const del = await fetch(`${api}/systemusers(${basicUser.systemuserid})/systemuserroles_association(${sysAdmin.roleid})/$ref`, {
      method: "DELETE",
      headers,
    });
    expect(del.status).toBe(204);
  });

  it("unknown segments are 404 0x80060888; unknown properties in $filter/$select are 400", async () => {
    const headers = await adminHeaders();
    const res = await fetch(`${api}/widgets`, { headers });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: "0x80060888", message: "Resource not found for the segment 'widgets'." } });
    const badFilter = await fetch(`${api}/systemusers?$filter=colour eq 'blue'`, { headers });
    expect(badFilter.status).toBe(400);
    expect((await badFilter.json()).error.message).toContain("Could not find a property named 'colour'");
    const missing = await fetch(`${api}/systemusers(00000000-0000-4000-8000-000000000999)`, { headers });
    expect(missing.status).toBe(404);
  });

  it("a request without a token gets the Bearer challenge naming the tenant and the environment", async () => {
    const res = await fetch(`${api}/WhoAmI`);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(
      `Bearer authorization_uri=${sandbox.origin}/${TENANTS.contoso}/oauth2/authorize, resource_id=${envUrl}/`,
    );
    // No sandbox flow issues an Act-On user a token for Contoso's environment, so this one is minted.
    const otherTenant = await mintAccessToken({ tid: TENANTS.actoncorp, aud: envUrl, oid: USERS.actonSupport, scp: "user_impersonation" });
    expect((await fetch(`${api}/WhoAmI`, { headers: { authorization: `Bearer ${otherTenant}` } })).status).toBe(401);
    const graphToken = await userToken(sandbox.origin, "admin@contoso.onmicrosoft.com", ["https://graph.microsoft.com/User.Read"]);
    expect((await fetch(`${api}/WhoAmI`, { headers: { authorization: `Bearer ${graphToken}` } })).status).toBe(401);
  });

  it("an environment without Dynamics 365 Sales has no leads or lists entity sets: 404 'Resource not found for the segment', as Dataverse answers", async () => {
    const env = getState().environments.find((e) => e.id === ENVIRONMENTS.contosoSales.id)!;
    env.withoutSales = true;
    try {
      for (const set of ["leads", "lists"]) {
        const res = await fetch(`${api}/${set}?$top=1`, { headers: await adminHeaders() });
        expect(res.status, set).toBe(404);
        expect(await res.json()).toEqual({ error: { code: "0x80060888", message: `Resource not found for the segment '${set}'.` } });
      }
      expect((await fetch(`${api}/contacts?$top=1`, { headers: await adminHeaders() })).status).toBe(200);
    } finally {
      env.withoutSales = false;
    }
  });

  it("a directory user without a systemuser in the environment is 403 0x80072560", async () => {
    const token = await userToken(sandbox.origin, "user@contoso.onmicrosoft.com", [
      `${sandbox.origin}/dynamics/${ENVIRONMENTS.contosoEu.urlName}/user_impersonation`,
    ]);
    const res = await fetch(`${sandbox.origin}/dynamics/${ENVIRONMENTS.contosoEu.urlName}/api/data/v9.2/WhoAmI`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: { code: "0x80072560", message: "The user is not a member of the organization." } });
  });

  it("the Windows on-premises org refuses HTTP Basic as IIS does: 401 offering Negotiate and NTLM only", async () => {
    const onPrem = `${sandbox.origin}/dynamics/${ENVIRONMENTS.contosoOnPrem.urlName}/api/data`;
    const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` });
    for (const headers of [{}, basic("CONTOSO\\crmadmin", SANDBOX_PASSWORD), basic("crmadmin@contoso.local", SANDBOX_PASSWORD)]) {
      const res = await fetch(`${onPrem}/v9.1/WhoAmI`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe("Negotiate, NTLM");
    }
    // Not signed in, an unknown version is not even reached: IIS answers 401 before the Web API sees the path.
    expect((await fetch(`${onPrem}/v9.2/WhoAmI`)).status).toBe(401);
  });

  it("privileges can be filtered with name eq ... or name eq ...", async () => {
    const res = await fetch(`${api}/privileges?$select=name,canbebasic,canbeglobal&$filter=name eq 'prvCreateUser' or name eq 'prvBulkDelete'`, {
      headers: await adminHeaders(),
    });
    const body = await res.json();
    expect(body.value.map((p: { name: string }) => p.name).sort()).toEqual(["prvBulkDelete", "prvCreateUser"]);
    expect(body.value.find((p: { name: string }) => p.name === "prvBulkDelete")).toMatchObject({ canbebasic: false, canbeglobal: true });
  });
});
