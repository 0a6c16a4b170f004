/**
 * The portal's configuration, as a zod schema. Pure (no process access) so tests and scripts can parse a literal
 * object; `lib/env.ts` is the only module that reads `process.env`.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { parseConnectorCertificate, type ConnectorCertificate } from "./connector-certificate";

/** t3's rule: an empty variable means "not set", so `FOO=` falls back to the default instead of failing oddly. */
const optional = <T extends z.ZodTypeAny>(schema: T) => z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), schema);

const httpsUrl = (what: string) =>
  z
    .string()
    .url(`must be a URL (${what})`)
    .refine((u) => u.startsWith("https://"), "must be an https:// URL: Microsoft's libraries refuse anything else");

/** `kid:base64key,kid:base64key`; the first key encrypts, all of them decrypt (rotation). */
const encryptionKeys = z.string().transform((raw, ctx) => {
  const keys: { id: string; key: Buffer }[] = [];
  for (const part of raw
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([A-Za-z0-9._-]{1,64}):([A-Za-z0-9+/=_-]+)$/.exec(part);
    const key = m ? Buffer.from(m[2], "base64") : null;
    if (!m || !key || key.length !== 32) {
      ctx.addIssue({
        code: "custom",
        message: "each entry must be `<key id>:<base64 of 32 random bytes>` (generate one with `openssl rand -base64 32`)",
      });
      return z.NEVER;
    }
    if (keys.some((k) => k.id === m[1])) {
      ctx.addIssue({ code: "custom", message: `key id "${m[1]}" appears twice` });
      return z.NEVER;
    }
    keys.push({ id: m[1], key });
  }
  if (keys.length === 0) {
    ctx.addIssue({ code: "custom", message: "must hold at least one key" });
    return z.NEVER;
  }
  return keys;
});

/**
 * `kid:secret[,kid:secret…]`: HMAC-SHA256 keys shared with Act-On for signed deep links. The first signs, all verify
 * (rotation); the JWS header names the key id, and the HMAC key is the secret's UTF-8 bytes.
 */
const deepLinkSecrets = z.string().transform((raw, ctx) => {
  const keys: { kid: string; secret: string }[] = [];
  for (const part of raw
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([A-Za-z0-9._-]{1,64}):(.+)$/.exec(part);
    if (!m || m[2].length < 32) {
      ctx.addIssue({
        code: "custom",
        message: "each entry must be `<key id>:<secret of at least 32 characters>` (generate one with `openssl rand -base64 32`)",
      });
      return z.NEVER;
    }
    if (keys.some((k) => k.kid === m[1])) {
      ctx.addIssue({ code: "custom", message: `key id "${m[1]}" appears twice` });
      return z.NEVER;
    }
    keys.push({ kid: m[1], secret: m[2] });
  }
  if (keys.length === 0) {
    ctx.addIssue({ code: "custom", message: "must hold at least one key" });
    return z.NEVER;
  }
  return keys;
});

/** Comma-separated `host` or `host:port` entries (or `*.` patterns), lower-cased; empty entries dropped. */
const hostList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((raw) =>
      raw
        .split(",")
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean),
    );

/** Comma-separated origins (`https://app.act-on.com`) a deep link's return URL may point to. */
const originList = z.string().transform((raw, ctx) => {
  const origins: string[] = [];
  for (const part of raw
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    let url: URL;
    try {
      url = new URL(part);
    } catch {
      ctx.addIssue({ code: "custom", message: `"${part}" is not an origin (e.g. https://app.act-on.com)` });
      return z.NEVER;
    }
    if ((url.protocol !== "https:" && url.protocol !== "http:") || url.origin !== part.replace(/\/+$/, "")) {
      ctx.addIssue({ code: "custom", message: `"${part}" must be a bare http(s) origin: scheme, host and port only` });
      return z.NEVER;
    }
    origins.push(url.origin);
  }
  return origins;
});

/**
 * Comma-separated identifier URIs of the portal's API (`api://<client id>`, `https://api.act-on.com/portal`), as its
 * app registration lists them: Entra writes the one a client asked for into a v1.0 token's `aud`, unchanged.
 */
const identifierUriList = z.string().transform((raw, ctx) => {
  const uris = raw
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  for (const uri of uris) {
    if (!/^(api|https):\/\/[^\s/?#]+(\/[^\s?#]*)?$/i.test(uri)) {
      ctx.addIssue({ code: "custom", message: `"${uri}" is not an identifier URI (api://… or https://…, without a query or fragment)` });
      return z.NEVER;
    }
  }
  return uris;
});

export const envSchema = z
  .object({
    NODE_ENV: optional(z.enum(["development", "test", "production"]).default("development")),
    /** `file:./.data/portal.db` (SQLite, default) or `postgresql://user:pass@host:5432/db`. */
    DATABASE_URL: optional(
      z
        .string()
        .refine((u) => /^(file:|postgres(ql)?:\/\/)/.test(u), "must start with file: (SQLite) or postgresql:// (PostgreSQL)")
        .default("file:./.data/portal.db"),
    ),
    PORTAL_BASE_URL: optional(z.string().url("must be the portal's public URL, e.g. https://portal.example.com").default("http://localhost:3000")),
    /** AES-256-GCM keys for stored secrets. Required in production; the demo generates one under .data/. */
    PORTAL_ENCRYPTION_KEYS: optional(encryptionKeys.optional()),
    /** HMAC-SHA256 keys shared with Act-On for signed deep links, `kid:secret[,kid:secret…]`; the first signs. */
    DEEP_LINK_SECRET: optional(deepLinkSecrets.optional()),
    /** Origins a deep link's return URL may have (Act-On's app); links returning anywhere else are refused. */
    ACTON_RETURN_ORIGINS: optional(originList.default([])),
    /** A portal session ends after this long without a request, and in any case this long after the link was opened. */
    PORTAL_SESSION_IDLE_MINUTES: optional(
      z.coerce
        .number()
        .int()
        .min(1)
        .default(8 * 60),
    ),
    PORTAL_SESSION_MAX_AGE_HOURS: optional(
      z.coerce
        .number()
        .int()
        .min(1)
        .default(7 * 24),
    ),
    /**
     * Act-On's own Entra tenant: the API (/api/v1) accepts access tokens issued there only, for the portal's app
     * registration (PORTAL_CLIENT_ID), and checks their app roles. Unset = the API refuses every call.
     */
    ACTON_TENANT_ID: optional(z.string().uuid("must be Act-On's Entra tenant id (a GUID)").optional()),
    /** API calls each caller (token subject) may make per window, counted in the database across instances. */
    API_RATE_LIMIT_REQUESTS: optional(z.coerce.number().int().min(1).default(300)),
    API_RATE_LIMIT_WINDOW_MS: optional(z.coerce.number().int().min(1_000).default(60_000)),
    /**
     * Refusals of callers the API cannot name (no token, an invalid one) are counted per operation and reason and
     * written as one `api.refusals` audit row per window per instance, so a flood of them cannot flood the audit log.
     */
    API_REFUSAL_AUDIT_WINDOW_MS: optional(z.coerce.number().int().min(1_000).default(60_000)),
    /** How often each portal instance delivers due webhook events (0 = never). */
    WEBHOOK_DELIVERY_INTERVAL_MS: optional(z.coerce.number().int().min(0).default(2_000)),
    /** A delivery that keeps failing is retried with exponential backoff for this long, then marked failed. */
    WEBHOOK_RETRY_BUDGET_MS: optional(
      z.coerce
        .number()
        .int()
        .min(1_000)
        .default(24 * 3600_000),
    ),
    /** Per-attempt timeout of a webhook POST. */
    WEBHOOK_TIMEOUT_MS: optional(z.coerce.number().int().min(100).default(10_000)),
    /**
     * `host` or `host:port` entries a webhook URL may resolve to a private address for (a receiver on the same machine
     * in a demo or test). Empty by default: webhook URLs must be HTTPS on public addresses.
     */
    WEBHOOK_ALLOWED_PRIVATE_HOSTS: optional(hostList("")),
    /** Microsoft endpoints. Defaults are Microsoft's public cloud; the sandbox sets its own origin. */
    MICROSOFT_AUTHORITY_HOST: optional(httpsUrl("the Entra ID authority host").default("https://login.microsoftonline.com")),
    MICROSOFT_GRAPH_URL: optional(httpsUrl("Microsoft Graph").default("https://graph.microsoft.com")),
    MICROSOFT_DISCOVERY_URL: optional(httpsUrl("the Dataverse Global Discovery Service").default("https://globaldisco.crm.dynamics.com")),
    /** Hosts a Dynamics environment URL may have; `*.` matches one or more labels. The server sends tokens nowhere else. */
    DYNAMICS_ALLOWED_HOSTS: optional(hostList("*.dynamics.com")),
    /**
     * On-premises servers are checked by address, not by name: their host must resolve to public addresses only.
     * `host` or `host:port` entries listed here may resolve to private ones (the sandbox in a demo or test).
     */
    ONPREM_ALLOWED_PRIVATE_HOSTS: optional(hostList("")),
    /** How long a hand-off link to a colleague stays valid: `<n>h`, `<n>m` or `<n>d` (at most 7 days). */
    HANDOFF_LINK_TTL: optional(
      z
        .string()
        .default("24h")
        .transform((s, ctx) => {
          const m = /^(\d+)\s*([mhd])$/.exec(s.trim());
          const ms = m ? Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "m" | "h" | "d"] : NaN;
          if (!(ms >= 60_000 && ms <= 7 * 86_400_000)) {
            ctx.addIssue({ code: "custom", message: "must be a duration like 24h, 90m or 2d, between 1 minute and 7 days" });
            return z.NEVER;
          }
          return ms;
        }),
    ),
    /** The portal's own multi-tenant Entra app registration, used to sign admins in. */
    PORTAL_CLIENT_ID: optional(z.string().uuid("must be the portal app registration's client id (a GUID)").optional()),
    PORTAL_CLIENT_SECRET: optional(z.string().min(1).optional()),
    /**
     * The identifier URIs of the portal's API in Act-On's tenant (its registration's "Application ID URI"s), the
     * audiences /api/v1 accepts in v1.0 access tokens. Default `api://<PORTAL_CLIENT_ID>`.
     */
    PORTAL_API_IDENTIFIER_URIS: optional(identifierUriList.optional()),
    /**
     * The delegated scope the support console (/support) asks Act-On's tenant for, on the portal's own API. Default
     * `api://<PORTAL_CLIENT_ID>/Support.Access`; set it when the app registration's identifier URI differs.
     */
    SUPPORT_CONSOLE_SCOPE: optional(z.string().min(1).max(300).optional()),
    LOG_LEVEL: optional(z.enum(["debug", "info", "warn", "error"]).default("info")),
    /**
     * Provisioning budgets. Real tenants take seconds to minutes to replicate a new app and a new application user,
     * and Microsoft's own automation polls an application user for up to 10 minutes, every 10-20 s: the defaults
     * follow that. Tests and rehearsals shorten them.
     */
    PROVISIONING_STEP_BUDGET_MS: optional(
      z.coerce
        .number()
        .int()
        .min(1_000)
        .default(10 * 60_000),
    ),
    PROVISIONING_MAX_ATTEMPTS: optional(z.coerce.number().int().min(1).max(1_000).default(60)),
    /** Pause between polls of something Microsoft is still setting up, when it gave no Retry-After. */
    PROVISIONING_POLL_INTERVAL_MS: optional(z.coerce.number().int().min(10).default(15_000)),
    PROVISIONING_LEASE_MS: optional(z.coerce.number().int().min(3_000).default(60_000)),
    /** How often each portal instance looks for runs to resume (due, or orphaned by a crashed instance); 0 = never. */
    PROVISIONING_RESUME_INTERVAL_MS: optional(z.coerce.number().int().min(0).default(15_000)),
    /**
     * Provisioning runs one portal instance drives at once, kept for them in the scheduler's pool; more wait their turn
     * (and any other instance may take them).
     */
    PROVISIONING_CONCURRENCY: optional(z.coerce.number().int().min(1).max(64).default(4)),
    /**
     * The scheduler (lib/scheduler/): each portal instance runs its background work (provisioning runs, webhook
     * deliveries, health probes) in one pool of this many workers, shared fairly; PROVISIONING_CONCURRENCY of them are
     * kept for provisioning runs and one for webhook deliveries whatever else is due.
     */
    SCHEDULER_WORKERS: optional(z.coerce.number().int().min(2).max(256).default(12)),
    /** On SIGTERM the scheduler stops claiming, hands back what is queued and gives running jobs this long to finish. */
    SCHEDULER_SHUTDOWN_GRACE_MS: optional(z.coerce.number().int().min(0).max(600_000).default(10_000)),
    /** Every Active connection is probed once per this many hours, at its own moment within it (0 = no scheduled probes). */
    HEALTH_PROBE_INTERVAL_HOURS: optional(
      z.coerce
        .number()
        .min(0)
        .max(24 * 30)
        .default(6),
    ),
    /** Probes one instance runs at once, at most (they never take the slots kept for provisioning runs). */
    HEALTH_PROBE_CONCURRENCY: optional(z.coerce.number().int().min(1).max(64).default(4)),
    /** How often each instance looks for due probes. */
    HEALTH_PROBE_POLL_INTERVAL_MS: optional(z.coerce.number().int().min(10).default(15_000)),
    /** How often each instance publishes the client secret expiry reminders due (30, 14, 7 and 1 days before); 0 = never. */
    CREDENTIAL_REMINDER_POLL_INTERVAL_MS: optional(
      z.coerce
        .number()
        .int()
        .min(0)
        .default(15 * 60_000),
    ),
    /** How often each instance looks for due certificate rotations (30 days before a certificate expires); 0 = never. */
    CREDENTIAL_ROTATION_POLL_INTERVAL_MS: optional(
      z.coerce
        .number()
        .int()
        .min(0)
        .default(15 * 60_000),
    ),
    /** How long a rotated-out certificate stays on the app after the switch, for instances still signing with it. */
    CREDENTIAL_ROTATION_GRACE_MS: optional(z.coerce.number().int().min(0).default(3600_000)),
    /** How long an admin's stored Microsoft sign-in (delegated token cache) may drive runs; deleted earlier when unused. */
    ADMIN_SESSION_TTL_MS: optional(
      z.coerce
        .number()
        .int()
        .min(60_000)
        .default(24 * 60 * 60_000),
    ),
    /** Client secrets the portal creates expire after this many days (Microsoft allows up to 2 years). */
    CLIENT_SECRET_LIFETIME_DAYS: optional(z.coerce.number().int().min(1).max(730).default(365)),
    /**
     * The "Act-On Connector": Act-On's own multi-tenant app registration in its tenant. With its certificate (below),
     * cloud connections default to it: the customer's admin consents to it, and no app or credential is made in their
     * tenant. Unset: the mode is not offered anywhere.
     */
    ACTON_CONNECTOR_APP_ID: optional(z.string().uuid("must be the Act-On Connector app's client id (a GUID)").optional()),
    /** The connector's certificate: its private key and certificate in PEM, inline, or in the file named below. */
    ACTON_CONNECTOR_CERTIFICATE: optional(z.string().optional()),
    ACTON_CONNECTOR_CERTIFICATE_FILE: optional(z.string().optional()),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === "production" && !env.PORTAL_ENCRYPTION_KEYS) {
      ctx.addIssue({
        code: "custom",
        path: ["PORTAL_ENCRYPTION_KEYS"],
        message: "is required in production: stored Microsoft credentials are encrypted with it",
      });
    }
    if (env.PROVISIONING_CONCURRENCY + 1 > env.SCHEDULER_WORKERS) {
      ctx.addIssue({
        code: "custom",
        path: ["SCHEDULER_WORKERS"],
        message: `must leave room beside the ${env.PROVISIONING_CONCURRENCY} workers kept for provisioning runs (PROVISIONING_CONCURRENCY) and the one for webhooks`,
      });
    }
    const connectorProblem = connectorConfigProblem(env);
    if (connectorProblem) ctx.addIssue({ code: "custom", path: [connectorProblem.path], message: connectorProblem.message });
    if (env.NODE_ENV === "production" && !env.DEEP_LINK_SECRET) {
      ctx.addIssue({
        code: "custom",
        path: ["DEEP_LINK_SECRET"],
        message: "is required in production: it verifies the signed links Act-On sends admins with",
      });
    }
  })
  .transform((env) => ({ ...env, ACTON_CONNECTOR: actonConnectorOf(env) }));

export type Env = z.infer<typeof envSchema>;

/** The Act-On Connector as the portal uses it; null when it is not configured (its mode is then not offered). */
export type ActonConnectorConfig = { appId: string } & ConnectorCertificate;

type ConnectorVariables = { ACTON_CONNECTOR_APP_ID?: string; ACTON_CONNECTOR_CERTIFICATE?: string; ACTON_CONNECTOR_CERTIFICATE_FILE?: string };

/** The connector's PEM text, inline or read from its file (a path that cannot be read is a configuration problem). */
function connectorPem(env: ConnectorVariables): { pem: string } | { problem: string } | null {
  if (env.ACTON_CONNECTOR_CERTIFICATE) return { pem: env.ACTON_CONNECTOR_CERTIFICATE.replace(/\\n/g, "\n") };
  if (!env.ACTON_CONNECTOR_CERTIFICATE_FILE) return null;
  try {
    return { pem: readFileSync(env.ACTON_CONNECTOR_CERTIFICATE_FILE, "utf8") };
  } catch {
    return { problem: `cannot be read (${env.ACTON_CONNECTOR_CERTIFICATE_FILE})` };
  }
}

function connectorConfigProblem(env: ConnectorVariables): { path: string; message: string } | null {
  if (env.ACTON_CONNECTOR_CERTIFICATE && env.ACTON_CONNECTOR_CERTIFICATE_FILE)
    return { path: "ACTON_CONNECTOR_CERTIFICATE_FILE", message: "is set beside ACTON_CONNECTOR_CERTIFICATE: set one of them" };
  const variable = env.ACTON_CONNECTOR_CERTIFICATE ? "ACTON_CONNECTOR_CERTIFICATE" : "ACTON_CONNECTOR_CERTIFICATE_FILE";
  const pem = connectorPem(env);
  if (!env.ACTON_CONNECTOR_APP_ID) return pem ? { path: "ACTON_CONNECTOR_APP_ID", message: `is required with ${variable}` } : null;
  if (!pem) return { path: "ACTON_CONNECTOR_CERTIFICATE", message: "or ACTON_CONNECTOR_CERTIFICATE_FILE is required with ACTON_CONNECTOR_APP_ID" };
  if ("problem" in pem) return { path: variable, message: pem.problem };
  const parsed = parseConnectorCertificate(pem.pem);
  return parsed.ok ? null : { path: variable, message: parsed.message };
}

function actonConnectorOf(env: ConnectorVariables): ActonConnectorConfig | null {
  const pem = env.ACTON_CONNECTOR_APP_ID ? connectorPem(env) : null;
  if (!env.ACTON_CONNECTOR_APP_ID || !pem || "problem" in pem) return null;
  const parsed = parseConnectorCertificate(pem.pem);
  return parsed.ok ? { appId: env.ACTON_CONNECTOR_APP_ID.toLowerCase(), ...parsed.value } : null;
}

export class ConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigurationError";
  }
}

/** Parses a raw environment, naming every bad variable and what it expects. Secrets' values never reach the message. */
export function parseEnv(raw: Record<string, string | undefined>): Env {
  const result = envSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new ConfigurationError(result.error.issues.map((issue) => `${issue.path.join(".") || "environment"} ${issue.message}`));
}
