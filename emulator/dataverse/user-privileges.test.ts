/**
 * `RetrieveUserSetOfPrivilegesByNames` through dynamics-web-api (a client we did not write) and raw HTTP: the named
 * privileges a user holds through their own roles and their teams' roles, at each role's depth; nothing else.
 */
import { DynamicsWebApi } from "dynamics-web-api";
import { beforeAll, describe, expect, it } from "vitest";
import { useSandbox } from "@/test/support/sandbox";
import { getState } from "../core/store";
import type { Role } from "../core/state";
import { mintAccessToken } from "../testing/contract-tokens";
import { ENVIRONMENTS, TENANTS, USERS } from "../scenarios/ids";
import { privilegeIdFor } from "./privileges-catalog";

const sandbox = useSandbox();
let envUrl: string;
beforeAll(() => {
  envUrl = `${sandbox.origin}/dynamics/${ENVIRONMENTS.contosoSales.urlName}`;
});

const sales = () => getState().environments.find((e) => e.id === ENVIRONMENTS.contosoSales.id)!;
const userOf = (oid: string) => sales().systemUsers.find((u) => u.azureactivedirectoryobjectid === oid)!;
const token = (oid: string) => mintAccessToken({ tid: TENANTS.contoso, aud: envUrl, oid, scp: "user_impersonation" });
const webApi = (oid: string) => new DynamicsWebApi({ serverUrl: `${envUrl}/`, dataApi: { version: "9.2" }, onTokenRefresh: () => token(oid) });

type RolePrivilege = { Depth: string; PrivilegeId: string; BusinessUnitId: string; PrivilegeName: string };

/** A custom role in the root business unit with these privileges. */
function addRole(name: string, privileges: [string, Role["privileges"][number]["depth"]][]): Role {
  const env = sales();
  const role: Role = {
    roleid: crypto.randomUUID(),
    name,
    businessunitid: env.businessUnits[0].businessunitid,
    roletemplateid: null,
    ismanaged: false,
    allPrivileges: false,
    privileges: privileges.map(([n, depth]) => ({ privilegeid: privilegeIdFor(n), depth })),
  };
  env.roles.push(role);
  return role;
}

describe("RetrieveUserSetOfPrivilegesByNames", () => {
  it("answers the named privileges held through the user's roles and through a team's role, one per granting role", async () => {
    const member = userOf(USERS.contosoUser);
    const direct = addRole("Lead reader", [
      ["prvReadLead", "Global"],
      ["prvWriteLead", "Basic"],
    ]);
    const viaTeam = addRole("Contact reader", [["prvReadContact", "Local"]]);
    sales().systemUserRoles.push({ systemuserid: member.systemuserid, roleid: direct.roleid });
    (sales().teams ??= []).push({
      teamid: crypto.randomUUID(),
      name: "Marketing",
      businessunitid: viaTeam.businessunitid,
      teamtype: 0,
      isdefault: false,
      memberIds: [member.systemuserid],
      roleIds: [viaTeam.roleid],
    });

    const res = await webApi(USERS.contosoAdmin).callFunction<{ RolePrivileges: RolePrivilege[] }>({
      collection: "systemusers",
      key: member.systemuserid,
      name: "Microsoft.Dynamics.CRM.RetrieveUserSetOfPrivilegesByNames",
      parameters: { PrivilegeNames: ["prvReadLead", "prvWriteLead", "prvReadContact", "prvDeleteLead", "prvNoSuchThing"] },
    });
    const byName = Object.fromEntries(res.RolePrivileges.map((p) => [p.PrivilegeName, p]));
    expect(Object.keys(byName).sort()).toEqual(["prvReadContact", "prvReadLead", "prvWriteLead"]);
    expect(byName.prvReadLead).toMatchObject({ Depth: "Global", PrivilegeId: privilegeIdFor("prvReadLead"), BusinessUnitId: direct.businessunitid });
    expect(byName.prvWriteLead.Depth).toBe("Basic");
    expect(byName.prvReadContact.Depth).toBe("Local");
  });

  it("answers with the documented response type on raw HTTP (single-quoted literal too); refuses a missing or malformed parameter", async () => {
    const me = userOf(USERS.contosoAdmin);
    const headers = { accept: "application/json", authorization: `Bearer ${await token(USERS.contosoAdmin)}` };
    const api = `${envUrl}/api/data/v9.2`;
    const fn = `${api}/systemusers(${me.systemuserid})/Microsoft.Dynamics.CRM.RetrieveUserSetOfPrivilegesByNames(PrivilegeNames=@p)`;
    const ok = await fetch(`${fn}?@p=${encodeURIComponent("['prvReadAccount']")}`, { headers });
    expect(ok.status).toBe(200);
    const body = await ok.json();
    expect(body["@odata.context"]).toBe(`${api}/$metadata#Microsoft.Dynamics.CRM.RetrieveUserSetOfPrivilegesByNamesResponse`);
    // System Administrator holds every privilege at Global depth.
    expect(body.RolePrivileges).toEqual([expect.objectContaining({ PrivilegeName: "prvReadAccount", Depth: "Global" })]);

    expect((await fetch(fn, { headers })).status).toBe(400);
    expect((await fetch(`${fn}?@p=prvReadAccount`, { headers })).status).toBe(400);
    const other = `${api}/systemusers(${crypto.randomUUID()})/Microsoft.Dynamics.CRM.RetrieveUserSetOfPrivilegesByNames(PrivilegeNames=@p)?@p=[]`;
    expect(await (await fetch(other, { headers })).json()).toMatchObject({ error: { code: "0x80040217" } });
  });

  it("needs prvReadUser: a caller without it is refused with the privilege named", async () => {
    const member = userOf(USERS.contosoUser);
    const res = await fetch(
      `${envUrl}/api/data/v9.2/systemusers(${member.systemuserid})/Microsoft.Dynamics.CRM.RetrieveUserSetOfPrivilegesByNames(PrivilegeNames=@p)?@p=["prvReadLead"]`,
      { headers: { authorization: `Bearer ${await token(USERS.contosoUser)}` } },
    );
    expect(res.status).toBe(403);
    expect((await res.json()).error.message).toMatch(/is missing prvReadUser privilege/);
  });
});
