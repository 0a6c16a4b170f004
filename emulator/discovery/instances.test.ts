import { beforeAll, describe, expect, it } from "vitest";
import { useSandbox } from "@/test/support/sandbox";
import { getState } from "../core/store";
import { buildContractScenario } from "../testing/contract-clients";
import { userToken } from "../testing/contract-tokens";
import { ENVIRONMENTS, TENANTS, USERS } from "../scenarios/ids";

const sandbox = useSandbox({ scenario: buildContractScenario });
let root: string;
beforeAll(() => {
  root = `${sandbox.origin}/globaldisco/api/discovery/v2.0`;
});

const GDS = "https://globaldisco.crm.dynamics.com";
const UPN: Record<string, string> = { [USERS.contosoAdmin]: "admin@contoso.onmicrosoft.com", [USERS.contosoUser]: "user@contoso.onmicrosoft.com" };
/** A GDS token from the sandbox's token endpoint (`{GDS}/user_impersonation`), or for another resource. */
const gdsToken = (oid: string, resource = GDS) => userToken(sandbox.origin, UPN[oid], [`${resource}/user_impersonation`]);
async function get(path: string, token?: string) {
  return fetch(`${root}/${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
}

describe("Global Discovery Service Instances", () => {
  it("lists the cloud environments where the caller is an enabled user, with every documented field", async () => {
    const res = await get("Instances", await gdsToken(USERS.contosoAdmin));
    expect(res.status).toBe(200);
    expect(res.headers.get("odata-version")).toBe("4.0");
    const body = await res.json();
    expect(body["@odata.context"]).toBe(`${root}/$metadata#Instances`);
    expect(body.value.map((i: { UrlName: string }) => i.UrlName).sort()).toEqual(
      [ENVIRONMENTS.contosoEu.urlName, ENVIRONMENTS.contosoSales.urlName].sort(),
    );
    const sales = body.value.find((i: { UrlName: string }) => i.UrlName === ENVIRONMENTS.contosoSales.urlName);
    expect(sales).toMatchObject({
      Id: ENVIRONMENTS.contosoSales.id,
      EnvironmentId: ENVIRONMENTS.contosoSales.environmentId,
      TenantId: TENANTS.contoso,
      FriendlyName: "Contoso Sales",
      UniqueName: "contososales",
      State: 0,
      Region: "NA",
      IsUserSysAdmin: true,
      OrganizationType: 0,
      Url: `${sandbox.origin}/dynamics/${ENVIRONMENTS.contosoSales.urlName}`,
      ApiUrl: `${sandbox.origin}/dynamics/${ENVIRONMENTS.contosoSales.urlName}`,
    });
    for (const key of ["Version", "LastUpdated", "Purpose", "DatacenterId", "DatacenterName", "TrialExpirationDate", "SchemaType", "StatusMessage"])
      expect(sales).toHaveProperty(key);
  });

  it("supports $select, $filter and the keyed forms (always arrays)", async () => {
    const token = await gdsToken(USERS.contosoAdmin);
    const selected = await (await get("Instances?$select=ApiUrl,FriendlyName", token)).json();
    expect(selected["@odata.context"]).toBe(`${root}/$metadata#Instances(ApiUrl,FriendlyName)`);
    expect(Object.keys(selected.value[0]).sort()).toEqual(["ApiUrl", "FriendlyName"]);
    const filtered = await (await get("Instances?$filter=Region eq 'EMEA'", token)).json();
    expect(filtered.value.map((i: { UniqueName: string }) => i.UniqueName)).toEqual(["contosoeu"]);
    const byName = await (await get("Instances(UniqueName='contososales')", token)).json();
    expect(byName.value).toHaveLength(1);
    const byId = await (await get(`Instances(${ENVIRONMENTS.contosoEu.id})`, token)).json();
    expect(byId.value.map((i: { Id: string }) => i.Id)).toEqual([ENVIRONMENTS.contosoEu.id]);
  });

  it("is per user: a basic user sees only their environment, not as sysadmin; disabled users see nothing", async () => {
    const body = await (await get("Instances", await gdsToken(USERS.contosoUser))).json();
    expect(body.value).toEqual([expect.objectContaining({ UrlName: ENVIRONMENTS.contosoSales.urlName, IsUserSysAdmin: false })]);
    for (const env of getState().environments)
      for (const u of env.systemUsers) if (u.azureactivedirectoryobjectid === USERS.contosoUser) u.isdisabled = true;
    expect((await (await get("Instances", await gdsToken(USERS.contosoUser))).json()).value).toEqual([]);
  });

  it("accepts the sandbox's own GDS audience and answers 401 with a Bearer challenge without a token", async () => {
    expect((await get("Instances", await gdsToken(USERS.contosoAdmin, `${sandbox.origin}/globaldisco`))).status).toBe(200);
    const res = await get("Instances");
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(`Bearer authorization_uri=${sandbox.origin}/common/oauth2/authorize, resource_id=${GDS}/`);
    expect((await get("Instances", await userToken(sandbox.origin, UPN[USERS.contosoAdmin], ["https://graph.microsoft.com/User.Read"]))).status).toBe(
      401,
    );
  });

  it("serves $metadata", async () => {
    const res = await get("$metadata");
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<EntitySet Name="Instances"');
  });
});
