import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ConfigurationError, envSchema, parseEnv } from "./env-schema";

const key = () => randomBytes(32).toString("base64");

describe("parseEnv", () => {
  it("applies defaults for an empty environment in development", () => {
    const env = parseEnv({});
    expect(env.DATABASE_URL).toBe("file:./.data/portal.db");
    expect(env.MICROSOFT_AUTHORITY_HOST).toBe("https://login.microsoftonline.com");
    expect(env.DYNAMICS_ALLOWED_HOSTS).toEqual(["*.dynamics.com"]);
    expect(env.PORTAL_ENCRYPTION_KEYS).toBeUndefined();
  });

  it("treats an empty variable as unset", () => {
    expect(parseEnv({ DATABASE_URL: "", LOG_LEVEL: " " }).DATABASE_URL).toBe("file:./.data/portal.db");
  });

  it("names each bad variable and what it expects", () => {
    try {
      parseEnv({ DATABASE_URL: "mysql://x", MICROSOFT_GRAPH_URL: "http://graph.local", LOG_LEVEL: "loud" });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      const message = (error as Error).message;
      expect(message).toContain("DATABASE_URL must start with file: (SQLite) or postgresql://");
      expect(message).toContain("MICROSOFT_GRAPH_URL must be an https:// URL");
      expect(message).toContain("LOG_LEVEL");
    }
  });

  it("refuses production without an encryption key or deep-link secret", () => {
    expect(() => parseEnv({ NODE_ENV: "production" })).toThrow(/PORTAL_ENCRYPTION_KEYS is required in production/);
    expect(() => parseEnv({ NODE_ENV: "production", PORTAL_ENCRYPTION_KEYS: `k1:${key()}` })).toThrow(/DEEP_LINK_SECRET is required/);
    const env = parseEnv({ NODE_ENV: "production", PORTAL_ENCRYPTION_KEYS: `k1:${key()}`, DEEP_LINK_SECRET: `k1:${"x".repeat(32)}` });
    expect(env.PORTAL_ENCRYPTION_KEYS?.[0].id).toBe("k1");
  });

  it("parses rotating keys, first one active, and rejects short or duplicate keys without echoing them", () => {
    const env = parseEnv({ PORTAL_ENCRYPTION_KEYS: `new:${key()}, old:${key()}` });
    expect(env.PORTAL_ENCRYPTION_KEYS?.map((k) => k.id)).toEqual(["new", "old"]);
    const short = Buffer.from("too-short").toString("base64");
    expect(() => parseEnv({ PORTAL_ENCRYPTION_KEYS: `k:${short}` })).toThrow(/32 random bytes/);
    try {
      parseEnv({ PORTAL_ENCRYPTION_KEYS: `k:${short}` });
    } catch (error) {
      expect((error as Error).message).not.toContain(short);
    }
    const k = key();
    expect(() => parseEnv({ PORTAL_ENCRYPTION_KEYS: `a:${k},a:${k}` })).toThrow(/appears twice/);
  });

  it("sizes the scheduler's pool with room beside the workers kept for provisioning runs and webhooks", () => {
    expect(parseEnv({})).toMatchObject({
      SCHEDULER_WORKERS: 12,
      PROVISIONING_CONCURRENCY: 4,
      HEALTH_PROBE_INTERVAL_HOURS: 6,
      HEALTH_PROBE_CONCURRENCY: 4,
    });
    expect(parseEnv({ PROVISIONING_CONCURRENCY: "11", SCHEDULER_WORKERS: "12" }).SCHEDULER_WORKERS).toBe(12);
    expect(() => parseEnv({ PROVISIONING_CONCURRENCY: "12", SCHEDULER_WORKERS: "12" })).toThrow(
      /SCHEDULER_WORKERS must leave room beside the 12 workers/,
    );
    expect(parseEnv({ HEALTH_PROBE_INTERVAL_HOURS: "0" }).HEALTH_PROBE_INTERVAL_HOURS).toBe(0);
  });

  it("parses the Dynamics host allow-list", () => {
    expect(parseEnv({ DYNAMICS_ALLOWED_HOSTS: "*.crm.dynamics.com, Localhost:4443" }).DYNAMICS_ALLOWED_HOSTS).toEqual([
      "*.crm.dynamics.com",
      "localhost:4443",
    ]);
  });

  it("parses rotating deep-link keys (first signs) and refuses short, unnamed or duplicate ones without echoing them", () => {
    const env = parseEnv({ DEEP_LINK_SECRET: `2026-12:${"a".repeat(32)}, 2026-06:${"b:c".repeat(11)}` });
    expect(env.DEEP_LINK_SECRET).toEqual([
      { kid: "2026-12", secret: "a".repeat(32) },
      { kid: "2026-06", secret: "b:c".repeat(11) },
    ]);
    expect(() => parseEnv({ DEEP_LINK_SECRET: "x".repeat(40) })).toThrow(/DEEP_LINK_SECRET each entry must be `<key id>:<secret/);
    try {
      parseEnv({ DEEP_LINK_SECRET: "k:short-secret-value" });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain("short-secret-value");
    }
    expect(() => parseEnv({ DEEP_LINK_SECRET: `a:${"x".repeat(32)},a:${"y".repeat(32)}` })).toThrow(/appears twice/);
  });

  it("parses the allowed return origins and refuses anything but bare origins", () => {
    expect(parseEnv({}).ACTON_RETURN_ORIGINS).toEqual([]);
    expect(parseEnv({ ACTON_RETURN_ORIGINS: "https://app.act-on.com, http://localhost:4000/" }).ACTON_RETURN_ORIGINS).toEqual([
      "https://app.act-on.com",
      "http://localhost:4000",
    ]);
    expect(() => parseEnv({ ACTON_RETURN_ORIGINS: "https://app.act-on.com/settings" })).toThrow(/bare http\(s\) origin/);
    expect(() => parseEnv({ ACTON_RETURN_ORIGINS: "javascript:alert(1)" })).toThrow(/ACTON_RETURN_ORIGINS/);
  });

  it("reads the portal session lifetimes (8 hours idle, 7 days absolute by default)", () => {
    expect(parseEnv({})).toMatchObject({ PORTAL_SESSION_IDLE_MINUTES: 480, PORTAL_SESSION_MAX_AGE_HOURS: 168 });
    expect(parseEnv({ PORTAL_SESSION_IDLE_MINUTES: "30", PORTAL_SESSION_MAX_AGE_HOURS: "12" })).toMatchObject({
      PORTAL_SESSION_IDLE_MINUTES: 30,
      PORTAL_SESSION_MAX_AGE_HOURS: 12,
    });
  });
});

describe("HANDOFF_LINK_TTL", () => {
  it("defaults to 24 hours and reads m, h and d durations", () => {
    expect(envSchema.parse({}).HANDOFF_LINK_TTL).toBe(24 * 3_600_000);
    expect(envSchema.parse({ HANDOFF_LINK_TTL: "90m" }).HANDOFF_LINK_TTL).toBe(90 * 60_000);
    expect(envSchema.parse({ HANDOFF_LINK_TTL: "2d" }).HANDOFF_LINK_TTL).toBe(2 * 86_400_000);
  });

  it.each(["0h", "8d", "24", "forever"])("refuses %s", (value) => {
    expect(envSchema.safeParse({ HANDOFF_LINK_TTL: value }).success).toBe(false);
  });
});
