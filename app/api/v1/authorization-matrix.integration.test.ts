/**
 * The authorization matrix of the portal's machine API: every /api/v1 route and action, called by every kind of
 * caller, on SQLite and PostgreSQL. Each cell asserts the status, and for every refused cell that nothing changed in
 * the database. Tokens are signed by the Microsoft sandbox's key and verified against its published JWKS over HTTPS.
 */
import { describe, expect, it } from "vitest";
import { TENANTS } from "@/emulator/scenarios/ids";
import { CALLERS, CONNECTOR_OBJECT_ID, snapshot, useApiTestWorld, type Caller } from "@/test/support/api-test-world";
import { PUBLIC_OPERATIONS as OPERATIONS, type PublicOperationName as OperationName } from "@/lib/api/operations";
import { providersUnderTest, useTestDatabase } from "@/test/support/test-databases";

const providers = await providersUnderTest();

/**
 * Who may call each operation, written out (not derived from OPERATIONS) so a change of a route's roles fails here.
 * Allowed callers get the operation's success status; callers without a valid token for the API get 401, valid
 * tokens without the role 403.
 */
const ALLOWED: Record<OperationName, Caller[]> = {
  listConnections: ["connectorRead", "connectorCredentials"],
  getConnection: ["connectorRead", "connectorCredentials"],
  getConnectionCredentials: ["connectorCredentials"],
  listConnectionDeliveries: ["supportRead", "supportAdmin", "connectorRead", "connectorCredentials"],
  requestVerification: ["supportAdmin", "connectorRead", "connectorCredentials"],
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
const UNAUTHENTICATED: Caller[] = ["anonymous", "customerAdminOwn", "customerAdminOther", "otherTenant", "expired", "otherAudience", "badSignature"];

describe.each(providers)("authorization matrix of /api/v1 on %s", (provider) => {
  const t = useTestDatabase(provider);
  const world = useApiTestWorld(t);

  it("has a row for every operation, and every operation has its route file and method", () => {
    expect(Object.keys(ALLOWED).sort()).toEqual(Object.keys(OPERATIONS).sort());
    for (const op of Object.values(OPERATIONS)) expect(typeof world.routes.get(op.path)?.[op.method.toUpperCase()]).toBe("function");
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
    const response = await world.call(name, caller);
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
    if (name === "requestVerification" && allowed) {
      const { runId } = JSON.parse(text) as { runId: string };
      expect(await t.db.provisioningRun.findUnique({ where: { id: runId } })).toMatchObject({ kind: "verify", connectionId: world.connectionB });
      expect(await t.db.auditEvent.findFirst({ where: { action: "run.started", runId } })).toMatchObject({ connectionId: world.connectionB });
    }
    if (name === "getConnectionCredentials" && allowed) {
      expect(JSON.parse(text)).toMatchObject({ authMode: "cloud", clientSecret: "client-secret-value-B" });
      expect(response.headers.get("cache-control")).toBe("no-store");
      const audit = await t.db.auditEvent.findFirst({
        where: { action: "connection.credentials.read", connectionId: world.connectionB },
        orderBy: { occurredAt: "desc" },
      });
      expect(audit).toMatchObject({ actorType: "acton", actorId: `${TENANTS.actoncorp}:${CONNECTOR_OBJECT_ID}` });
      expect(JSON.stringify(audit)).not.toMatch(/client-secret-value/);
    }
  });
});
