import { DynamicsWebApi } from "dynamics-web-api";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { useSandbox } from "@/test/support/sandbox";
import { getState } from "../core/store";
import { buildContractScenario } from "../testing/contract-clients";
import { appToken, userToken } from "../testing/contract-tokens";
import { createHash } from "node:crypto";
import { ENVIRONMENTS, ROLE_TEMPLATES, TENANTS, USERS } from "../scenarios/ids";
import { privilegeIdFor } from "./privileges-catalog";
import { contosoApplicationDefaults } from "../testing/contoso-application";
import { rejectionOf } from "../testing/rejection";

const CONNECTOR_APP_ID = "31000000-0000-4000-8000-0000000000c1";
const CONNECTOR_SP_ID = "40000000-0000-4000-8000-0000000000c1";
const CONNECTOR_SECRET = "Cn8Q~sandbox-connector-test-secret-value";

const sandbox = useSandbox({ scenario: buildContractScenario });
let envUrl: string;
beforeAll(() => {
  envUrl = `${sandbox.origin}/dynamics/${ENVIRONMENTS.contosoSales.urlName}`;
});
beforeEach(() => {
  // The connector app registration and its service principal in Contoso, replicated long ago.
  const state = getState();
  state.applications.push({
    id: "30000000-0000-4000-8000-0000000000c1",
    appId: CONNECTOR_APP_ID,
    ...contosoApplicationDefaults(),
    displayName: "Act-On Dynamics Connector (contoso)",
    passwordCredentials: [
      {
        keyId: "33000000-0000-4000-8000-0000000000c1",
        displayName: "tests",
        hint: CONNECTOR_SECRET.slice(0, 3),
        startDateTime: "2024-01-01T00:00:00Z",
        endDateTime: "2099-01-01T00:00:00Z",
        secretSha256: createHash("sha256").update(CONNECTOR_SECRET).digest("hex"),
      },
    ],
    createdDateTime: "2024-01-01T00:00:00Z",
  });
  state.servicePrincipals.push({
    id: CONNECTOR_SP_ID,
    appId: CONNECTOR_APP_ID,
    tenantId: TENANTS.contoso,
    displayName: "Act-On Dynamics Connector (contoso)",
    appOwnerOrganizationId: TENANTS.contoso,
    servicePrincipalNames: [CONNECTOR_APP_ID],
    accountEnabled: true,
    appRoleAssignmentRequired: false,
    tags: [],
    createdDateTime: "2024-01-01T00:00:00Z",
  });
});

const UPN: Record<string, string> = { [USERS.contosoAdmin]: "admin@contoso.onmicrosoft.com", [USERS.contosoUser]: "user@contoso.onmicrosoft.com" };
/** The user's delegated Dataverse token (`{env}/user_impersonation`) from the sandbox's token endpoint. */
const dataverseUserToken = (oid: string) => userToken(sandbox.origin, UPN[oid], [`${envUrl}/user_impersonation`]);
/** The connector's client-credentials token (`{env}/.default`). */
const connectorToken = () => appToken(sandbox.origin, { appId: CONNECTOR_APP_ID, secret: CONNECTOR_SECRET }, envUrl);

/** dynamics-web-api returns the new row's id (parsed from OData-EntityId) when no representation is asked for. */
async function createRow(api: DynamicsWebApi, collection: string, data: Record<string, unknown>): Promise<string> {
  return (await api.create<Record<string, unknown>, string>({ collection, data })) as string;
}

function webApi(token: () => Promise<string>): DynamicsWebApi {
  // dynamics-web-api resolves "api/data/v9.2" against serverUrl: a trailing slash keeps the /dynamics/{org} prefix.
  return new DynamicsWebApi({ serverUrl: `${envUrl}/`, dataApi: { version: "9.2" }, onTokenRefresh: token });
}

const failure = (call: Promise<unknown>) => rejectionOf<{ status: number; code: string; message: string }>(call);

describe("the admin provisions an application user with dynamics-web-api", () => {
  it("WhoAmI, root business unit, create the app user, find System Administrator, associate it", async () => {
    const api = webApi(() => dataverseUserToken(USERS.contosoAdmin));
    const me = await api.callFunction<{ UserId: string; BusinessUnitId: string; OrganizationId: string }>("WhoAmI");
    expect(me.OrganizationId).toBe(ENVIRONMENTS.contosoSales.id);
    const bus = await api.retrieveMultiple({
      collection: "businessunits",
      select: ["businessunitid", "name"],
      filter: "parentbusinessunitid eq null",
    });
    expect(bus.value).toHaveLength(1);
    const rootBu = bus.value[0].businessunitid as string;
    expect(me.BusinessUnitId).toBe(rootBu);
    const alsoRoot = await api.retrieveMultiple({
      collection: "businessunits",
      select: ["businessunitid"],
      filter: "_parentbusinessunitid_value eq null",
    });
    expect(alsoRoot.value[0].businessunitid).toBe(rootBu);

    const systemuserid = await createRow(api, "systemusers", {
      applicationid: CONNECTOR_APP_ID,
      accessmode: 4,
      isdisabled: false,
      "businessunitid@odata.bind": `/businessunits(${rootBu})`,
    });
    expect(systemuserid).toMatch(/^[0-9a-f-]{36}$/);
    const roles = await api.retrieveMultiple({
      collection: "roles",
      select: ["roleid", "name", "_businessunitid_value"],
      filter: `name eq 'System Administrator' and _businessunitid_value eq ${rootBu}`,
    });
    expect(roles.value).toHaveLength(1);
    await api.associate({
      collection: "systemusers",
      primaryKey: systemuserid,
      relationshipName: "systemuserroles_association",
      relatedCollection: "roles",
      relatedKey: roles.value[0].roleid,
    });

    const found = await api.retrieveMultiple({
      collection: "systemusers",
      select: ["applicationid", "systemuserid", "fullname", "isdisabled", "azureactivedirectoryobjectid", "_businessunitid_value"],
      filter: `applicationid eq ${CONNECTOR_APP_ID} and isdisabled eq false`,
      expand: [{ property: "systemuserroles_association", select: ["roleid", "name"] }],
    });
    expect(found.value).toHaveLength(1);
    expect(found.value[0]).toMatchObject({
      systemuserid,
      fullname: "# Act-On Dynamics Connector (contoso)",
      azureactivedirectoryobjectid: CONNECTOR_SP_ID,
      _businessunitid_value: rootBu,
      systemuserroles_association: [expect.objectContaining({ name: "System Administrator", roleid: roles.value[0].roleid })],
    });

    // Now the app itself is admitted.
    const asApp = await webApi(connectorToken).callFunction<{ UserId: string }>("WhoAmI");
    expect(asApp.UserId).toBe(systemuserid);

    await api.disassociate({
      collection: "systemusers",
      primaryKey: systemuserid,
      relationshipName: "systemuserroles_association",
      relatedKey: roles.value[0].roleid,
    });
    const noRole = await failure(webApi(connectorToken).callFunction("WhoAmI"));
    expect(noRole.status).toBe(403);
    expect(noRole.code).toBe("0x80072560");
  });

  it("builds a custom least-privilege role and reads its privileges back", async () => {
    const api = webApi(() => dataverseUserToken(USERS.contosoAdmin));
    const rootBu = (await api.retrieveMultiple({ collection: "businessunits", select: ["businessunitid"], filter: "parentbusinessunitid eq null" }))
      .value[0].businessunitid;
    const roleId = await createRow(api, "roles", { name: "Act-On Connector", "businessunitid@odata.bind": `/businessunits(${rootBu})` });
    const privileges = await api.retrieveMultiple({
      collection: "privileges",
      select: ["privilegeid", "name", "accessright"],
      filter: "Microsoft.Dynamics.CRM.In(PropertyName='name',PropertyValues=['prvReadLead','prvReadContact','prvReadAccount'])",
    });
    expect(privileges.value.map((p: { name: string }) => p.name).sort()).toEqual(["prvReadAccount", "prvReadContact", "prvReadLead"]);
    expect(privileges.value.every((p: { accessright: number }) => p.accessright === 1)).toBe(true);
    await api.callAction({
      collection: "roles",
      key: roleId,
      actionName: "Microsoft.Dynamics.CRM.AddPrivilegesRole",
      action: {
        Privileges: privileges.value.map((p: { privilegeid: string }) => ({ PrivilegeId: p.privilegeid, Depth: "Global", BusinessUnitId: rootBu })),
      },
    });
    const back = await api.callFunction<{ RolePrivileges: { PrivilegeName: string; Depth: string }[] }>({
      name: "RetrieveRolePrivilegesRole",
      parameters: { RoleId: roleId },
    });
    expect(back.RolePrivileges.map((p) => `${p.PrivilegeName}:${p.Depth}`).sort()).toEqual([
      "prvReadAccount:Global",
      "prvReadContact:Global",
      "prvReadLead:Global",
    ]);
    const nav = await api.retrieveMultiple({
      collection: "roles",
      key: roleId,
      navigationProperty: "roleprivileges_association",
      select: ["name"],
    } as never);
    expect(nav.value).toHaveLength(3);
  });
});

describe("the connector verifies with an app-only token", () => {
  it("is not a member until an application user with a role exists, then reads leads/contacts/accounts it may see", async () => {
    const app = webApi(connectorToken);
    expect((await failure(app.callFunction("WhoAmI"))).code).toBe("0x80072560");
    const env = getState().environments.find((e) => e.id === ENVIRONMENTS.contosoSales.id)!;
    const rootBu = env.businessUnits[0].businessunitid;
    const admin = webApi(() => dataverseUserToken(USERS.contosoAdmin));
    const systemuserid = await createRow(admin, "systemusers", {
      applicationid: CONNECTOR_APP_ID,
      "businessunitid@odata.bind": `/businessunits(${rootBu})`,
    });
    // An application user without a role is still refused.
    expect((await failure(app.callFunction("WhoAmI"))).code).toBe("0x80072560");
    const roleId = await createRow(admin, "roles", { name: "Leads only", "businessunitid@odata.bind": `/businessunits(${rootBu})` });
    await admin.callAction({
      collection: "roles",
      key: roleId,
      actionName: "Microsoft.Dynamics.CRM.AddPrivilegesRole",
      action: { Privileges: [{ PrivilegeId: privilegeIdFor("prvReadLead"), Depth: 3, BusinessUnitId: rootBu }] },
    });
    await admin.associate({
      collection: "systemusers",
      primaryKey: systemuserid,
      relationshipName: "systemuserroles_association",
      relatedCollection: "roles",
      relatedKey: roleId,
    });
    expect((await app.callFunction<{ UserId: string }>("WhoAmI")).UserId).toBe(systemuserid);
    const leads = await app.retrieveMultiple({ collection: "leads", select: ["fullname", "companyname"], top: 1 });
    expect(leads.value).toHaveLength(1);
    expect(Object.keys(leads.value[0]).sort()).toEqual(["@odata.etag", "companyname", "fullname"]);
    const denied = await failure(app.retrieveMultiple({ collection: "contacts", select: ["fullname"] }));
    expect(denied.status).toBe(403);
    expect(denied.code).toBe("0x80040220");
    expect(denied.message).toMatch(
      new RegExp(
        `^Principal user \\(Id=${systemuserid}, type=8, roleCount=1, privilegeCount=1.*is missing prvReadContact privilege \\(Id=${privilegeIdFor("prvReadContact")}\\) on OTC=2 for entity 'contact'`,
      ),
    );
  });
});

describe("refusals", () => {
  it("a user without prvCreateUser cannot create application users (0x80040220)", async () => {
    const api = webApi(() => dataverseUserToken(USERS.contosoUser));
    const rootBu = getState().environments.find((e) => e.id === ENVIRONMENTS.contosoSales.id)!.businessUnits[0].businessunitid;
    const err = await failure(
      createRow(api, "systemusers", { applicationid: CONNECTOR_APP_ID, "businessunitid@odata.bind": `/businessunits(${rootBu})` }),
    );
    expect(err.status).toBe(403);
    expect(err.code).toBe("0x80040220");
    expect(err.message).toContain("is missing prvCreateUser privilege");
    expect(err.message).toContain("on OTC=8 for entity 'systemuser'");
  });

  it("a second application user for the same app is 412 0x80040237; associating a role twice too", async () => {
    const api = webApi(() => dataverseUserToken(USERS.contosoAdmin));
    const env = getState().environments.find((e) => e.id === ENVIRONMENTS.contosoSales.id)!;
    const data = { applicationid: CONNECTOR_APP_ID, "businessunitid@odata.bind": `/businessunits(${env.businessUnits[0].businessunitid})` };
    const id = await createRow(api, "systemusers", data);
    const dup = await failure(createRow(api, "systemusers", data));
    expect(dup.status).toBe(412);
    expect(dup.code).toBe("0x80040237");
    const sysAdmin = env.roles.find((r) => r.roletemplateid === ROLE_TEMPLATES.systemAdministrator)!.roleid;
    await api.associate({
      collection: "systemusers",
      primaryKey: id,
      relationshipName: "systemuserroles_association",
      relatedCollection: "roles",
      relatedKey: sysAdmin,
    });
    const twice = await failure(
      api.associate({
        collection: "systemusers",
        primaryKey: id,
        relationshipName: "systemuserroles_association",
        relatedCollection: "roles",
        relatedKey: sysAdmin,
      }),
    );
    expect(twice.status).toBe(412);
    expect(twice.code).toBe("0x80040237");
  });

  it("an app without a service principal in the tenant cannot become an application user", async () => {
    const api = webApi(() => dataverseUserToken(USERS.contosoAdmin));
    const env = getState().environments.find((e) => e.id === ENVIRONMENTS.contosoSales.id)!;
    const err = await failure(
      createRow(api, "systemusers", {
        applicationid: "99999999-0000-4000-8000-000000000000",
        "businessunitid@odata.bind": `/businessunits(${env.businessUnits[0].businessunitid})`,
      }),
    );
    expect(err.status).toBe(400);
    expect(err.message).toContain("99999999-0000-4000-8000-000000000000");
  });

  it("a disabled application user is refused with 403 0x80040225 and Dataverse's documented text", async () => {
    const api = webApi(() => dataverseUserToken(USERS.contosoAdmin));
    const env = getState().environments.find((e) => e.id === ENVIRONMENTS.contosoSales.id)!;
    const id = await createRow(api, "systemusers", {
      applicationid: CONNECTOR_APP_ID,
      "businessunitid@odata.bind": `/businessunits(${env.businessUnits[0].businessunitid})`,
    });
    await api.associate({
      collection: "systemusers",
      primaryKey: id,
      relationshipName: "systemuserroles_association",
      relatedCollection: "roles",
      relatedKey: env.roles[0].roleid,
    });
    await webApi(connectorToken).callFunction("WhoAmI");
    await api.update({ collection: "systemusers", key: id, data: { isdisabled: true } });
    expect((await api.retrieve({ collection: "systemusers", key: id, select: ["isdisabled"] })).isdisabled).toBe(true);
    const refused = await failure(webApi(connectorToken).callFunction("WhoAmI"));
    expect([refused.status, refused.code]).toEqual([403, "0x80040225"]);
    expect(refused.message).toBe(
      `The user with SystemUserId=${id} in OrganizationContext=${env.id} is disabled. Disabled users cannot access the system. Consider enabling this user. Also, users are disabled if they don't have a license assigned to them.`,
    );
  });
});
