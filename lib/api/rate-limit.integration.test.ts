/**
 * The API's per-caller rate limit on both databases: one atomic count shared by every instance, and the route
 * answering 429 with Retry-After once a caller is over it.
 */
import { describe, expect, it } from "vitest";
import { createDb } from "../core/db";
import { providersUnderTest, useTestDatabase } from "@/test/support/test-databases";
import { consumeRateLimit } from "./rate-limit";
import { snapshot, useApiTestWorld } from "@/test/support/api-test-world";

const providers = await providersUnderTest();

describe.each(providers)("consumeRateLimit on %s", (provider) => {
  const t = useTestDatabase(provider);

  it("admits exactly `limit` calls of a caller per window across two instances racing, and no other caller's", async () => {
    const second = createDb(t.url); // another portal instance on the same database
    const now = new Date(Date.UTC(2026, 11, 2, 3, 0, 10));
    const options = { callerKey: "tid:service-1", limit: 25, windowMs: 60_000, now };
    try {
      const decisions = await Promise.all(Array.from({ length: 40 }, (_, i) => consumeRateLimit(i % 2 ? second : t.db, options)));
      expect(decisions.filter((d) => d.allowed)).toHaveLength(25);
      expect(decisions.find((d) => !d.allowed)).toMatchObject({ remaining: 0, resetSeconds: 50 });
      expect((await consumeRateLimit(t.db, { ...options, callerKey: "tid:service-2" })).allowed).toBe(true);
      // The next window starts afresh, and the first call in it sweeps the ended window's rows.
      const next = await consumeRateLimit(second, { ...options, now: new Date(now.getTime() + 60_000) });
      expect(next).toMatchObject({ allowed: true, remaining: 24 });
      expect(await t.db.apiRateLimit.count()).toBe(1);
    } finally {
      await second.$disconnect();
    }
  });
});

describe("an API caller over its limit", () => {
  const t = useTestDatabase("sqlite");
  const world = useApiTestWorld(t, { API_RATE_LIMIT_REQUESTS: "3", API_RATE_LIMIT_WINDOW_MS: "60000" });

  it("gets 429 with Retry-After as a problem, changing nothing, while other callers go on", async () => {
    for (let i = 0; i < 3; i++) expect((await world.call("listConnections", "connectorRead")).status).toBe(200);
    const before = await snapshot(t.db);
    const refused = await world.call("getConnection", "connectorRead");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Number(refused.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    expect(await refused.json()).toMatchObject({ status: 429, code: "throttled", retryable: true });
    expect(await snapshot(t.db)).toBe(before);
    expect((await world.call("listWebhookEndpoints", "supportRead")).status).toBe(200);
  });
});
