import { afterEach, describe, expect, it, vi } from "vitest";

async function loadRoute(env: Record<string, string>) {
  vi.resetModules();
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
  delete (globalThis as { portalDb?: unknown }).portalDb;
  return import("./route");
}

describe("GET /api/health", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    delete (globalThis as { portalDb?: unknown }).portalDb;
  });

  it("answers 503 with the database marked unreachable when the database is down", async () => {
    const { GET } = await loadRoute({ DATABASE_URL: "postgresql://postgres@127.0.0.1:1/down", PORTAL_VERSION: "9.9.9" });
    const response = await GET();
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: "degraded", version: "9.9.9", database: { provider: "postgresql", reachable: false } });
  });
});
