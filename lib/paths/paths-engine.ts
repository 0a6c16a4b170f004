import "server-only";
import { hostname } from "node:os";
import { getDb } from "../db";
import { getEnv } from "../env";
import { engineConfigFromEnv } from "../provisioning/config";
import type { Engine } from "../provisioning/engine";

const globalForEngine = globalThis as unknown as { pathsEngine?: Engine };

/** The process-wide engine for the paths' server actions (built on first use: `next build` runs without secrets). */
export function getPathsEngine(): Engine {
  return (globalForEngine.pathsEngine ??= { db: getDb(), config: engineConfigFromEnv(getEnv()), owner: `${hostname()}:${process.pid}:paths` });
}
