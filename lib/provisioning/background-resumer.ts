import "server-only";
import { getEnv } from "../core/env";
import { log } from "../core/log";
import { feedDueRuns } from "./resume-due-runs";
import { getPortalProvisioning } from "./run-pool";

let started = false;

/**
 * Makes this portal instance pick up runs that are due or whose instance died, every
 * PROVISIONING_RESUME_INTERVAL_MS, into the same pool approvals and retries wake runs in. Every instance runs one;
 * leases decide who works on what. Off when the interval is 0 or when no encryption key is configured (nothing could
 * be provisioned anyway).
 */
export function startBackgroundResumer(): void {
  if (started) return;
  const env = getEnv();
  if (env.PROVISIONING_RESUME_INTERVAL_MS === 0) return;
  if (!env.PORTAL_ENCRYPTION_KEYS) {
    log.warn("provisioning: no PORTAL_ENCRYPTION_KEYS, so this instance will not resume provisioning runs");
    return;
  }
  started = true;
  const { engine, pool } = getPortalProvisioning();
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      const ids = await feedDueRuns(engine, pool);
      if (ids.length) log.info("provisioning: resuming runs", { runIds: ids });
    } catch (error) {
      log.error("provisioning: resuming runs failed", { error });
    } finally {
      busy = false;
    }
  };
  setInterval(() => void tick(), env.PROVISIONING_RESUME_INTERVAL_MS).unref();
}
