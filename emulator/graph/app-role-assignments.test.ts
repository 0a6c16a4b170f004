/**
 * Graph app role assignments, read and written with @microsoft/microsoft-graph-client: who holds the portal API's
 * roles (`appRoleAssignedTo`), what a principal holds (`appRoleAssignments` of a service principal or a user), and a
 * grant that shows up in the next client-credentials token's `roles` claim.
 */
import { Client, GraphError } from "@microsoft/microsoft-graph-client";
import { describe, expect, it } from "vitest";
import { GRAPH_APP_ID } from "./first-party";
import { buildDefaultScenario } from "../scenarios/default";
import { ACTON_SERVICES, PORTAL_APP, SERVICE_PRINCIPALS, TENANTS, USERS } from "../scenarios/ids";
import { useSandbox } from "@/test/support/sandbox";
import { decodeJwt, postToken } from "../testing/raw-oauth";

const sb = useSandbox();
const GRAPH_ROLES = {
  applicationReadAll: "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30",
  appRoleAssignmentReadWriteAll: "06b708a9-e830-4db3-a914-8e69da51d44f",
};
const { connector, statusReader, noRoles } = ACTON_SERVICES;

/** The Act-On Connector, additionally holding Graph Application.Read.All (+ AppRoleAssignment.ReadWrite.All if asked). */
async function connectorGraph(canWrite: boolean): Promise<Client> {
  const state = buildDefaultScenario();
  const roles = [GRAPH_ROLES.applicationReadAll, ...(canWrite ? [GRAPH_ROLES.appRoleAssignmentReadWriteAll] : [])];
  roles.forEach((appRoleId, i) =>
    state.appRoleAssignments.push({
      id: `59000000-0000-4000-8000-00000000000${i}`,
      tenantId: TENANTS.actoncorp,
      principalId: connector.spId,
      principalType: "ServicePrincipal",
      resourceId: SERVICE_PRINCIPALS.actoncorpGraph,
      appRoleId,
      createdDateTime: "2024-01-15T09:00:00Z",
    }),
  );
  await sb.control.reset({ state });
  const token = await appToken(connector, `${GRAPH_APP_ID}/.default`);
  return Client.init({
    baseUrl: `${sb.origin}/graph/`,
    customHosts: new Set(["localhost"]),
    defaultVersion: "v1.0",
    authProvider: (done) => done(null, token),
  });
}

async function appToken(service: { appId: string; secret: string }, scope: string): Promise<string> {
  const res = await postToken(sb.origin, TENANTS.actoncorp, {
    grant_type: "client_credentials",
    client_id: service.appId,
    client_secret: service.secret,
    scope,
  });
  expect(res.status).toBe(200);
  return res.body.access_token as string;
}

async function failure(p: Promise<unknown>): Promise<GraphError> {
  try {
    await p;
  } catch (e) {
    return e as GraphError;
  }
  throw new Error("expected the Graph call to fail");
}

describe("Graph appRoleAssignments", () => {
  it("lists who holds the portal API's roles, with Graph's appRoleAssignment shape", async () => {
    const graph = await connectorGraph(false);
    const res = await graph.api(`/servicePrincipals/${SERVICE_PRINCIPALS.actoncorpPortal}/appRoleAssignedTo`).get();
    expect(res["@odata.context"]).toMatch(/appRoleAssignedTo$/);
    const held = (res.value as { principalDisplayName: string; appRoleId: string; principalType: string }[]).map((a) => [
      a.principalDisplayName,
      a.principalType,
      a.appRoleId,
    ]);
    expect(held).toEqual(
      expect.arrayContaining([
        ["Act-On Support", "User", PORTAL_APP.roles.supportRead],
        ["Act-On Support Admin", "User", PORTAL_APP.roles.supportAdmin],
        ["Act-On Connector", "ServicePrincipal", PORTAL_APP.roles.connectionsRead],
        ["Act-On Connector", "ServicePrincipal", PORTAL_APP.roles.connectionsCredentialsRead],
        ["Act-On Connector", "ServicePrincipal", PORTAL_APP.roles.connectionsLinksWrite],
        ["Act-On Status Reader", "ServicePrincipal", PORTAL_APP.roles.connectionsRead],
      ]),
    );
    expect(held.some(([name]) => name === "No-Roles Service")).toBe(false);
    expect(held).not.toContainEqual(["Act-On Status Reader", "ServicePrincipal", PORTAL_APP.roles.connectionsLinksWrite]);
    expect(res.value[0]).toEqual({
      id: expect.any(String),
      deletedDateTime: null,
      appRoleId: expect.any(String),
      createdDateTime: expect.any(String),
      principalDisplayName: expect.any(String),
      principalId: expect.any(String),
      principalType: expect.any(String),
      resourceDisplayName: PORTAL_APP.displayName,
      resourceId: SERVICE_PRINCIPALS.actoncorpPortal,
    });
  });

  it("lists what a service principal and a user hold, with $filter", async () => {
    const graph = await connectorGraph(false);
    const sp = await graph.api(`/servicePrincipals/${statusReader.spId}/appRoleAssignments`).get();
    expect(sp.value.map((a: { appRoleId: string }) => a.appRoleId)).toEqual([PORTAL_APP.roles.connectionsRead]);
    const user = await graph
      .api(`/users/${USERS.actonSupportAdmin}/appRoleAssignments`)
      .filter(`resourceId eq ${SERVICE_PRINCIPALS.actoncorpPortal}`)
      .get();
    expect(user.value.map((a: { appRoleId: string }) => a.appRoleId)).toEqual([PORTAL_APP.roles.supportAdmin]);
  });

  it("grants an app role to a service principal; the next token carries it; duplicates and unknown roles are refused", async () => {
    const graph = await connectorGraph(true);
    expect(decodeJwt(await appToken(noRoles, `${PORTAL_APP.identifierUri}/.default`)).roles).toBeUndefined();
    const body = { principalId: noRoles.spId, resourceId: SERVICE_PRINCIPALS.actoncorpPortal, appRoleId: PORTAL_APP.roles.connectionsRead };
    const created = await graph.api(`/servicePrincipals/${SERVICE_PRINCIPALS.actoncorpPortal}/appRoleAssignedTo`).post(body);
    expect(created).toMatchObject({ ...body, principalType: "ServicePrincipal", principalDisplayName: "No-Roles Service" });
    expect(decodeJwt(await appToken(noRoles, `${PORTAL_APP.identifierUri}/.default`)).roles).toEqual(["Connections.Read"]);

    const duplicate = await failure(graph.api(`/servicePrincipals/${noRoles.spId}/appRoleAssignments`).post(body));
    expect([duplicate.statusCode, duplicate.code, duplicate.message]).toEqual([
      400,
      "Request_BadRequest",
      "Permission being assigned already exists on the object.",
    ]);
    // A user-only role cannot be given to an application, and an id the resource does not publish is unknown.
    for (const appRoleId of [PORTAL_APP.roles.supportRead, "32000000-0000-4000-8000-0000000000ff"]) {
      const refused = await failure(
        graph.api(`/servicePrincipals/${SERVICE_PRINCIPALS.actoncorpPortal}/appRoleAssignedTo`).post({ ...body, appRoleId }),
      );
      expect([refused.statusCode, refused.message]).toEqual([400, `Permission being assigned was not found on application '${PORTAL_APP.appId}'.`]);
    }

    await graph.api(`/servicePrincipals/${SERVICE_PRINCIPALS.actoncorpPortal}/appRoleAssignedTo/${created.id}`).delete();
    expect(decodeJwt(await appToken(noRoles, `${PORTAL_APP.identifierUri}/.default`)).roles).toBeUndefined();
  });

  it("refuses a grant without AppRoleAssignment.ReadWrite.All (403) and answers 404 for an unknown principal", async () => {
    const readOnly = await connectorGraph(false);
    const body = { principalId: noRoles.spId, resourceId: SERVICE_PRINCIPALS.actoncorpPortal, appRoleId: PORTAL_APP.roles.connectionsRead };
    const denied = await failure(readOnly.api(`/servicePrincipals/${SERVICE_PRINCIPALS.actoncorpPortal}/appRoleAssignedTo`).post(body));
    expect([denied.statusCode, denied.code]).toEqual([403, "Authorization_RequestDenied"]);
    const writer = await connectorGraph(true);
    const missing = await failure(
      writer
        .api(`/servicePrincipals/${SERVICE_PRINCIPALS.actoncorpPortal}/appRoleAssignedTo`)
        .post({ ...body, principalId: "49000000-0000-4000-8000-000000000999" }),
    );
    expect([missing.statusCode, missing.code]).toEqual([404, "Request_ResourceNotFound"]);
  });
});
