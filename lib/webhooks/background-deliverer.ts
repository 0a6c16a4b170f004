import "server-only";
import { hostname } from "node:os";
import { getDb } from "../core/db";
import { getEnv } from "../core/env";
import { log } from "../core/log";
import { DEFAULT_BACKOFF, deliverDueWebhooks, type WebhookDelivererConfig } from "./deliver-webhooks";

let started = false;

/** The deliverer's settings from the environment. */
function webhookDelivererConfigFromEnv(): WebhookDelivererConfig {
  const env = getEnv();
  return {
    db: getDb(),
    keys: env.PORTAL_ENCRYPTION_KEYS,
    owner: `${hostname()}:${process.pid}`,
    timeoutMs: env.WEBHOOK_TIMEOUT_MS,
    leaseMs: env.WEBHOOK_TIMEOUT_MS * 3,
    ...DEFAULT_BACKOFF,
    batchSize: 50,
    concurrency: 8,
    allowedPrivateHosts: env.WEBHOOK_ALLOWED_PRIVATE_HOSTS,
  };
}

/**
 * Makes this portal instance deliver due webhook events every WEBHOOK_DELIVERY_INTERVAL_MS (0 = never). Every instance
 * runs one; leases decide who sends what.
 */
export function startBackgroundWebhookDeliverer(): void {
  if (started) return;
  const env = getEnv();
  if (env.WEBHOOK_DELIVERY_INTERVAL_MS === 0) return;
  started = true;
  const config = webhookDelivererConfigFromEnv();
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      const round = await deliverDueWebhooks(config);
      if (round.attempted > 0) log.info("webhooks: delivered", round);
    } catch (error) {
      log.error("webhooks: delivery pass failed", { error });
    } finally {
      busy = false;
    }
  };
  setInterval(() => void tick(), env.WEBHOOK_DELIVERY_INTERVAL_MS).unref();
}
