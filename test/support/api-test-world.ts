/**
 * Test world for /api/v1 route tests: the Microsoft sandbox (its JWKS verifies the tokens), a webhook receiver, the
 * environment stubbed to a test database, the route modules loaded fresh, two accounts with Active connections and
 * stored client secrets, a webhook endpoint with a delivery, a customer admin's portal session, and a token per
 * kind of caller. Used only by *.integration.test.ts.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { join } from "node:path";
import { SignJWT } from "jose";
import { afterAll, beforeAll, vi } from "vitest";
import { startSandbox, type RunningSandbox } from "@/emulator/core/server";
import { signJwt } from "@/emulator/core/tokens";
import { PORTAL_APP, TENANTS } from "@/emulator/scenarios/ids";
import { ensureAccount } from "../../lib/domain/account/ensure-account";
import { createConnection } from "../../lib/domain/connection/create-connection";
import type { Db } from "../../lib/core/db";
import { storeSecret } from "../../lib/domain/secret/store-secret";
import { createPortalSession } from "../../lib/sessions/portal-sessions";
import { SESSION_COOKIE } from "../../lib/sessions/session-cookie";
import { DEFAULT_SESSION_LIFETIMES } from "../../lib/sessions/session-view";
import type { TestDatabase } from "./test-databases";
import { enqueueWebhookEvents } from "../../lib/domain/webhook-outbox/enqueue-webhook-events";
import { addSigningSecret } from "../../lib/webhooks/signing-secrets";
import { startWebhookReceiver, type WebhookReceiver } from "./webhook-receiver";
import { PUBLIC_OPERATIONS as OPERATIONS, type PublicOperationName as OperationName } from "../../lib/api/operations";

/**
 * Who calls. Service = client credentials (no scp; idtyp app when the API asks for the optional claim, else oid = sub);
 * user = delegated (scp) through the console.
 */
export const CALLERS = [
  "anonymous",
  "customerAdminOwn",
  "customerAdminOther",
  "supportRead",
  "supportAdmin",
  "connectorRead",
  "connectorCredentials",
  "connectorLinks",
  "connectorToken",
  "connectorWithoutIdtyp",
  "noAppIdentity",
  "longLived",
  "otherTenant",
  "expired",
  "otherAudience",
  "badSignature",
] as const;
export type Caller = (typeof CALLERS)[number];

export const CONNECTOR_OBJECT_ID = "40000000-0000-4000-8000-0000000000c1";
const PORTAL_BASE = "http://localhost:3661";

type RouteHandler = (request: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
type RouteModule = Record<string, RouteHandler>;

export type ApiTestWorld = {
  sandbox: RunningSandbox;
  receiver: WebhookReceiver;
  connectionA: string;
  connectionB: string;
  endpointId: string;
  deliveryId: string;
  cookie: string;
  tokens: Partial<Record<Caller, string>>;
  routes: Map<string, RouteModule>;
  /** Calls an operation's handler as `caller` would; `path`/`body`/`query` override the defaults. */
  call: (name: OperationName, caller: Caller, options?: { id?: string; body?: unknown; rawBody?: string; query?: string }) => Promise<Response>;
};

const APP_DIR = join(import.meta.dirname, "..", "..", "app");

/** The route file of an OpenAPI path (`/api/v1/connections/{id}` → app/api/v1/connections/[id]/route.ts). */
function routeFileOf(path: string): string {
  return join(APP_DIR, path.replace(/^\//, "").replace(/\{(\w+)\}/g, "[$1]"), "route.ts");
}

const nowS = () => Math.floor(Date.now() / 1000);
const v1Issuer = (tid: string) => `https://sts.windows.net/${tid}/`;

async function mintTokens(): Promise<ApiTestWorld["tokens"]> {
  const app = (roles: string[], extra: Record<string, unknown> = {}) => ({
    iss: v1Issuer(TENANTS.actoncorp),
    aud: `api://${PORTAL_APP.appId}`,
    tid: TENANTS.actoncorp,
    oid: CONNECTOR_OBJECT_ID,
    sub: CONNECTOR_OBJECT_ID,
    idtyp: "app",
    appid: "31000000-0000-4000-8000-0000000000c1",
    ver: "1.0",
    roles,
    iat: nowS(),
    nbf: nowS(),
    exp: nowS() + 3600,
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
    iat: nowS(),
    nbf: nowS(),
    exp: nowS() + 3600,
  });
  const both = ["Connections.Read", "Connections.Credentials.Read"];
  const every = [...both, "Connections.Links.Write", "Connections.Token"];
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const genuine = await signJwt(app(both));
  const header = JSON.parse(Buffer.from(genuine.split(".")[0], "base64url").toString()) as { alg: string; kid: string };
  return {
    supportRead: await signJwt(user(["Support.Read"], "20000000-0000-4000-8000-000000000011")),
    supportAdmin: await signJwt(user(["Support.Admin"], "20000000-0000-4000-8000-000000000012")),
    connectorRead: await signJwt(app(["Connections.Read"])),
    connectorCredentials: genuine,
    connectorLinks: await signJwt(app(["Connections.Links.Write"])),
    connectorToken: await signJwt(app(["Connections.Token"])),
    // Entra's default: the optional idtyp claim is not configured, so an app-only token says so by oid = sub alone.
    connectorWithoutIdtyp: await signJwt(app(every, { idtyp: undefined })),
    // No scp, no idtyp, and a subject that is not its object id: neither a person's nor a service's token.
    noAppIdentity: await signJwt(app(every, { idtyp: undefined, sub: "pairwise-subject-of-someone" })),
    // Signed by the tenant's key but valid for ten years: longer than Entra ever issues.
    longLived: await signJwt(app(every, { exp: nowS() + 10 * 365 * 24 * 3600 })),
    otherTenant: await signJwt(app(both, { iss: v1Issuer(TENANTS.contoso), tid: TENANTS.contoso })),
    expired: await signJwt(app(both, { iat: nowS() - 7200, nbf: nowS() - 7200, exp: nowS() - 3600 })),
    otherAudience: await signJwt(app(both, { aud: "https://graph.microsoft.com" })),
    // Same header (kid of the sandbox's key), signed with another key.
    badSignature: await new SignJWT(app(both)).setProtectedHeader(header).sign(privateKey),
  };
}

/** The audit actions of refused API calls: the one thing a refusal writes (api-refusal-audit.ts). */
export const REFUSAL_ACTIONS = ["api.refused", "api.refusals"];

/**
 * Every row of every table a call could change, except what a refused call is meant to write: rate-limit counters
 * (counting calls is their job) and the refusal audit rows (tests assert those themselves; the counted `api.refusals`
 * rows land when a window ends, at a moment no test chooses).
 */
export async function snapshot(db: Db): Promise<string> {
  const tables = await Promise.all([
    db.account.findMany({ orderBy: { id: "asc" } }),
    db.connection.findMany({ orderBy: { id: "asc" } }),
    db.provisioningRun.findMany({ orderBy: { id: "asc" } }),
    db.secret.findMany({ orderBy: { id: "asc" } }),
    db.auditEvent.findMany({ where: { action: { notIn: REFUSAL_ACTIONS } }, orderBy: { id: "asc" } }),
    db.portalSession.findMany({ orderBy: { id: "asc" } }),
    db.webhookEndpoint.findMany({ orderBy: { id: "asc" } }),
    db.webhookSigningSecret.findMany({ orderBy: { id: "asc" } }),
    db.webhookEvent.findMany({ orderBy: { id: "asc" } }),
    db.webhookDelivery.findMany({ orderBy: { sequence: "asc" } }),
    db.webhookDeliveryAttempt.findMany({ orderBy: { id: "asc" } }),
  ]);
  return JSON.stringify(tables);
}

const DEFAULT_BODIES: Partial<Record<OperationName, unknown>> = {
  createDeepLink: {
    accountId: "acct-b",
    accountName: "Fabrikam",
    intent: "reconnect",
    userEmail: "marketer@fabrikam.com",
    returnTo: "https://app.act-on.com/dynamics",
  },
  createWebhookEndpoint: { description: "second receiver" },
  updateWebhookEndpoint: { description: "renamed" },
};

/** Builds the world for the enclosing describe block, on `t`'s database. Read its fields inside tests. */
export function useApiTestWorld(t: TestDatabase, env: Record<string, string> = {}): ApiTestWorld {
  const world = { routes: new Map<string, RouteModule>() } as ApiTestWorld;
  const KEY = randomBytes(32);

  beforeAll(async () => {
    if (!process.env.NODE_EXTRA_CA_CERTS?.endsWith("ca-bundle.pem")) throw new Error("Run with NODE_EXTRA_CA_CERTS=$PWD/.data/sandbox/ca-bundle.pem");
    world.sandbox = await startSandbox({ port: 0 });
    world.receiver = await startWebhookReceiver();
    vi.resetModules();
    delete (globalThis as { portalDb?: unknown }).portalDb;
    delete (globalThis as { portalAccessTokenVerifier?: unknown }).portalAccessTokenVerifier;
    const stubs: Record<string, string> = {
      DATABASE_URL: t.url,
      MICROSOFT_AUTHORITY_HOST: world.sandbox.origin,
      ACTON_TENANT_ID: TENANTS.actoncorp,
      PORTAL_CLIENT_ID: PORTAL_APP.appId,
      PORTAL_ENCRYPTION_KEYS: `k1:${KEY.toString("base64")}`,
      PORTAL_BASE_URL: PORTAL_BASE,
      DEEP_LINK_SECRET: `k1:${"d".repeat(40)}`,
      ACTON_RETURN_ORIGINS: "https://app.act-on.com",
      WEBHOOK_ALLOWED_PRIVATE_HOSTS: world.receiver.host,
      API_RATE_LIMIT_REQUESTS: "100000",
      ...env,
    };
    for (const [k, v] of Object.entries(stubs)) vi.stubEnv(k, v);
    // This process drives no runs: a route that starts one (verification) leaves it due for any instance's resumer.
    // The matrix checks who may start it; start-verification.integration.test.ts proves what the run does.
    delete (globalThis as { portalProvisioning?: unknown }).portalProvisioning;
    (await import("@/lib/provisioning/run-pool")).getPortalProvisioning().pool.close();
    for (const op of Object.values(OPERATIONS)) {
      if (!world.routes.has(op.path)) world.routes.set(op.path, (await import(/* @vite-ignore */ routeFileOf(op.path))) as RouteModule);
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
    const endpoint = await t.db.webhookEndpoint.create({ data: { url: world.receiver.url, createdBy: "test" } });
    const { secret } = await addSigningSecret(t.db, { endpointId: endpoint.id, keys });
    world.receiver.setSecrets([secret]);
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
      cookie: `${SESSION_COOKIE}=${session.token}`,
      tokens: await mintTokens(),
    });
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    delete (globalThis as { portalDb?: unknown }).portalDb;
    delete (globalThis as { portalProvisioning?: unknown }).portalProvisioning;
    await world.receiver?.close();
    await world.sandbox?.close();
  });

  world.call = async (name, caller, options = {}) => {
    const op = OPERATIONS[name];
    const defaultId = op.path.startsWith("/api/v1/connections/")
      ? caller === "customerAdminOwn"
        ? world.connectionA
        : world.connectionB
      : op.path.startsWith("/api/v1/webhooks/deliveries/")
        ? world.deliveryId
        : world.endpointId;
    const id = options.id ?? defaultId;
    const headers: Record<string, string> = {};
    if (caller === "customerAdminOwn" || caller === "customerAdminOther") headers.cookie = world.cookie;
    else if (caller !== "anonymous") headers.authorization = `Bearer ${world.tokens[caller]}`;
    let body = options.rawBody;
    if (body === undefined) {
      const value =
        options.body ?? (name === "createWebhookEndpoint" ? { url: world.receiver.url, ...(DEFAULT_BODIES[name] as object) } : DEFAULT_BODIES[name]);
      if (value !== undefined) body = JSON.stringify(value);
    }
    if (body !== undefined) headers["content-type"] = "application/json";
    const url = `${PORTAL_BASE}${op.path.replace("{id}", id)}${options.query ? `?${options.query}` : ""}`;
    const request = new Request(url, { method: op.method.toUpperCase(), headers, ...(body !== undefined ? { body } : {}) });
    return world.routes
      .get(op.path)!
      [op.method.toUpperCase()](request, { params: Promise.resolve<Record<string, string>>(op.path.includes("{id}") ? { id } : {}) });
  };
  return world;
}
