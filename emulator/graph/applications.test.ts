import { GraphError, PageIterator, type PageCollection } from "@microsoft/microsoft-graph-client";
import { sandboxGraph } from "../testing/graph-client";
import { describe, expect, it } from "vitest";
import { useSandbox } from "@/test/support/sandbox";
import { getState } from "../core/store";
import { ENVIRONMENTS, TENANTS } from "../scenarios/ids";
import { buildContractScenario, NARROW_CLIENT } from "../testing/contract-clients";
import { userToken } from "../testing/contract-tokens";

const GRAPH_DEFAULT = ["https://graph.microsoft.com/.default"];

const sandbox = useSandbox({ scenario: buildContractScenario });

const graph = (token: string) => sandboxGraph(sandbox.origin, token);

const adminToken = () => userToken(sandbox.origin, "admin@contoso.onmicrosoft.com", GRAPH_DEFAULT);
/** The same admin through a client consented for User.Read only. */
const narrowAdminToken = () => userToken(sandbox.origin, "admin@contoso.onmicrosoft.com", ["https://graph.microsoft.com/User.Read"], NARROW_CLIENT);
const plainUserToken = () => userToken(sandbox.origin, "user@contoso.onmicrosoft.com", GRAPH_DEFAULT);

async function graphFailure(p: Promise<unknown>): Promise<GraphError> {
  try {
    await p;
  } catch (e) {
    return e as GraphError;
  }
  throw new Error("expected the Graph call to fail");
}

const CONNECTOR_APP = {
  displayName: "Act-On Dynamics Connector (contoso)",
  signInAudience: "AzureADMyOrg",
  isFallbackPublicClient: false,
  tags: ["acton-dynamics-connector", "acton-account:12345"],
  notes: "Created by Act-On onboarding portal",
  web: {
    redirectUris: ["https://portal.example.com/auth/callback"],
    implicitGrantSettings: { enableIdTokenIssuance: false, enableAccessTokenIssuance: false },
  },
  requiredResourceAccess: [
    { resourceAppId: "00000007-0000-0000-c000-000000000000", resourceAccess: [{ id: "78ce3f0f-a1ce-49c2-8cde-64b5c0896db4", type: "Scope" }] },
  ],
};

describe("POST /applications", () => {
  it("creates the registration and answers 201 with the full object", async () => {
    const app = await graph(await adminToken())
      .api("/applications")
      .post(CONNECTOR_APP);
    expect(app["@odata.context"]).toBe("https://graph.microsoft.com/v1.0/$metadata#applications/$entity");
    expect(app.id).not.toBe(app.appId);
    expect(app).toMatchObject({
      displayName: CONNECTOR_APP.displayName,
      signInAudience: "AzureADMyOrg",
      publisherDomain: "contoso.onmicrosoft.com",
      tags: CONNECTOR_APP.tags,
      passwordCredentials: [],
      keyCredentials: [],
      identifierUris: [],
      requiredResourceAccess: CONNECTOR_APP.requiredResourceAccess,
      web: {
        redirectUris: CONNECTOR_APP.web.redirectUris,
        implicitGrantSettings: { enableIdTokenIssuance: false, enableAccessTokenIssuance: false },
        homePageUrl: null,
      },
      publicClient: { redirectUris: [] },
    });
    expect(Date.parse(app.createdDateTime)).toBeGreaterThan(Date.now() - 60_000);
  });

  it("requires displayName and answers a malformed body with 400", async () => {
    const client = graph(await adminToken());
    const missing = await graphFailure(client.api("/applications").post({ signInAudience: "AzureADMyOrg" }));
    expect(missing.statusCode).toBe(400);
    expect(missing.code).toBe("Request_BadRequest");
    const res = await fetch(`${sandbox.origin}/graph/v1.0/applications`, {
      method: "POST",
      headers: { authorization: `Bearer ${await adminToken()}`, "content-type": "application/json" },
      body: "{not json",
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe("BadRequest");
  });

  it("refuses a token without Application.ReadWrite.All with Authorization_RequestDenied", async () => {
    const err = await graphFailure(
      graph(await narrowAdminToken())
        .api("/applications")
        .post(CONNECTOR_APP),
    );
    expect(err.statusCode).toBe(403);
    expect(err.code).toBe("Authorization_RequestDenied");
    expect(err.message).toBe("Insufficient privileges to complete the operation.");
  });

  it("lets a plain user register apps only while users can register applications", async () => {
    await graph(await plainUserToken())
      .api("/applications")
      .post(CONNECTOR_APP);
    getState().tenants.find((t) => t.id === TENANTS.contoso)!.usersCanRegisterApps = false;
    const err = await graphFailure(
      graph(await plainUserToken())
        .api("/applications")
        .post(CONNECTOR_APP),
    );
    expect(err.statusCode).toBe(403);
  });

  it("answers 401 InvalidAuthenticationToken without a valid Graph token", async () => {
    const res = await fetch(`${sandbox.origin}/graph/v1.0/applications`);
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe("InvalidAuthenticationToken");
    expect(res.headers.get("request-id")).toMatch(/^[0-9a-f-]{36}$/);
    // A genuine token for a Dataverse environment is not a Graph token.
    const wrongAudience = await userToken(sandbox.origin, "admin@contoso.onmicrosoft.com", [
      `${sandbox.origin}/dynamics/${ENVIRONMENTS.contosoSales.urlName}/user_impersonation`,
    ]);
    const err = await graphFailure(graph(wrongAudience).api("/applications").get());
    expect(err.statusCode).toBe(401);
  });
});

describe("finding and addressing applications", () => {
  it("filters by tags, appId, displayName and startswith, and hides other tenants' apps", async () => {
    const client = graph(await adminToken());
    const app = await client.api("/applications").post(CONNECTOR_APP);
    await client.api("/applications").post({ displayName: "Something else", signInAudience: "AzureADMyOrg" });
    const byTag = await client.api("/applications").filter("tags/any(t:t eq 'acton-dynamics-connector')").get();
    expect(byTag.value.map((a: { id: string }) => a.id)).toEqual([app.id]);
    const byAppId = await client.api("/applications").filter(`appId eq '${app.appId}'`).select("id,appId,displayName").get();
    expect(byAppId["@odata.context"]).toBe("https://graph.microsoft.com/v1.0/$metadata#applications(id,appId,displayName)");
    expect(byAppId.value).toEqual([{ id: app.id, appId: app.appId, displayName: app.displayName }]);
    const combined = await client.api("/applications").filter("startswith(displayName,'act-on') and tags/any(t:t eq 'acton-account:12345')").get();
    expect(combined.value).toHaveLength(1);
    // The portal's own registration lives in Act-On's tenant and is invisible from Contoso.
    const all = await client.api("/applications").get();
    const names = all.value.map((a: { displayName: string }) => a.displayName).filter((n: string) => !n.startsWith("Contract Tests"));
    expect(names.sort()).toEqual(["Act-On Dynamics Connector (contoso)", "Something else"]);
    expect(all.value.some((a: { tenantId?: string; publisherDomain: string }) => a.publisherDomain !== "contoso.onmicrosoft.com")).toBe(false);
  });

  it("pages with $top and @odata.nextLink that the SDK's PageIterator follows", async () => {
    const client = graph(await adminToken());
    for (let i = 0; i < 5; i++) await client.api("/applications").post({ displayName: `Paged ${i}`, signInAudience: "AzureADMyOrg" });
    const first: PageCollection = await client.api("/applications").filter("startswith(displayName,'Paged')").top(2).get();
    expect(first.value).toHaveLength(2);
    expect(first["@odata.nextLink"]).toContain(`${sandbox.origin}/graph/v1.0/applications?`);
    const names: string[] = [];
    await new PageIterator(client, first, (a: { displayName: string }) => {
      names.push(a.displayName);
      return true;
    }).iterate();
    expect(names).toEqual(["Paged 0", "Paged 1", "Paged 2", "Paged 3", "Paged 4"]);
  });

  it("reads, patches (204, nested merge) and deletes by object id and by appId", async () => {
    const client = graph(await adminToken());
    const app = await client.api("/applications").post(CONNECTOR_APP);
    await client
      .api(`/applications/${app.id}`)
      .patch({ isFallbackPublicClient: true, web: { implicitGrantSettings: { enableIdTokenIssuance: true } } });
    const read = await client.api(`/applications(appId='${app.appId}')`).get();
    expect(read.isFallbackPublicClient).toBe(true);
    expect(read.web.redirectUris).toEqual(CONNECTOR_APP.web.redirectUris);
    expect(read.web.implicitGrantSettings).toEqual({ enableIdTokenIssuance: true, enableAccessTokenIssuance: false });
    const res = await fetch(`${sandbox.origin}/graph/v1.0/applications/${app.id}`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${await adminToken()}`, "content-type": "application/json", "client-request-id": "abc-123" },
      body: JSON.stringify({ tags: ["x"] }),
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("client-request-id")).toBe("abc-123");
    await client.api(`/applications/${app.id}`).delete();
    const gone = await graphFailure(client.api(`/applications/${app.id}`).get());
    expect(gone.statusCode).toBe(404);
    expect(gone.code).toBe("Request_ResourceNotFound");
  });

  it("rejects unknown properties on PATCH", async () => {
    const client = graph(await adminToken());
    const app = await client.api("/applications").post(CONNECTOR_APP);
    const err = await graphFailure(client.api(`/applications/${app.id}`).patch({ colour: "blue" }));
    expect(err.statusCode).toBe(400);
  });
});

describe("client secrets", () => {
  it("addPassword returns the secret text once; later reads carry only the hint", async () => {
    const client = graph(await adminToken());
    const app = await client.api("/applications").post(CONNECTOR_APP);
    const cred = await client.api(`/applications/${app.id}/addPassword`).post({ passwordCredential: { displayName: "acton-2026-01" } });
    expect(cred.secretText).toHaveLength(40);
    expect(cred.hint).toBe(cred.secretText.slice(0, 3));
    expect(Date.parse(cred.endDateTime) - Date.parse(cred.startDateTime)).toBeGreaterThan(729 * 24 * 3600 * 1000);
    const read = await client.api(`/applications/${app.id}`).get();
    expect(read.passwordCredentials).toEqual([
      expect.objectContaining({ keyId: cred.keyId, hint: cred.hint, secretText: null, displayName: "acton-2026-01" }),
    ]);
    const stored = getState().applications.find((a) => a.id === app.id)!.passwordCredentials[0];
    expect(JSON.stringify(stored)).not.toContain(cred.secretText);
  });

  it("addPassword and removePassword work by appId; an unknown keyId is a 400", async () => {
    const client = graph(await adminToken());
    const app = await client.api("/applications").post(CONNECTOR_APP);
    const cred = await client
      .api(`/applications(appId='${app.appId}')/addPassword`)
      .post({ passwordCredential: { endDateTime: "2030-01-01T00:00:00Z" } });
    expect(cred.endDateTime).toBe("2030-01-01T00:00:00.000Z");
    const res = await fetch(`${sandbox.origin}/graph/v1.0/applications(appId='${app.appId}')/removePassword`, {
      method: "POST",
      headers: { authorization: `Bearer ${await adminToken()}`, "content-type": "application/json" },
      body: JSON.stringify({ keyId: cred.keyId }),
    });
    expect(res.status).toBe(204);
    const again = await graphFailure(client.api(`/applications/${app.id}/removePassword`).post({ keyId: cred.keyId }));
    expect(again.statusCode).toBe(400);
  });
});

describe("replication lag", () => {
  it("hides a just-created app from reads, filters and PATCH, then shows it", async () => {
    getState().settings.replicationLagMs = 3000;
    const client = graph(await adminToken());
    const app = await client.api("/applications").post(CONNECTOR_APP);
    const err = await graphFailure(client.api(`/applications/${app.id}`).get());
    expect(err.statusCode).toBe(404);
    expect(err.code).toBe("Request_ResourceNotFound");
    expect((await client.api("/applications").filter(`appId eq '${app.appId}'`).get()).value).toEqual([]);
    expect((await graphFailure(client.api(`/applications/${app.id}`).patch({ notes: "x" }))).statusCode).toBe(404);
    await new Promise((r) => setTimeout(r, 3050));
    expect((await client.api(`/applications/${app.id}`).get()).id).toBe(app.id);
  });
});
