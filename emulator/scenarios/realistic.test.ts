/**
 * The `realistic` scenario, through clients we did not write (@microsoft/microsoft-graph-client,
 * dynamics-web-api, msal-node) and raw HTTP where a header is the point: every trait it adds behaves as Microsoft
 * documents it (or, where undocumented, neutrally).
 */
import { sandboxGraph } from "../testing/graph-client";
import { GraphError } from "@microsoft/microsoft-graph-client";
import { PublicClientApplication } from "@azure/msal-node";
import { DynamicsWebApi } from "dynamics-web-api";
import { describe, expect, it } from "vitest";
import { useSandbox } from "@/test/support/sandbox";
import { DIRECTORY_ROLES } from "../core/state";
import { getState } from "../core/store";
import { BROAD_CLIENT, buildContractScenario, DAEMON_CLIENT } from "../testing/contract-clients";
import { appToken, userToken } from "../testing/contract-tokens";
import { privilegeIdFor } from "../dataverse/privileges-catalog";
import { ENVIRONMENTS, PORTAL_APP, REALISTIC, SANDBOX_PASSWORD, TENANTS, USERS } from "./ids";
import { buildRealisticScenario } from "./realistic";

const sandbox = useSandbox({ scenario: () => buildContractScenario(buildRealisticScenario()) });

const GRAPH = ["https://graph.microsoft.com/.default"];
const envUrl = (urlName: string) => `${sandbox.origin}/dynamics/${urlName}`;
const SALES = ENVIRONMENTS.contosoSales.urlName;

const graph = (token: string) => sandboxGraph(sandbox.origin, token);
const graphAs = async (upn: string) => graph(await userToken(sandbox.origin, upn, GRAPH));

async function graphFailure(p: Promise<unknown>): Promise<GraphError> {
  try {
    await p;
  } catch (e) {
    return e as GraphError;
  }
  throw new Error("expected the Graph call to fail");
}

const dvToken = (upn: string, urlName: string = SALES) => userToken(sandbox.origin, upn, [`${envUrl(urlName)}/user_impersonation`]);

/** Web API JSON as tests read it (loosely typed on purpose: each test asserts the fields it needs). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

/** Raw Web API call (headers such as If-Match are the point of some tests). */
async function dv(token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}, base = envUrl(SALES)) {
  const res = await fetch(`${base}/api/data/v9.2/${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, accept: "application/json", ...(body ? { "content-type": "application/json" } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Json) : null };
}

describe("realistic: directory", () => {
  it("holds admin@contoso's Global Administrator through a role-assignable group: memberOf shows the group, transitiveMemberOf the role", async () => {
    const client = await graphAs("admin@contoso.onmicrosoft.com");
    const direct = (await client.api("/me/memberOf").get()).value as { "@odata.type": string; roleTemplateId?: string; displayName: string }[];
    expect(direct.map((o) => [o["@odata.type"], o.displayName])).toEqual([
      ["#microsoft.graph.group", "Contoso Global Admins"],
      ["#microsoft.graph.directoryRole", "Dynamics 365 Administrator"],
    ]);
    const transitive = (
      await client.api("/me/transitiveMemberOf/microsoft.graph.directoryRole").header("ConsistencyLevel", "eventual").count(true).get()
    ).value as { roleTemplateId: string }[];
    expect(transitive.map((r) => r.roleTemplateId).sort()).toEqual(
      [DIRECTORY_ROLES.globalAdministrator, DIRECTORY_ROLES.dynamics365Administrator].sort(),
    );
    const assignments = (
      await client.api("/roleManagement/directory/roleAssignments").filter(`principalId eq '${REALISTIC.globalAdminsGroup}'`).get()
    ).value;
    expect(assignments).toEqual([expect.objectContaining({ roleDefinitionId: DIRECTORY_ROLES.globalAdministrator })]);
    // The group-held role still works: the admin may register apps and its token's wids carry the role.
    const token = await userToken(sandbox.origin, "admin@contoso.onmicrosoft.com", GRAPH);
    expect(JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString()).wids).toContain(DIRECTORY_ROLES.globalAdministrator);
  });

  it("lets only Global Reader / Authentication Policy Administrator-level admins read another user's MFA state", async () => {
    const path = `/users/${USERS.contosoMfaAdmin}/authentication/requirements`;
    const appAdmin = await graphAs("appadmin@contoso.onmicrosoft.com");
    const denied = await graphFailure(appAdmin.api(path).version("beta").get());
    expect([denied.statusCode, denied.code]).toEqual([403, "Authorization_RequestDenied"]);
    expect((await appAdmin.api(`/users/${REALISTIC.appAdmin}/authentication/requirements`).version("beta").get()).perUserMfaState).toBe("disabled");
    const admin = await graphAs("admin@contoso.onmicrosoft.com");
    expect((await admin.api(path).version("beta").get()).perUserMfaState).toBe("enforced");
  });

  it("caps client secrets at 180 days (defaultAppManagementPolicy, CredentialInvalidLifetimeAsPerAppPolicy)", async () => {
    await sandbox.control.setSettings({ replicationLagMs: 0 });
    const client = await graphAs("admin@contoso.onmicrosoft.com");
    const policy = await client.api("/policies/defaultAppManagementPolicy").get();
    expect(policy.applicationRestrictions.passwordCredentials).toEqual([
      expect.objectContaining({ restrictionType: "passwordLifetime", maxLifetime: "P180D" }),
    ]);
    const app = await client.api("/applications").post({ displayName: "Lifetime probe", signInAudience: "AzureADMyOrg" });
    const days = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString();
    for (const passwordCredential of [{ displayName: "one year", endDateTime: days(365) }, { displayName: "default (two years)" }]) {
      const refused = await graphFailure(client.api(`/applications/${app.id}/addPassword`).post({ passwordCredential }));
      expect([refused.statusCode, refused.code]).toEqual([400, "CredentialInvalidLifetimeAsPerAppPolicy"]);
      expect(refused.message).toBe(
        "Credential lifetime exceeds the max value allowed as per assigned policy '00000000-0000-0000-0000-000000000000'.",
      );
    }
    const ok = await client
      .api(`/applications/${app.id}/addPassword`)
      .post({ passwordCredential: { displayName: "179 days", endDateTime: days(179) } });
    expect(ok.secretText).toEqual(expect.any(String));
  });

  it("keeps a deleted application in deletedItems for its own tenant only; Fabrikam's admin gets 404 for Contoso's objects", async () => {
    await sandbox.control.setSettings({ replicationLagMs: 0 });
    const client = await graphAs("admin@contoso.onmicrosoft.com");
    const app = await client.api("/applications").post({ displayName: "Soon deleted", signInAudience: "AzureADMyOrg" });
    await client.api(`/applications/${app.id}`).delete();
    expect((await graphFailure(client.api(`/applications/${app.id}`).get())).statusCode).toBe(404);
    const deleted = await client.api(`/directory/deletedItems/${app.id}`).get();
    expect(deleted).toMatchObject({
      "@odata.type": "#microsoft.graph.application",
      id: app.id,
      appId: app.appId,
      deletedDateTime: expect.any(String),
    });
    expect((await client.api("/directory/deletedItems/microsoft.graph.application").get()).value.map((a: { id: string }) => a.id)).toEqual([app.id]);

    const pca = new PublicClientApplication({
      auth: { clientId: PORTAL_APP.appId, authority: `${sandbox.origin}/${TENANTS.fabrikam}`, knownAuthorities: [new URL(sandbox.origin).host] },
    });
    const fabrikam = graph(
      (await pca.acquireTokenByUsernamePassword({ scopes: GRAPH, username: "admin@fabrikam.onmicrosoft.com", password: SANDBOX_PASSWORD }))!
        .accessToken,
    );
    for (const path of [`/directory/deletedItems/${app.id}`, `/applications/${BROAD_CLIENT.objectId}`, `/servicePrincipals/${BROAD_CLIENT.spId}`]) {
      const err = await graphFailure(fabrikam.api(path).get());
      expect([path, err.statusCode, err.code]).toEqual([path, 404, "Request_ResourceNotFound"]);
    }
  });
});

describe("realistic: Dataverse", () => {
  it("lets admin@contoso act as System Administrator through the Contoso Sales Admins team", async () => {
    const token = await dvToken("admin@contoso.onmicrosoft.com");
    const api = new DynamicsWebApi({ serverUrl: `${envUrl(SALES)}/`, dataApi: { version: "9.2" }, onTokenRefresh: async () => token });
    const me = (await api.callFunction("WhoAmI")) as { UserId: string };
    expect(await api.retrieveMultiple({ collection: "systemusers", select: ["systemuserid"], top: 1 })).toBeTruthy();
    const teams = await dv(token, "GET", `systemusers(${me.UserId})/teammembership_association?$select=teamid,name`);
    expect(teams.body!.value).toEqual([expect.objectContaining({ teamid: REALISTIC.salesAdminsTeam, name: "Contoso Sales Admins" })]);
    const roles = await dv(token, "GET", `teams(${REALISTIC.salesAdminsTeam})/teamroles_association?$select=roleid,name,_roletemplateid_value`);
    expect(roles.body!.value.map((r: { name: string }) => r.name)).toEqual(["System Administrator"]);
    const direct = await dv(token, "GET", `systemusers(${me.UserId})/systemuserroles_association/$ref`);
    expect(direct.body!.value).toEqual([]);
    const gds = await fetch(`${sandbox.origin}/globaldisco/api/discovery/v2.0/Instances`, {
      headers: {
        authorization: `Bearer ${await userToken(sandbox.origin, "admin@contoso.onmicrosoft.com", [`${sandbox.origin}/globaldisco/user_impersonation`])}`,
      },
    });
    const sales = ((await gds.json()) as { value: { UrlName: string; IsUserSysAdmin: boolean; Url: string; ApiUrl: string }[] }).value.find(
      (i) => i.UrlName === SALES,
    )!;
    expect(sales.IsUserSysAdmin).toBe(true);
    // Discovery's ApiUrl differs from Url, and the Web API answers on both with a token for either.
    expect(sales.ApiUrl).not.toBe(sales.Url);
    expect((await dv(token, "GET", "WhoAmI", undefined, {}, sales.ApiUrl)).status).toBe(200);
    const apiToken = await userToken(sandbox.origin, "admin@contoso.onmicrosoft.com", [`${sales.ApiUrl}/user_impersonation`]);
    expect((await dv(apiToken, "GET", "WhoAmI", undefined, {}, sales.ApiUrl)).status).toBe(200);
  });

  it("makes elevation.admin self-elevate before they can act (Power Platform admin center's Self-elevate)", async () => {
    const token = await dvToken("elevation.admin@contoso.onmicrosoft.com");
    const before = await dv(token, "GET", "WhoAmI");
    expect([before.status, before.body!.error.code]).toEqual([403, "0x80072560"]);
    const elevated = await sandbox.control.selfElevate(SALES, "elevation.admin@contoso.onmicrosoft.com");
    const after = await dv(token, "GET", "WhoAmI");
    expect([after.status, after.body!.UserId]).toEqual([200, elevated.systemuserid]);
    await expect(sandbox.control.selfElevate(SALES, "user@contoso.onmicrosoft.com")).rejects.toThrow(/403/);
  });

  it("lists the soft-deleted application user, refuses a new one for that app until the row is purged by a second DELETE", async () => {
    const token = await dvToken("admin@contoso.onmicrosoft.com");
    const appId = REALISTIC.previousConnector.appId;
    const rows = await dv(token, "GET", `systemusers?$select=systemuserid,isdisabled,deletedstate&$filter=applicationid eq ${appId}`);
    expect(rows.body!.value).toEqual([
      expect.objectContaining({ systemuserid: REALISTIC.previousConnector.softDeletedSystemUserId, deletedstate: 1, isdisabled: true }),
    ]);
    const live = await dv(token, "GET", `systemusers?$select=systemuserid&$filter=applicationid eq ${appId} and deletedstate eq 0`);
    expect(live.body!.value).toEqual([]);
    const bu = (await dv(token, "GET", "businessunits?$select=businessunitid&$filter=parentbusinessunitid eq null")).body!.value[0].businessunitid;
    const create = { applicationid: appId, accessmode: 4, isdisabled: false, "businessunitid@odata.bind": `/businessunits(${bu})` };
    const conflict = await dv(token, "POST", "systemusers", create);
    expect([conflict.status, conflict.body!.error.code]).toEqual([412, "0x80040237"]);
    expect((await dv(token, "DELETE", `systemusers(${REALISTIC.previousConnector.softDeletedSystemUserId})`)).status).toBe(204);
    expect((await dv(token, "GET", `systemusers(${REALISTIC.previousConnector.softDeletedSystemUserId})`)).status).toBe(404);
    const created = await dv(token, "POST", "systemusers", create);
    expect(created.status).toBe(204);
  });

  it("deletes a user in two steps, only once disabled; PATCH with If-Match: * never creates; PATCH without it upserts; applicationid may be sent again", async () => {
    const token = await dvToken("admin@contoso.onmicrosoft.com");
    const bu = (await dv(token, "GET", "businessunits?$select=businessunitid&$filter=parentbusinessunitid eq null")).body!.value[0].businessunitid;
    const missing = "64000000-0000-4000-8000-00000000ffff";
    const ifMatch = await dv(token, "PATCH", `systemusers(${missing})`, { isdisabled: true }, { "if-match": "*" });
    expect([ifMatch.status, ifMatch.body!.error.code]).toEqual([404, "0x80040217"]);
    const upsert = await dv(token, "PATCH", `systemusers(${missing})`, {
      applicationid: DAEMON_CLIENT.appId,
      "businessunitid@odata.bind": `/businessunits(${bu})`,
    });
    expect(upsert.status).toBe(204);
    expect((await dv(token, "GET", `systemusers(${missing})?$select=applicationid`)).body!.applicationid).toBe(DAEMON_CLIENT.appId);
    const noUpdate = await dv(token, "PATCH", `systemusers(${missing})`, { isdisabled: true }, { "if-none-match": "*" });
    expect(noUpdate.status).toBe(412);

    const enabledDelete = await dv(token, "DELETE", `systemusers(${missing})`);
    expect(enabledDelete.status).toBe(400);
    expect(enabledDelete.body!.error.message).toMatch(/wording not confirmed/); // neutral where Microsoft's text is unknown
    const disable = await dv(
      token,
      "PATCH",
      `systemusers(${missing})`,
      { isdisabled: true, applicationid: DAEMON_CLIENT.appId },
      { "if-match": "*" },
    );
    expect(disable.status).toBe(204);
    const otherApp = await dv(token, "PATCH", `systemusers(${missing})`, { applicationid: BROAD_CLIENT.appId }, { "if-match": "*" });
    expect(otherApp.status).toBe(400);
    expect((await dv(token, "DELETE", `systemusers(${missing})`)).status).toBe(204);
    expect((await dv(token, "GET", `systemusers(${missing})?$select=deletedstate`)).body!.deletedstate).toBe(1);
    expect((await dv(token, "DELETE", `systemusers(${missing})`)).status).toBe(204);
    expect((await dv(token, "GET", `systemusers(${missing})`)).status).toBe(404);
  });

  it("admits a new application user only after a while (403 0x80072560 first), then refuses it with 0x80040225 once disabled", async () => {
    await sandbox.control.setSettings({ applicationUserAdmissionLagMs: 1_500 });
    const token = await dvToken("admin@contoso.onmicrosoft.com");
    const bu = (await dv(token, "GET", "businessunits?$select=businessunitid&$filter=parentbusinessunitid eq null")).body!.value[0].businessunitid;
    const created = await dv(token, "POST", "systemusers", {
      applicationid: DAEMON_CLIENT.appId,
      "businessunitid@odata.bind": `/businessunits(${bu})`,
    });
    const id = /systemusers\(([0-9a-f-]{36})\)/.exec(created.headers.get("odata-entityid")!)![1];
    const sysAdmin = (await dv(token, "GET", "roles?$select=roleid&$filter=name eq 'System Administrator'")).body!.value[0].roleid;
    await dv(token, "POST", `systemusers(${id})/systemuserroles_association/$ref`, {
      "@odata.id": `${envUrl(SALES)}/api/data/v9.2/roles(${sysAdmin})`,
    });
    const app = await appToken(sandbox.origin, DAEMON_CLIENT, envUrl(SALES));
    const early = await dv(app, "GET", "WhoAmI");
    expect([early.status, early.body!.error.code]).toEqual([403, "0x80072560"]);
    await new Promise((r) => setTimeout(r, 1_600));
    expect((await dv(app, "GET", "WhoAmI")).status).toBe(200);
    await dv(token, "PATCH", `systemusers(${id})`, { isdisabled: true }, { "if-match": "*" });
    const disabled = await dv(app, "GET", "WhoAmI");
    expect([disabled.status, disabled.body!.error.code]).toEqual([403, "0x80040225"]);
  });

  it("has no lead or marketing-list tables or privileges in Contoso EU (no Dynamics 365 Sales), but notes", async () => {
    const eu = ENVIRONMENTS.contosoEu.urlName;
    const token = await dvToken("admin@contoso.onmicrosoft.com", eu);
    const call = (path: string) => dv(token, "GET", path, undefined, {}, envUrl(eu));
    for (const set of ["leads", "lists"]) {
      const res = await call(`${set}?$top=1`);
      expect([set, res.status, res.body!.error.code]).toEqual([set, 404, "0x80060888"]);
    }
    expect((await call("annotations?$top=1")).status).toBe(200);
    expect((await call("privileges?$select=name&$filter=name eq 'prvReadLead' or name eq 'prvReadList'")).body!.value).toEqual([]);
    expect((await call("privileges?$select=name&$filter=name eq 'prvReadAccount'")).body!.value).toHaveLength(1);
    // Contoso Sales has them.
    const salesToken = await dvToken("admin@contoso.onmicrosoft.com");
    expect((await dv(salesToken, "GET", "lists?$top=1")).status).toBe(200);
  });

  it("removes a privilege from a custom role (RemovePrivilegeRole)", async () => {
    const token = await dvToken("admin@contoso.onmicrosoft.com");
    const bu = (await dv(token, "GET", "businessunits?$select=businessunitid&$filter=parentbusinessunitid eq null")).body!.value[0].businessunitid;
    const created = await dv(token, "POST", "roles", { name: "Probe", "businessunitid@odata.bind": `/businessunits(${bu})` });
    const roleId = /roles\(([0-9a-f-]{36})\)/.exec(created.headers.get("odata-entityid")!)![1];
    const privilegeId = privilegeIdFor("prvReadAccount");
    await dv(token, "POST", `roles(${roleId})/Microsoft.Dynamics.CRM.AddPrivilegesRole`, {
      Privileges: [{ PrivilegeId: privilegeId, Depth: "Global" }],
    });
    expect((await dv(token, "POST", `roles(${roleId})/Microsoft.Dynamics.CRM.RemovePrivilegeRole`, { PrivilegeId: privilegeId })).status).toBe(204);
    const left = await dv(token, "GET", `RetrieveRolePrivilegesRole(RoleId=@p)?@p=${roleId}`);
    expect(left.body!.RolePrivileges).toEqual([]);
  });
});

describe("realistic: settings", () => {
  it("starts with replication and admission lag and neutral wording, which tests can tune", async () => {
    expect(getState().settings).toMatchObject({ replicationLagMs: 2000, applicationUserAdmissionLagMs: 3000, unconfirmedWording: "neutral" });
    expect(await sandbox.control.setSettings({ replicationLagMs: 500, applicationUserAdmissionLagMs: 0 })).toMatchObject({ replicationLagMs: 500 });
  });

  it("runs its lags at a rehearsal speed (lagScale): the same 404 after a create, then the object, sooner", async () => {
    const client = await graphAs("admin@contoso.onmicrosoft.com");
    const lookUp = (id: string) => graphFailure(client.api(`/applications/${id}`).get()).catch(() => null);
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    expect(await sandbox.control.setSettings({ lagScale: 0.5 })).toMatchObject({ replicationLagMs: 2000, lagScale: 0.5 });
    const app = await client.api("/applications").post({ displayName: "Scaled lag probe", signInAudience: "AzureADMyOrg" });
    // Still replicating at first, as at Microsoft's pace ...
    expect((await lookUp(app.id))?.statusCode).toBe(404);
    // ... and visible once half of the 2 s lag has passed, where Microsoft's pace still answers 404.
    await sleep(1_100);
    expect(await lookUp(app.id)).toBeNull();
    await sandbox.control.setSettings({ lagScale: 1 });
    const slow = await client.api("/applications").post({ displayName: "Unscaled lag probe", signInAudience: "AzureADMyOrg" });
    await sleep(1_100);
    expect((await lookUp(slow.id))?.statusCode).toBe(404);
  });

  it("refuses a lag scale outside 0.01-10 and changes nothing", async () => {
    for (const lagScale of [0, -1, 11]) {
      const res = await fetch(`${sandbox.origin}/__emulator/settings`, {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ lagScale }),
      });
      expect(res.status).toBe(400);
    }
    expect(getState().settings.lagScale).toBeUndefined();
  });
});
