import "server-only";
import { hostname } from "node:os";
import { getDb } from "../db";
import { getEnv } from "../env";
import { log } from "../log";
import { engineConfigFromEnv } from "./config";
import type { Engine } from "./engine";
import { resumeDueRuns } from "./resume-due-runs";

let started = false;

/**
 * Makes this portal instance pick up runs that are due or whose instance died, every
 * PROVISIONING_RESUME_INTERVAL_MS. Every instance runs one; leases decide who works on what. Off when the interval is
 * 0 or when no encryption key is configured (nothing could be provisioned anyway).
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
  const engine: Engine = { db: getDb(), config: engineConfigFromEnv(env), owner: `${hostname()}:${process.pid}` };
  let busy = false;
  const tick = async () => {
    if (busy) return; // a long drive is still going: the next tick comes after it
    busy = true;
    try {
      const resumed = await resumeDueRuns(engine);
      for (const { runId, result } of resumed) log.info("provisioning: resumed run", { runId, status: result.status });
    } catch (error) {
      log.error("provisioning: resuming runs failed", { error });
    } finally {
      busy = false;
    }
  };
  setInterval(() => void tick(), env.PROVISIONING_RESUME_INTERVAL_MS).unref();
}
