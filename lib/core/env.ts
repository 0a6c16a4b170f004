import "server-only";
import { parseEnv, type Env } from "./env-schema";

let cached: Env | undefined;

/** Parses the process environment on first use (so `next build` needs no secrets) and caches it. */
export function getEnv(): Env {
  return (cached ??= parseEnv(process.env));
}
