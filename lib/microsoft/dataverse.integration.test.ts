import { describe, expect, it } from "vitest";
import { DATAVERSE_ROLE_TEMPLATES } from "./constants";
import {
  addPrivilegesToRole,
  assignRoleToUser,
  createApplicationUser,
  createRole,
  disableApplicationUser,
  findApplicationUser,
  findPrivilegesByName,
  findRoleByName,
  findRoleByTemplateId,
  findRootBusinessUnit,
  getApplicationUserById,
  listRolePrivileges,
  listUserRoles,
  whoAmI,
  type DataverseContext,
} from "./dataverse";
import { isMicrosoftError, MicrosoftError } from "./errors";
import { addClientSecret, createApplication, createServicePrincipal, type GraphContext } from "./graph";
import { getAdminToken, type AdminSession } from "./admin-session";
import { getAppToken } from "./app-tokens";
import { callLog, CONTOSO_USER, ENVIRONMENTS, FAST_RETRY, signInAs, TENANTS, useMicrosoftSandbox } from "@/test/support/microsoft-sandbox";

const fx = useMicrosoftSandbox();

const salesUrl = () => fx.environmentUrl(ENVIRONMENTS.contosoSales.urlName);

function dataverseAs(session: AdminSession, environmentUrl = salesUrl()): DataverseContext {
  return { environmentUrl, getToken: () => getAdminToken(session, { environmentUrl }, { config: fx.config }), retry: FAST_RETRY };
}

/** The Graph half of the setup: an app registration with a service principal and a secret. */
async function registeredApp(session: AdminSession) {
  const graph: GraphContext = { baseUrl: fx.graphUrl, getToken: () => getAdminToken(session, "graph", { config: fx.config }) };
  const app = await createApplication(graph, { displayName: "Act-On Integration", tags: ["acton-test"], legacy: false });
  await createServicePrincipal(graph, { appId: app.appId, justCreated: true });
  const secret = await addClientSecret(graph, {
    objectId: app.objectId,
    displayName: "acton",
    endDateTime: new Date(Date.now() + 86_400_000),
    justCreated: true,
  });
  return { app, secret };
}

describe("Dataverse's Consistency: Strong header", () => {
  it("is asked for only by the reads that must see the engine's own writes (the app's user, a role's privileges, a user by id)", async () => {
    const session = await signInAs(fx);
    const sent: { method: string; path: string; strong: boolean }[] = [];
    const recording: typeof fetch = async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const headers = new Headers(init?.headers);
      sent.push({
        method: init?.method ?? "GET",
        path: url.pathname.replace(/\/dynamics\/[^/]+\/api\/data\/v9\.\d+/, ""),
        strong: headers.get("consistency") === "Strong",
      });
      return fetch(input, init);
    };
    const dv = { ...dataverseAs(session), fetchImpl: recording };
    const { app } = await registeredApp(session);

    await whoAmI(dv);
    const root = await findRootBusinessUnit(dv);
    const sysAdmin = (await findRoleByTemplateId(dv, {
      templateId: DATAVERSE_ROLE_TEMPLATES.systemAdministrator,
      businessUnitId: root.businessUnitId,
    }))!;
    const user = await createApplicationUser(dv, { appId: app.appId, businessUnitId: root.businessUnitId });
    await assignRoleToUser(dv, { systemUserId: user.systemUserId, roleId: sysAdmin.roleId });
    await findApplicationUser(dv, { appId: app.appId });
    await listRolePrivileges(dv, { roleId: sysAdmin.roleId });
    await getApplicationUserById(dv, { systemUserId: user.systemUserId });

    const strong = sent.filter((c) => c.strong);
    expect(strong.map((c) => `${c.method} ${c.path}`)).toEqual([
      "GET /systemusers", // the app's application user, looked up right after its create or a conflict
      "GET /RetrieveRolePrivilegesRole(RoleId=@p1)",
      `GET /systemusers(${user.systemUserId})`,
    ]);
    // Everything else (writes included) goes without it: it costs Dataverse a read from the primary.
    expect(sent.length).toBeGreaterThan(strong.length + 4);
  });
});

describe("Dataverse as the environment's System Administrator", () => {
  it("reads who the admin is, the root business unit and the System Administrator role", async () => {
    const session = await signInAs(fx);
    const dv = dataverseAs(session);
    const me = await whoAmI(dv);
    expect(me.organizationId).toBe(ENVIRONMENTS.contosoSales.id);
    const root = await findRootBusinessUnit(dv);
    expect(root.name).toBe("contososales");
    const sysAdmin = await findRoleByTemplateId(dv, {
      templateId: DATAVERSE_ROLE_TEMPLATES.systemAdministrator,
      businessUnitId: root.businessUnitId,
    });
    expect(sysAdmin).toMatchObject({
      name: "System Administrator",
      businessUnitId: root.businessUnitId,
      templateId: DATAVERSE_ROLE_TEMPLATES.systemAdministrator,
    });
    expect((await findRoleByName(dv, { name: "System Administrator", businessUnitId: root.businessUnitId }))?.roleId).toBe(sysAdmin!.roleId);
    expect(await findRoleByName(dv, { name: "No Such Role", businessUnitId: root.businessUnitId })).toBeNull();
  });

  it("creates a least-privilege role and gives it privileges at a depth", async () => {
    const session = await signInAs(fx);
    const dv = dataverseAs(session);
    const root = await findRootBusinessUnit(dv);
    const role = await createRole(dv, {
      name: "Act-On Integration",
      businessUnitId: root.businessUnitId,
      description: "Read leads and contacts for Act-On",
    });
    const privileges = await findPrivilegesByName(dv, { names: ["prvReadLead", "prvReadContact", "prvNoSuchPrivilege"] });
    expect(privileges.map((p) => p.name).sort()).toEqual(["prvReadContact", "prvReadLead"]);
    await addPrivilegesToRole(dv, {
      roleId: role.roleId,
      privileges: privileges.map((p) => ({ privilegeId: p.privilegeId, depth: "Global" as const })),
    });
    await addPrivilegesToRole(dv, {
      roleId: role.roleId,
      privileges: privileges.map((p) => ({ privilegeId: p.privilegeId, depth: "Global" as const })),
    });
    const held = await listRolePrivileges(dv, { roleId: role.roleId });
    expect(held.map((p) => [p.name, p.depth]).sort()).toEqual([
      ["prvReadContact", "Global"],
      ["prvReadLead", "Global"],
    ]);
    const state = await fx.control.getState();
    const env = state.environments.find((e) => e.id === ENVIRONMENTS.contosoSales.id)!;
    expect(env.roles.find((r) => r.roleid === role.roleId)).toMatchObject({ name: "Act-On Integration", businessunitid: root.businessUnitId });
  });

  it("creates the application user idempotently, assigns the role twice, and the app can then sign in", async () => {
    const session = await signInAs(fx);
    const dv = dataverseAs(session);
    const { app, secret } = await registeredApp(session);

    // Before the application user exists, the app is not a member of the environment.
    const appDv: DataverseContext = {
      environmentUrl: salesUrl(),
      getToken: () =>
        getAppToken({
          config: fx.config,
          tenantId: TENANTS.contoso,
          clientId: app.appId,
          clientSecret: secret.secretText,
          resource: { environmentUrl: salesUrl() },
        }),
      retry: FAST_RETRY,
    };
    expect(isMicrosoftError(await whoAmI(appDv).catch((x: unknown) => x), "forbidden")).toBe(true);

    expect(await findApplicationUser(dv, { appId: app.appId })).toBeNull();
    const root = await findRootBusinessUnit(dv);
    const created = await createApplicationUser(dv, { appId: app.appId, businessUnitId: root.businessUnitId });
    const log = callLog();
    const again = await createApplicationUser({ ...dv, recorder: log }, { appId: app.appId, businessUnitId: root.businessUnitId });
    expect(again.systemUserId).toBe(created.systemUserId);
    expect(log.calls.map((c) => [c.method, c.status])).toEqual([
      ["POST", 412],
      ["GET", 200],
    ]);

    const role = (await findRoleByTemplateId(dv, { templateId: DATAVERSE_ROLE_TEMPLATES.systemAdministrator, businessUnitId: root.businessUnitId }))!;
    await assignRoleToUser(dv, { systemUserId: created.systemUserId, roleId: role.roleId });
    await assignRoleToUser(dv, { systemUserId: created.systemUserId, roleId: role.roleId }); // already held: fine
    expect((await listUserRoles(dv, { systemUserId: created.systemUserId })).map((r) => r.roleId)).toEqual([role.roleId]);

    const found = await findApplicationUser(dv, { appId: app.appId });
    expect(found).toMatchObject({
      systemUserId: created.systemUserId,
      appId: app.appId,
      isDisabled: false,
      roles: [expect.objectContaining({ roleId: role.roleId })],
    });

    const state = await fx.control.getState();
    const env = state.environments.find((e) => e.id === ENVIRONMENTS.contosoSales.id)!;
    expect(env.systemUsers.filter((u) => u.applicationid === app.appId)).toEqual([
      expect.objectContaining({ accessmode: 4, isdisabled: false, businessunitid: root.businessUnitId }),
    ]);
    expect(env.systemUserRoles).toContainEqual({ systemuserid: created.systemUserId, roleid: role.roleId });

    // Verify as the app (the portal's last step).
    expect((await whoAmI(appDv, { justCreated: true })).userId).toBe(created.systemUserId);

    await disableApplicationUser(dv, { systemUserId: created.systemUserId });
    expect((await findApplicationUser(dv, { appId: app.appId }))?.isDisabled).toBe(true);
  });

  it("a not-yet-enabled application user is a retryable replication_pending right after creation", async () => {
    const session = await signInAs(fx);
    const { app, secret } = await registeredApp(session);
    const appDv: DataverseContext = {
      environmentUrl: salesUrl(),
      getToken: () =>
        getAppToken({
          config: fx.config,
          tenantId: TENANTS.contoso,
          clientId: app.appId,
          clientSecret: secret.secretText,
          resource: { environmentUrl: salesUrl() },
        }),
    };
    const e = await whoAmI(appDv, { justCreated: true }).catch((x: unknown) => x);
    expect(isMicrosoftError(e, "replication_pending")).toBe(true);
    expect((e as MicrosoftError).upstreamCode).toBe("0x80072560");
    expect((e as MicrosoftError).requestIds.length).toBeGreaterThan(0);
  });

  it("a user who is not System Administrator gets insufficient_privileges", async () => {
    const admin = await signInAs(fx);
    const { app } = await registeredApp(admin);
    const root = await findRootBusinessUnit(dataverseAs(admin));
    const user = await signInAs(fx, CONTOSO_USER);
    const e = await createApplicationUser(dataverseAs(user), { appId: app.appId, businessUnitId: root.businessUnitId }).catch((x: unknown) => x);
    expect(isMicrosoftError(e, "insufficient_privileges")).toBe(true);
    expect((e as MicrosoftError).appError.userMessage).toMatch(/System Administrator of the environment/);
  });

  it("retries a throttled Dataverse read after Retry-After", async () => {
    const session = await signInAs(fx);
    const log = callLog();
    await fx.control.addFault({
      service: "dataverse",
      method: "GET",
      path: "/api/data/v9.2/WhoAmI",
      kind: "throttle",
      retryAfterSeconds: 1,
      remaining: 1,
    });
    const me = await whoAmI({ ...dataverseAs(session), recorder: log });
    expect(me.organizationId).toBe(ENVIRONMENTS.contosoSales.id);
    expect(log.calls.map((c) => c.status)).toEqual([429, 200]);
  });

  it("creating an application user is not replayed after a 503 without Retry-After", async () => {
    const session = await signInAs(fx);
    const { app } = await registeredApp(session);
    const dv = dataverseAs(session);
    const root = await findRootBusinessUnit(dv);
    const log = callLog();
    await fx.control.addFault({ service: "dataverse", method: "POST", path: "/api/data/v9.2/systemusers", kind: "unavailable", remaining: 1 });
    const e = await createApplicationUser({ ...dv, recorder: log }, { appId: app.appId, businessUnitId: root.businessUnitId }).catch(
      (x: unknown) => x,
    );
    expect(isMicrosoftError(e, "upstream_unavailable")).toBe(true);
    expect(log.calls).toHaveLength(1);
  });
});
