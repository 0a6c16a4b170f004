import { describe, expect, it } from "vitest";
import { OPERATIONS, PUBLIC_OPERATIONS, type ApiOperation } from "./operations";
import { buildOpenApiDocument } from "./v1/openapi-document";

type Document = { paths: Record<string, Record<string, { operationId: string; tags: string[] }>>; components: { schemas: Record<string, unknown> } };

/** Act-On's public API as it was published before the support console's operations joined the table: written out, not derived. */
const PUBLISHED = [
  ["listConnections", "get", "/api/v1/connections"],
  ["getConnection", "get", "/api/v1/connections/{id}"],
  ["getConnectionCredentials", "get", "/api/v1/connections/{id}/credentials"],
  ["listConnectionDeliveries", "get", "/api/v1/connections/{id}/webhook-deliveries"],
  ["requestVerification", "post", "/api/v1/connections/{id}/verification"],
  ["createDeepLink", "post", "/api/v1/deep-links"],
  ["listWebhookEndpoints", "get", "/api/v1/webhooks/endpoints"],
  ["createWebhookEndpoint", "post", "/api/v1/webhooks/endpoints"],
  ["getWebhookEndpoint", "get", "/api/v1/webhooks/endpoints/{id}"],
  ["updateWebhookEndpoint", "patch", "/api/v1/webhooks/endpoints/{id}"],
  ["deleteWebhookEndpoint", "delete", "/api/v1/webhooks/endpoints/{id}"],
  ["rotateWebhookSecret", "post", "/api/v1/webhooks/endpoints/{id}/secret-rotations"],
  ["testWebhookEndpoint", "post", "/api/v1/webhooks/endpoints/{id}/test-sends"],
  ["listEndpointDeliveries", "get", "/api/v1/webhooks/endpoints/{id}/deliveries"],
  ["redeliverWebhook", "post", "/api/v1/webhooks/deliveries/{id}/redeliveries"],
];

describe("one operations table for /api/v1 and /api/support", () => {
  const all = Object.entries(OPERATIONS) as [string, ApiOperation][];

  it("documents exactly the published /api/v1 operations, in order, and none of the support console's", () => {
    const document = buildOpenApiDocument() as Document;
    const documented = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => [op.operationId, method, path]),
    );
    expect(documented).toEqual(PUBLISHED);
    const text = JSON.stringify(document);
    expect(text).not.toContain("/api/support");
    expect(text).not.toContain('"Support"');
    for (const [name, op] of all.filter(([, o]) => o.audience === "support")) {
      expect(text).not.toContain(`"${name}"`);
      expect(op.summary && text.includes(op.summary)).toBe(false);
    }
  });

  it("tags every support operation and keeps each audience under its own path", () => {
    const support = all.filter(([, op]) => op.audience === "support");
    expect(support.map(([name]) => name)).toEqual([
      "supportMe",
      "supportListConnections",
      "supportGetConnection",
      "supportMintReconnectLink",
      "supportRevokeAccess",
      "supportRequestVerification",
      "supportProbeConnection",
    ]);
    for (const [, op] of support) {
      expect(op.tag).toBe("Support");
      expect(op.path).toMatch(/^\/api\/support\//);
      expect(op.roles.every((r) => r.startsWith("Support."))).toBe(true);
    }
    for (const [, op] of all.filter(([, o]) => o.audience === "public")) {
      expect(op.tag).not.toBe("Support");
      expect(op.path).toMatch(/^\/api\/v1\//);
    }
    expect(Object.keys(PUBLIC_OPERATIONS)).toEqual(PUBLISHED.map(([name]) => name));
  });

  it("gives each method and path one operation", () => {
    const keys = all.map(([, op]) => `${op.method} ${op.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
