import "server-only";
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { getDb } from "../core/db";
import { getEnv } from "../core/env";
import type { Env } from "../core/env-schema";
import { log } from "../core/log";
import { engineConfigFromEnv } from "../provisioning/config";
import type { Engine } from "../provisioning/engine";
import type { RunPool } from "../provisioning/run-pool";
import { DEFAULT_BACKOFF } from "../webhooks/deliver-webhooks";
import { credentialRemindersKind } from "./kinds/credential-reminders";
import { credentialRotationsKind } from "./kinds/credential-rotations";
import { healthProbesKind } from "./kinds/health-probes";
import { provisioningRunsKind } from "./kinds/provisioning-runs";
import { webhookDeliveriesKind } from "./kinds/webhook-deliveries";
import { createScheduler, jobKind, type JobKind, type Scheduler } from "./scheduler";

/** A rotation's claim; each phase it writes extends it. */
const ROTATION_LEASE_MS = 5 * 60_000;
/** A probe's claim; renewed every third of it while the probe runs. */
const PROBE_LEASE_MS = 60_000;

type PortalScheduler = { scheduler: Scheduler; owner: string; engine: Engine | null };

const globalForScheduler = globalThis as unknown as {
  portalScheduler?: PortalScheduler;
  portalProvisioning?: { engine: Engine; pool: RunPool };
};

/**
 * The kinds of background work this instance runs, from the environment: provisioning runs and health probes need the
 * encryption keys (without them nothing can be provisioned or probed), webhooks run always unless switched off.
 */
function portalJobKinds(env: Env, owner: string, submit: (kind: string, item: unknown) => void): { kinds: JobKind<never>[]; engine: Engine | null } {
  const db = getDb();
  const kinds: JobKind<never>[] = [];
  let engine: Engine | null = null;
  if (env.PORTAL_ENCRYPTION_KEYS) {
    const config = engineConfigFromEnv(env);
    const base: Engine = { db, config, owner };
    const runs = provisioningRunsKind(base, {
      reserved: env.PROVISIONING_CONCURRENCY,
      max: env.PROVISIONING_CONCURRENCY,
      pollEveryMs: env.PROVISIONING_RESUME_INTERVAL_MS,
      submit: (runId) => submit("provisioning", runId),
    });
    engine = { ...base, wake: runs.pool.wake };
    // Approvals and retries in this instance's pages wake their run here (lib/provisioning/run-pool.ts).
    globalForScheduler.portalProvisioning = { engine, pool: runs.pool };
    kinds.push(jobKind(runs));
    if (env.HEALTH_PROBE_INTERVAL_HOURS > 0) {
      kinds.push(
        jobKind(
          healthProbesKind(
            { db, config, owner, leaseMs: PROBE_LEASE_MS, intervalMs: env.HEALTH_PROBE_INTERVAL_HOURS * 3600_000 },
            { max: env.HEALTH_PROBE_CONCURRENCY, pollEveryMs: env.HEALTH_PROBE_POLL_INTERVAL_MS },
          ),
        ),
      );
    }
    if (env.CREDENTIAL_ROTATION_POLL_INTERVAL_MS > 0) {
      kinds.push(
        jobKind(
          credentialRotationsKind(
            { db, config, owner, leaseMs: ROTATION_LEASE_MS, graceMs: env.CREDENTIAL_ROTATION_GRACE_MS },
            { max: 2, pollEveryMs: env.CREDENTIAL_ROTATION_POLL_INTERVAL_MS },
          ),
        ),
      );
    }
  } else {
    log.warn("scheduler: no PORTAL_ENCRYPTION_KEYS, so this instance will neither resume provisioning runs nor probe connections");
  }
  if (env.CREDENTIAL_REMINDER_POLL_INTERVAL_MS > 0) {
    kinds.push(jobKind(credentialRemindersKind(db, { pollEveryMs: env.CREDENTIAL_REMINDER_POLL_INTERVAL_MS })));
  }
  if (env.WEBHOOK_DELIVERY_INTERVAL_MS > 0) {
    kinds.push(
      jobKind(
        webhookDeliveriesKind(
          {
            db,
            keys: env.PORTAL_ENCRYPTION_KEYS,
            owner,
            timeoutMs: env.WEBHOOK_TIMEOUT_MS,
            leaseMs: env.WEBHOOK_TIMEOUT_MS * 3,
            ...DEFAULT_BACKOFF,
            batchSize: 50,
            concurrency: 8,
            allowedPrivateHosts: env.WEBHOOK_ALLOWED_PRIVATE_HOSTS,
          },
          { reserved: 1, max: 8, pollEveryMs: env.WEBHOOK_DELIVERY_INTERVAL_MS },
        ),
      ),
    );
  }
  return { kinds, engine };
}

/**
 * Starts this portal instance's scheduler (once; instrumentation.ts calls it at start-up) and makes SIGTERM and SIGINT
 * stop it gracefully before the process exits: nothing new is claimed, queued work is handed back, running jobs get
 * SCHEDULER_SHUTDOWN_GRACE_MS to finish (a provisioning run stops after its current step), and every lease still held
 * is ended so another instance carries on at once. Under `next start`, set NEXT_MANUAL_SIG_HANDLE=true (the `start`
 * script does) so Next.js leaves the signal to this handler instead of exiting at once.
 */
export function startPortalScheduler(): PortalScheduler {
  if (globalForScheduler.portalScheduler) return globalForScheduler.portalScheduler;
  const env = getEnv();
  const owner = `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  let scheduler: Scheduler | null = null;
  const { kinds, engine } = portalJobKinds(env, owner, (kind, item) => scheduler?.submit(kind, item));
  scheduler = createScheduler({ size: env.SCHEDULER_WORKERS, kinds });
  scheduler.start();
  const portal: PortalScheduler = { scheduler, owner, engine };
  globalForScheduler.portalScheduler = portal;
  log.info("scheduler: started", { owner, workers: env.SCHEDULER_WORKERS, kinds: kinds.map((k) => k.name) });

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info("scheduler: stopping", { signal, owner });
    // Past the grace and a little for the hand-over writes, exit whatever still waits (a database that stopped answering,
    // a connection pool draining a hung query): an orchestrator's SIGKILL would come next anyway, and leases lapse.
    setTimeout(() => {
      log.warn("scheduler: shutdown took too long; exiting", { owner });
      process.exit(0);
    }, env.SCHEDULER_SHUTDOWN_GRACE_MS + 5_000).unref();
    void portal.scheduler
      .stop({ graceMs: env.SCHEDULER_SHUTDOWN_GRACE_MS })
      .then(
        (outcome) => log.info("scheduler: stopped", { owner, ...outcome, stats: portal.scheduler.stats() }),
        (error: unknown) => log.error("scheduler: stopping failed", { owner, error }),
      )
      .finally(() => {
        void getDb()
          .$disconnect()
          .finally(() => process.exit(0));
      });
  };
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
  return portal;
}

/** This instance's scheduler, if it was started. */
export function getPortalScheduler(): PortalScheduler | null {
  return globalForScheduler.portalScheduler ?? null;
}
