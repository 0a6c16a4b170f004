/**
 * The authorization matrix of the portal's machine API: every /api/v1 route and action, called by every kind of
 * caller, on SQLite and PostgreSQL. Each cell asserts the status, and for every refused cell that nothing changed in
 * the database. Tokens are signed by the Microsoft sandbox's key and verified against its published JWKS over HTTPS.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startSandbox, type RunningSandbox } from "@/emulator/core/server";
import { signJwt } from "@/emulator/core/tokens";
import { PORTAL_APP, TENANTS } from "@/emulator/scenarios/ids";
import { ensureAccount } from "@/lib/accounts/ensure-account";
import { OPERATIONS, type OperationName } from "@/lib/api/v1/operations";
import { createConnection } from "@/lib/connections/create-connection";
import type { Db } from "@/lib/db";
import { storeSecret } from "@/lib/secrets/store-secret";
import { createPortalSession } from "@/lib/sessions/portal-sessions";
import { DEFAULT_SESSION_LIFETIMES } from "@/lib/sessions/session-view";
import { providersUnderTest, useTestDatabase } from "@/lib/testing/test-databases";
import { enqueueWebhookEvents } from "@/lib/webhooks/enqueue-webhook-events";
import { addSigningSecret } from "@/lib/webhooks/signing-secrets";
import { startWebhookReceiver, type WebhookReceiver } from "@/lib/webhooks/testing/webhook-receiver";

const providers = await providersUnderTest();
const KEY = randomBytes(32);
const ENCRYPTION_KEYS = `k1:${KEY.toString("base64")}`;

/** Who calls. Service = client credentials (idtyp app, no scp); user = delegated (scp) through the console. */
const CALLERS = [
  "anonymous",
  "customerAdminOwn",
  "customerAdminOther",
  "supportRead",
  "supportAdmin",
  "connectorRead",
  "connectorCredentials",
  "otherTenant",
  "expired",
  "otherAudience",
  "badSignature",
] as const;
type Caller = (typeof CALLERS)[number];

/**
 * The expected answer of each operation for each caller, written out (not derived from OPERATIONS) so a change of a
 * route's roles fails here. `ok` = the operation's success status; every other caller gets the status shown.
 */
const ALLOWED: Record<OperationName, Caller[]> = {
  listConnections: ["connectorRead", "connectorCredentials"],
  getConnection: ["connectorRead", "connectorCredentials"],
  getConnectionCredentials: ["connectorCredentials"],
  listConnectionDeliveries: ["supportRead", "supportAdmin", "connectorRead", "connectorCredentials"],
  createDeepLink: ["connectorRead", "connectorCredentials"],
  listWebhookEndpoints: ["supportRead", "supportAdmin"],
  createWebhookEndpoint: ["supportAdmin"],
  getWebhookEndpoint: ["supportRead", "supportAdmin"],
  updateWebhookEndpoint: ["supportAdmin"],
  rotateWebhookSecret: ["supportAdmin"],
  testWebhookEndpoint: ["supportAdmin"],
  listEndpointDeliveries: ["supportRead", "supportAdmin"],
  redeliverWebhook: ["supportAdmin"],
  deleteWebhookEndpoint: ["supportAdmin"],
};
/** Callers without a valid token for the API get 401; valid tokens without the role get 403. */
const UNAUTHENTICATED: Caller[] = ["anonymous", "customerAdminOwn", "customerAdminOther", "otherTenant", "expired", "otherAudience", "badSignature"];

type World = {
  connectionA: string;
  connectionB: string;
  endpointId: string;
  deliveryId: string;
  cookie: string;
  tokens: Partial<Record<Caller, string>>;
};

const now = () => Math.floor(Date.now() / 1000);
const v1Issuer = (tid: string) => `https://sts.windows.net/${tid}/`;

async function mintTokens(): Promise<World["tokens"]> {
  const app = (roles: string[], extra: Record<string, unknown> = {}) => ({
    iss: v1Issuer(TENANTS.actoncorp),
    aud: `api://${PORTAL_APP.appId}`,
    tid: TENANTS.actoncorp,
    oid: "40000000-0000-4000-8000-0000000000c1",
    sub: "40000000-0000-4000-8000-0000000000c1",
    idtyp: "app",
    appid: "31000000-0000-4000-8000-0000000000c1",
    ver: "1.0",
    roles,
    iat: now(),
    nbf: now(),
    exp: now() + 3600,
    ...extra,
  });
  const user = (roles: string[], oid: string) => ({
    iss: v1Issuer(TENANTS.actoncorp),
    aud: `api://${PORTAL_APP.appId}`,
    tid: TENANTS.actoncorp,
    oid,
    sub: oid,
    scp: "access_as_user",
    name: "Act-On Support",
    ver: "1.0",
    roles,
    iat: now(),
    nbf: now(),
    exp: now() + 3600,
  });
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const genuine = await signJwt(app(["Connections.Read", "Connections.Credentials.Read"]));
  const [header] = genuine.split(".");
  const forged = await new SignJWT(app(["Connections.Read", "Connections.Credentials.Read"]))
    .setProtectedHeader(JSON.parse(Buffer.from(header, "base64url").toString()))
    .sign(privateKey);
  return {
    supportRead: await signJwt(user(["Support.Read"], "20000000-0000-4000-8000-000000000011")),
    supportAdmin: await signJwt(user(["Support.Admin"], "20000000-0000-4000-8000-000000000012")),
    connectorRead: await signJwt(app(["Connections.Read"])),
    connectorCredentials: genuine,
    otherTenant: await signJwt(app(["Connections.Read", "Connections.Credentials.Read"], { iss: v1Issuer(TENANTS.contoso), tid: TENANTS.contoso })),
    expired: await signJwt(app(["Connections.Read", "Connections.Credentials.Read"], { iat: now() - 7200, nbf: now() - 7200, exp: now() - 3600 })),
    otherAudience: await signJwt(app(["Connections.Read", "Connections.Credentials.Read"], { aud: "https://graph.microsoft.com" })),
    badSignature: forged,
  };
}

/** Every row of every table a call could change (rate-limit counters excepted: counting calls is their job). */
async function snapshot(db: Db): Promise<string> {
  const tables = await Promise.all([
    db.account.findMany({ orderBy: { id: "asc" } }),
    db.connection.findMany({ orderBy: { id: "asc" } }),
    db.secret.findMany({ orderBy: { id: "asc" } }),
    db.auditEvent.findMany({ orderBy: { id: "asc" } }),
    db.portalSession.findMany({ orderBy: { id: "asc" } }),
    db.webhookEndpoint.findMany({ orderBy: { id: "asc" } }),
    db.webhookSigningSecret.findMany({ orderBy: { id: "asc" } }),
    db.webhookEvent.findMany({ orderBy: { id: "asc" } }),
    db.webhookDelivery.findMany({ orderBy: { sequence: "asc" } }),
    db.webhookDeliveryAttempt.findMany({ orderBy: { id: "asc" } }),
  ]);
  return JSON.stringify(tables);
}

type RouteModule = Record<string, (request: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>>;

/** The route file of an OpenAPI path (`/api/v1/connections/{id}` → app/api/v1/connections/[id]/route.ts). */
function routeFile(path: string): string {
  return `./${path.replace(/^\/api\/v1\//, "").replace(/\{(\w+)\}/g, "[$1]")}/route.ts`;
}

let sandbox: RunningSandbox;
let receiver: WebhookReceiver;
beforeAll(async () => {
  if (!process.env.NODE_EXTRA_CA_CERTS?.endsWith("ca-bundle.pem")) throw new Error("Run with NODE_EXTRA_CA_CERTS=$PWD/.data/sandbox/ca-bundle.pem");
  sandbox = await startSandbox({ port: 0 });
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await receiver?.close();
  await sandbox?.close();
});

describe.each(providers)("authorization matrix of /api/v1 on %s", (provider) => {
  const t = useTestDatabase(provider);
  const world = {} as World;
  const routes = new Map<string, RouteModule>();

  beforeAll(async () => {
    vi.resetModules();
    delete (globalThis as { portalDb?: unknown }).portalDb;
    delete (globalThis as { portalAccessTokenVerifier?: unknown }).portalAccessTokenVerifier;
    const env: Record<string, string> = {
      DATABASE_URL: t.url,
      MICROSOFT_AUTHORITY_HOST: sandbox.origin,
      ACTON_TENANT_ID: TENANTS.actoncorp,
      PORTAL_CLIENT_ID: PORTAL_APP.appId,
      PORTAL_ENCRYPTION_KEYS: ENCRYPTION_KEYS,
      PORTAL_BASE_URL: "http://localhost:3661",
      DEEP_LINK_SECRET: `k1:${"d".repeat(40)}`,
      ACTON_RETURN_ORIGINS: "https://app.act-on.com",
      WEBHOOK_ALLOWED_PRIVATE_HOSTS: receiver.host,
      API_RATE_LIMIT_REQUESTS: "100000",
    };
    for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
    for (const op of Object.values(OPERATIONS)) {
      if (!routes.has(op.path)) routes.set(op.path, (await import(/* @vite-ignore */ routeFile(op.path))) as RouteModule);
    }

    const keys = [{ id: "k1", key: KEY }];
    const accountA = await ensureAccount(t.db, { actonAccountId: "acct-a", name: "Contoso" });
    const accountB = await ensureAccount(t.db, { actonAccountId: "acct-b", name: "Fabrikam" });
    const a = await createConnection(t.db, {
      accountId: accountA.id,
      authMode: "cloud",
      environmentUrl: "https://contoso.crm.dynamics.com",
      tenantId: TENANTS.contoso,
    });
    await t.db.connection.update({ where: { id: a.id }, data: { status: "active", clientId: "35000000-0000-4000-8000-000000000001" } });
    await storeSecret(t.db, { connectionId: a.id, kind: "clientSecret", plaintext: "client-secret-value-A", keys, status: "active" });
    const b = await createConnection(t.db, { accountId: accountB.id, authMode: "cloud", environmentUrl: "https://fabrikam.crm.dynamics.com" });
    await t.db.connection.update({
      where: { id: b.id },
      data: { status: "active", tenantId: TENANTS.contoso, clientId: "35000000-0000-4000-8000-000000000002" },
    });
    await storeSecret(t.db, { connectionId: b.id, kind: "clientSecret", plaintext: "client-secret-value-B", keys, status: "active" });
    const endpoint = await t.db.webhookEndpoint.create({ data: { url: receiver.url, createdBy: "test" } });
    const { secret } = await addSigningSecret(t.db, { endpointId: endpoint.id, keys });
    receiver.setSecrets([secret]);
    await enqueueWebhookEvents(t.db, {
      connectionId: b.id,
      runId: null,
      statusBefore: "provisioning",
      statusAfter: "active",
      failingStep: null,
      errorCode: null,
      at: new Date(),
    });
    const delivery = await t.db.webhookDelivery.findFirstOrThrow({ where: { connectionId: b.id } });
    const session = await createPortalSession(t.db, {
      accountId: accountA.id,
      connectionId: a.id,
      intent: "status",
      lifetimes: DEFAULT_SESSION_LIFETIMES,
    });
    Object.assign(world, {
      connectionA: a.id,
      connectionB: b.id,
      endpointId: endpoint.id,
      deliveryId: delivery.id,
      cookie: `portal_session=${session.token}`,
      tokens: await mintTokens(),
    });
  });

  afterAll(() => {
    vi.unstubAllEnvs();
    delete (globalThis as { portalDb?: unknown }).portalDb;
  });

  function request(name: OperationName, caller: Caller): { url: string; init: RequestInit; params: Record<string, string> } {
    const op = OPERATIONS[name];
    const id = op.path.startsWith("/api/v1/connections/")
      ? caller === "customerAdminOwn"
        ? world.connectionA
        : world.connectionB
      : op.path.startsWith("/api/v1/webhooks/deliveries/")
        ? world.deliveryId
        : world.endpointId;
    const params: Record<string, string> = op.path.includes("{id}") ? { id } : {};
    const headers: Record<string, string> = {};
    if (caller === "customerAdminOwn" || caller === "customerAdminOther") headers.cookie = world.cookie;
    else if (caller !== "anonymous") headers.authorization = `Bearer ${world.tokens[caller]}`;
    const bodies: Partial<Record<OperationName, unknown>> = {
      createDeepLink: {
        accountId: "acct-b",
        accountName: "Fabrikam",
        intent: "reconnect",
        userEmail: "marketer@fabrikam.com",
        returnTo: "https://app.act-on.com/dynamics",
      },
      createWebhookEndpoint: { url: receiver.url, description: "second receiver" },
      updateWebhookEndpoint: { description: "renamed" },
    };
    const body = bodies[name];
    if (body !== undefined) headers["content-type"] = "application/json";
    const method = op.method.toUpperCase();
    return {
      url: `http://localhost:3661${op.path.replace("{id}", id)}`,
      init: { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) },
      params,
    };
  }

  it("has a row for every operation, and every operation has its route file and method", () => {
    expect(Object.keys(ALLOWED).sort()).toEqual(Object.keys(OPERATIONS).sort());
    for (const op of Object.values(OPERATIONS)) expect(typeof routes.get(op.path)?.[op.method.toUpperCase()]).toBe("function");
  });

  // Allowed callers go last in each row, so a mutation (delete) happens after every refusal of it was checked.
  const cells = (Object.keys(ALLOWED) as OperationName[]).flatMap((name) =>
    [...CALLERS].sort((x, y) => Number(ALLOWED[name].includes(x)) - Number(ALLOWED[name].includes(y))).map((caller) => [name, caller] as const),
  );

  it.each(cells)("%s by %s", async (name, caller) => {
    const op = OPERATIONS[name];
    const allowed = ALLOWED[name].includes(caller);
    const expected = allowed ? op.success.status : UNAUTHENTICATED.includes(caller) ? 401 : 403;
    const before = await snapshot(t.db);
    const { url, init, params } = request(name, caller);
    const response = await routes.get(op.path)![op.method.toUpperCase()](new Request(url, init), { params: Promise.resolve(params) });
    const text = await response.text();
    expect({ status: response.status, body: response.status === expected ? "" : text }).toEqual({ status: expected, body: "" });
    if (!allowed) {
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect(JSON.parse(text)).toMatchObject({ status: expected, code: expected === 401 ? "unauthorized" : "forbidden" });
      if (expected === 401) expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(await snapshot(t.db)).toBe(before);
    }
    // A secret never leaves the API except to the credentials route's one caller.
    if (name !== "getConnectionCredentials" || !allowed) expect(text).not.toMatch(/client-secret-value/);
    if (name === "getConnectionCredentials" && allowed) {
      expect(JSON.parse(text)).toMatchObject({ authMode: "cloud", clientSecret: "client-secret-value-B" });
      expect(response.headers.get("cache-control")).toBe("no-store");
      const audit = await t.db.auditEvent.findFirst({
        where: { action: "connection.credentials.read", connectionId: world.connectionB },
        orderBy: { occurredAt: "desc" },
      });
      expect(audit).toMatchObject({ actorType: "acton", actorId: `${TENANTS.actoncorp}:40000000-0000-4000-8000-0000000000c1` });
      expect(JSON.stringify(audit)).not.toMatch(/client-secret-value/);
    }
  });
});
