import "server-only";
import type { Env } from "../core/env-schema";
import { actonConnectorIdentity, type IdentityConfig } from "../microsoft/identity-config";
import type { EncryptionKey } from "../domain/secret/secret-box";
import type { RetryBudget } from "../domain/run/machine";

/** Everything the engine needs from configuration, as plain values (tests build one literally). */
export type EngineConfig = {
  identity: IdentityConfig;
  allowedDynamicsHosts: string[];
  /** On-premises hosts that may resolve to private addresses (ONPREM_ALLOWED_PRIVATE_HOSTS); every other must be public. */
  onPremisesAllowedPrivateHosts: string[];
  keys: EncryptionKey[];
  budget: RetryBudget;
  /** Pause between polls when Microsoft gave no Retry-After (replication, a new application user). */
  pollIntervalMs: number;
  leaseMs: number;
  /** How long an object created by an interrupted attempt may stay invisible before it is presumed never created. */
  replicationWindowMs: number;
  secretLifetimeDays: number;
  /** Waits shorter than this are slept through by the runner; longer ones free the run for any instance. */
  maxInlineWaitMs: number;
  /** Per-call timeout for Microsoft requests. */
  callTimeoutMs: number;
  /** One attempt of a step is aborted after this long; a run whose lease lapsed is cancellable only after it. */
  stepTimeoutMs: number;
  /** Pause before trying again after an attempt was aborted (lease not renewable, time limit). */
  pauseMs: number;
  /** Runs one portal instance drives at once (PROVISIONING_CONCURRENCY). */
  concurrency: number;
  /** How long the admin's stored Microsoft sign-in may be used (ADMIN_SESSION_TTL_MS). */
  adminSessionTtlMs: number;
};

export function engineConfigFromEnv(env: Env): EngineConfig {
  if (!env.PORTAL_ENCRYPTION_KEYS) {
    throw new Error("PORTAL_ENCRYPTION_KEYS is not set: provisioning stores Microsoft credentials encrypted and cannot run without it");
  }
  return {
    identity: {
      authorityHost: env.MICROSOFT_AUTHORITY_HOST,
      graphUrl: env.MICROSOFT_GRAPH_URL,
      discoveryUrl: env.MICROSOFT_DISCOVERY_URL,
      portalClientId: env.PORTAL_CLIENT_ID,
      portalClientSecret: env.PORTAL_CLIENT_SECRET,
      actonConnector: actonConnectorIdentity(env.ACTON_CONNECTOR),
    },
    allowedDynamicsHosts: env.DYNAMICS_ALLOWED_HOSTS,
    onPremisesAllowedPrivateHosts: env.ONPREM_ALLOWED_PRIVATE_HOSTS,
    keys: env.PORTAL_ENCRYPTION_KEYS,
    budget: { stepBudgetMs: env.PROVISIONING_STEP_BUDGET_MS, maxAttempts: env.PROVISIONING_MAX_ATTEMPTS },
    pollIntervalMs: env.PROVISIONING_POLL_INTERVAL_MS,
    leaseMs: env.PROVISIONING_LEASE_MS,
    replicationWindowMs: Math.min(env.PROVISIONING_STEP_BUDGET_MS, 2 * 60_000),
    secretLifetimeDays: env.CLIENT_SECRET_LIFETIME_DAYS,
    maxInlineWaitMs: 60_000,
    callTimeoutMs: 30_000,
    stepTimeoutMs: 5 * 60_000,
    pauseMs: env.PROVISIONING_POLL_INTERVAL_MS,
    concurrency: env.PROVISIONING_CONCURRENCY,
    adminSessionTtlMs: env.ADMIN_SESSION_TTL_MS,
  };
}
