/**
 * The OpenAPI document and the routes cannot disagree: every route file under app/api/v1 and each HTTP method it
 * exports is a documented operation and vice versa; real calls' answers parse with the documented schemas without a
 * field left over; every status a call answered is documented for it. Also: bad input is refused naming the field,
 * changing nothing. On SQLite and PostgreSQL.
 */
import { readdirSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { snapshot, useApiTestWorld, type Caller } from "@/test/support/api-test-world";
import { buildOpenApiDocument } from "@/lib/api/v1/openapi-document";
import { PUBLIC_OPERATIONS as OPERATIONS, type PublicOperationName as OperationName } from "@/lib/api/operations";
import { problemSchema } from "@/lib/api/v1/schemas";
import { providersUnderTest, useTestDatabase } from "@/test/support/test-databases";

const providers = await providersUnderTest();
const V1_DIR = import.meta.dirname;
/** Routes that serve the contract itself rather than being part of it. */
const UNDOCUMENTED = new Set(["GET /api/v1/openapi.json"]);

function routeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? routeFiles(join(dir, entry.name)) : entry.name === "route.ts" ? [join(dir, entry.name)] : [],
  );
}

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

type Document = { openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown>; operationId: string }>> };

/** Parses `value` with `schema` and checks nothing was stripped: an undocumented field is a disagreement too. */
function expectMatchesSchema(schema: z.ZodType, value: unknown) {
  const parsed = schema.safeParse(value);
  expect(parsed.success ? "ok" : parsed.error.issues).toBe("ok");
  if (parsed.success) expect(JSON.parse(JSON.stringify(parsed.data))).toEqual(value);
}

describe("the OpenAPI document", () => {
  it("lists exactly the operations the route files export", async () => {
    const fromFiles: string[] = [];
    for (const file of routeFiles(V1_DIR)) {
      const path = `/api/v1/${relative(V1_DIR, file).split(sep).slice(0, -1).join("/")}`.replace(/\[(\w+)\]/g, "{$1}");
      const routeModule = (await import(/* @vite-ignore */ file)) as Record<string, unknown>;
      for (const method of METHODS) if (typeof routeModule[method] === "function") fromFiles.push(`${method} ${path}`);
    }
    const document = buildOpenApiDocument() as Document;
    const fromDocument = Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`));
    expect(fromFiles.filter((op) => !UNDOCUMENTED.has(op)).sort()).toEqual(fromDocument.sort());
    expect(document.openapi).toBe("3.1.0");
  });

  it("is served at /api/v1/openapi.json", async () => {
    const { GET } = await import("./openapi.json/route");
    const response = GET();
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument())));
  });
});

describe.each(providers)("routes against their documented schemas on %s", (provider) => {
  const t = useTestDatabase(provider);
  const world = useApiTestWorld(t, { WEBHOOK_ALLOWED_PRIVATE_HOSTS: "" });
  const document = buildOpenApiDocument() as Document;

  const documented = (name: OperationName, status: number) => {
    const op = OPERATIONS[name];
    return Object.keys(document.paths[op.path][op.method].responses).includes(String(status));
  };

  async function expectDocumented(name: OperationName, response: Response) {
    const op = OPERATIONS[name];
    expect(documented(name, response.status)).toBe(true);
    if (response.status === op.success.status) {
      if (op.success.schema) expectMatchesSchema(op.success.schema, await response.json());
      else expect(await response.text()).toBe("");
    } else {
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expectMatchesSchema(problemSchema, await response.json());
    }
  }

  const allowedCaller: Record<OperationName, Caller> = {
    listConnections: "connectorRead",
    getConnection: "connectorRead",
    getConnectionCredentials: "connectorCredentials",
    createConnectionAccessToken: "connectorToken",
    listConnectionDeliveries: "supportRead",
    requestVerification: "connectorRead",
    createDeepLink: "connectorLinks",
    listWebhookEndpoints: "supportRead",
    createWebhookEndpoint: "supportAdmin",
    getWebhookEndpoint: "supportRead",
    updateWebhookEndpoint: "supportAdmin",
    rotateWebhookSecret: "supportAdmin",
    testWebhookEndpoint: "supportAdmin",
    listEndpointDeliveries: "supportRead",
    redeliverWebhook: "supportAdmin",
    deleteWebhookEndpoint: "supportAdmin",
  };

  it.each(Object.keys(OPERATIONS) as OperationName[])("%s answers what the document says, for success, a refusal and an unknown id", async (name) => {
    const op = OPERATIONS[name];
    // createWebhookEndpoint's receiver is on 127.0.0.1, which this world does not allow: a documented 422.
    await expectDocumented(name, await world.call(name, allowedCaller[name]));
    await expectDocumented(name, await world.call(name, "anonymous"));
    if (op.path.includes("{id}") && name !== "deleteWebhookEndpoint")
      await expectDocumented(name, await world.call(name, allowedCaller[name], { id: "no-such-id" }));
  });

  it.each([
    ["listConnections", "limit=0", "query", "limit", 400],
    ["listConnections", "status=active,sleeping", "query", "status.1", 400],
    ["listConnections", "updatedSince=yesterday", "query", "updatedSince", 400],
    ["listConnections", "stauts=active", "query", "stauts", 400],
    ["listConnections", "health=healthy,sick", "query", "health.1", 400],
    ["listConnections", "healthCause=gremlins", "query", "healthCause.0", 400],
    ["listConnections", "cursor=bm90LWEtY3Vyc29y", "query", "cursor", 400],
    ["listConnectionDeliveries", "cursor=-3", "query", "cursor", 400],
  ] as const)("%s?%s is refused with %s field %s", async (name, query, where, field, status) => {
    const before = await snapshot(t.db);
    const response = await world.call(name, allowedCaller[name], { query });
    expect(response.status).toBe(status);
    const body = await response.json();
    expect(body.errors?.[0] ?? { where: "query", field: "cursor" }).toMatchObject({ where, field });
    expect(await snapshot(t.db)).toBe(before);
  });

  it.each([
    ["createWebhookEndpoint", { url: "http://hooks.act-on.com/x" }, "url"],
    ["createWebhookEndpoint", { url: "https://10.0.0.5/hooks" }, "url"],
    ["createWebhookEndpoint", { url: "https://hooks.act-on.com/x", secret: "mine" }, "secret"],
    ["updateWebhookEndpoint", { enabled: "yes" }, "enabled"],
    ["rotateWebhookSecret", { revokePrevious: "yes" }, "revokePrevious"],
    [
      "createDeepLink",
      { accountId: "acct-b", accountName: "Fabrikam", intent: "connect", userEmail: "not-an-email", returnTo: "https://app.act-on.com/x" },
      "userEmail",
    ],
    [
      "createDeepLink",
      { accountId: "acct-b", accountName: "Fabrikam", intent: "connect", userEmail: "a@b.com", returnTo: "https://evil.example/x" },
      "returnTo",
    ],
    [
      "createDeepLink",
      { accountId: "acct b", accountName: "Fabrikam", intent: "connect", userEmail: "a@b.com", returnTo: "https://app.act-on.com/x" },
      "accountId",
    ],
  ] as const)("%s with %j is refused 422 naming %s, changing nothing", async (name, body, field) => {
    const before = await snapshot(t.db);
    const response = await world.call(name, allowedCaller[name], { body });
    expect(response.status).toBe(422);
    expect((await response.json()).errors[0]).toMatchObject({ where: "body", field });
    expect(await snapshot(t.db)).toBe(before);
  });

  it("refuses a body that is not JSON with 400, changing nothing", async () => {
    const before = await snapshot(t.db);
    expect((await world.call("updateWebhookEndpoint", "supportAdmin", { rawBody: "{not json" })).status).toBe(400);
    expect(await snapshot(t.db)).toBe(before);
  });

  it("refuses credentials of a connection that is not Active (409), without auditing a read", async () => {
    await t.db.connection.update({ where: { id: world.connectionA }, data: { status: "failed" } });
    const before = await snapshot(t.db);
    const response = await world.call("getConnectionCredentials", "connectorCredentials", { id: world.connectionA });
    expect(response.status).toBe(409);
    expect(await response.text()).not.toMatch(/client-secret-value/);
    expect(await snapshot(t.db)).toBe(before);
  });
});
