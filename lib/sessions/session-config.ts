import "server-only";
import { getEnv } from "../core/env";
import type { SessionLifetimes } from "./session-view";

/** Session lifetimes from PORTAL_SESSION_IDLE_MINUTES and PORTAL_SESSION_MAX_AGE_HOURS. */
export function sessionLifetimesFromEnv(): SessionLifetimes {
  const env = getEnv();
  return { idleMs: env.PORTAL_SESSION_IDLE_MINUTES * 60_000, absoluteMs: env.PORTAL_SESSION_MAX_AGE_HOURS * 3_600_000 };
}
