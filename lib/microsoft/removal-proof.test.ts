/**
 * Removal is proven, not assumed: a 404 or 400 from removePassword, a 404 from deleting an app or from
 * disabling an application user counts as done only after a re-read shows the thing gone, in the right tenant.
 * Microsoft is scripted here (request by request) because the interesting answers are the rare ones.
 */
import { describe, expect, it } from "vitest";
import { createApplicationUser, disableApplicationUser, findApplicationUser } from "./dataverse";
import { isMicrosoftError } from "./errors";
import { deleteApplication, removeClientSecret, type GraphContext } from "./graph";

const CONTOSO = "10000000-0000-4000-8000-000000000001";
const OTHER = "10000000-0000-4000-8000-000000000099";
const APP = "30000000-0000-4000-8000-0000000000aa";
const KEY = "33000000-0000-4000-8000-0000000000bb";
const USER = "60000000-0000-4000-8000-0000000000cc";
const BU = "61000000-0000-4000-8000-0000000000dd";

type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

function scripted(answers: Answer[]) {
  const sent: { method: string; url: string; headers: Headers; body: string | undefined }[] = [];
  const impl = (async (url: URL | string, init?: RequestInit) => {
    sent.push({ method: init?.method ?? "GET", url: String(url), headers: new Headers(init?.headers), body: init?.body as string | undefined });
    const next = answers.shift();
    if (!next) throw new Error(`no scripted answer for ${init?.method} ${String(url)}`);
    const body = next.body === undefined ? null : JSON.stringify(next.body);
    return new Response(body, { status: next.status, headers: { "content-type": "application/json", ...next.headers } });
  }) as typeof fetch;
  return { impl, sent };
}

const graphError = (status: number, code: string) => ({ status, body: { error: { code, message: "neutral wording" } } });
const org = (id: string) => ({ status: 200, body: { value: [{ id, displayName: "x", verifiedDomains: [] }] } });
const app = (keyIds: string[]) => ({
  status: 200,
  body: { id: APP, appId: APP, displayName: "Act-On Integration", passwordCredentials: keyIds.map((keyId) => ({ keyId })) },
});
const graph = (impl: typeof fetch): GraphContext => ({ baseUrl: "https://graph.microsoft.com", getToken: async () => "t", fetchImpl: impl });

describe("removeClientSecret", () => {
  it("a 400 while the application still lists the key is a failure, not a removal", async () => {
    const { impl } = scripted([graphError(400, "Request_BadRequest"), app([KEY])]);
    await expect(removeClientSecret(graph(impl), { objectId: APP, keyId: KEY, tenantId: CONTOSO })).rejects.toSatisfy((e) => isMicrosoftError(e));
  });

  it("a 400 when the re-read application no longer lists the key is proof", async () => {
    const { impl, sent } = scripted([graphError(400, "Request_BadRequest"), app([])]);
    expect(await removeClientSecret(graph(impl), { objectId: APP, keyId: KEY, tenantId: CONTOSO })).toBe("alreadyGone");
    expect(sent[1]).toMatchObject({ method: "GET" });
    expect(new URL(sent[1].url).pathname).toBe(`/v1.0/applications/${APP}`);
  });

  it("a 404 seen from another tenant is refused with the tenant mismatch", async () => {
    const { impl } = scripted([graphError(404, "Request_ResourceNotFound"), graphError(404, "Request_ResourceNotFound"), org(OTHER)]);
    const e = await removeClientSecret(graph(impl), { objectId: APP, keyId: KEY, tenantId: CONTOSO }).catch((x) => x);
    expect(isMicrosoftError(e, "forbidden")).toBe(true);
    expect(e.appError.userMessage).toContain(CONTOSO);
  });

  it("a 404 without a recorded tenant proves nothing", async () => {
    const { impl } = scripted([graphError(404, "Request_ResourceNotFound"), graphError(404, "Request_ResourceNotFound")]);
    await expect(removeClientSecret(graph(impl), { objectId: APP, keyId: KEY })).rejects.toSatisfy((e) => isMicrosoftError(e, "not_found"));
  });

  it("a 404 in the application's own tenant, with the application gone, is proof", async () => {
    const { impl } = scripted([graphError(404, "Request_ResourceNotFound"), graphError(404, "Request_ResourceNotFound"), org(CONTOSO)]);
    expect(await removeClientSecret(graph(impl), { objectId: APP, keyId: KEY, tenantId: CONTOSO })).toBe("alreadyGone");
  });
});

describe("deleteApplication", () => {
  it("a 404 while the application is still readable is a failure", async () => {
    const { impl } = scripted([graphError(404, "Request_ResourceNotFound"), app([])]);
    await expect(deleteApplication(graph(impl), { objectId: APP, tenantId: CONTOSO })).rejects.toSatisfy((e) => isMicrosoftError(e));
  });

  it("a 404 from another tenant is refused", async () => {
    const { impl } = scripted([graphError(404, "Request_ResourceNotFound"), graphError(404, "Request_ResourceNotFound"), org(OTHER)]);
    await expect(deleteApplication(graph(impl), { objectId: APP, tenantId: CONTOSO })).rejects.toSatisfy((e) => isMicrosoftError(e, "forbidden"));
  });
});

const dvError = (status: number, code: string) => ({ status, body: { error: { code, message: "neutral wording" } } });
const userRow = (over: Record<string, unknown> = {}) => ({
  systemuserid: USER,
  applicationid: APP,
  fullname: "# Act-On Integration",
  isdisabled: false,
  deletedstate: 0,
  _businessunitid_value: BU,
  systemuserroles_association: [],
  ...over,
});
const dv = (impl: typeof fetch) => ({ environmentUrl: "https://contoso.crm.dynamics.com", getToken: async () => "t", fetchImpl: impl });

describe("application users", () => {
  it("disabling sends If-Match: * (never an upsert)", async () => {
    const { impl, sent } = scripted([{ status: 204 }]);
    expect(await disableApplicationUser(dv(impl), { systemUserId: USER, appId: APP })).toBe("disabled");
    expect(sent[0].method).toBe("PATCH");
    expect(sent[0].headers.get("if-match")).toBe("*");
    expect(JSON.parse(sent[0].body!)).toEqual({ isdisabled: true });
  });

  it("a 404 while a live, enabled row has that id is a failure", async () => {
    const { impl } = scripted([dvError(404, "0x80040217"), { status: 200, body: userRow() }]);
    await expect(disableApplicationUser(dv(impl), { systemUserId: USER, appId: APP })).rejects.toSatisfy((e) => isMicrosoftError(e));
  });

  it("a 404 counts as gone when no live row has that id and the app has no other enabled user", async () => {
    const { impl } = scripted([
      dvError(404, "0x80040217"),
      dvError(404, "0x80040217"),
      { status: 200, body: { value: [userRow({ systemuserid: BU, deletedstate: 1 })] } },
    ]);
    expect(await disableApplicationUser(dv(impl), { systemUserId: USER, appId: APP })).toBe("alreadyGone");
  });

  it("a soft-deleted row (deletedstate ≠ 0) is not the app's application user", async () => {
    const { impl } = scripted([{ status: 200, body: { value: [userRow({ deletedstate: 1, isdisabled: true })] } }]);
    expect(await findApplicationUser(dv(impl), { appId: APP })).toBeNull();
  });

  it("a create refused because of a soft-deleted row purges that row and creates once more (Terraform provider)", async () => {
    const deleted = "60000000-0000-4000-8000-0000000000ee";
    const { impl, sent } = scripted([
      dvError(400, "0x80040333"),
      { status: 200, body: { value: [userRow({ systemuserid: deleted, deletedstate: 1, isdisabled: true })] } },
      { status: 204 },
      { status: 204 },
      { status: 204, headers: { "odata-entityid": `https://contoso.crm.dynamics.com/api/data/v9.2/systemusers(${USER})` } },
    ]);
    const user = await createApplicationUser(dv(impl), { appId: APP, businessUnitId: BU });
    expect(user.systemUserId).toBe(USER);
    expect(sent.map((s) => `${s.method} ${new URL(s.url).pathname}`)).toEqual([
      "POST /api/data/v9.2/systemusers",
      "GET /api/data/v9.2/systemusers",
      `DELETE /api/data/v9.2/systemusers(${deleted})`,
      `DELETE /api/data/v9.2/systemusers(${deleted})`,
      "POST /api/data/v9.2/systemusers",
    ]);
  });

  it("a refused create with no deleted row is reported, not retried", async () => {
    const { impl, sent } = scripted([dvError(400, "0x80040333"), { status: 200, body: { value: [] } }]);
    await expect(createApplicationUser(dv(impl), { appId: APP, businessUnitId: BU })).rejects.toSatisfy((e) => isMicrosoftError(e));
    expect(sent.filter((s) => s.method === "POST")).toHaveLength(1);
  });
});
