import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { loadLocalSecrets } from "../lib/local-secrets.mjs";
import { BIN, ROOT } from "../lib/paths.mjs";

/** The environment the link is signed for: the caller's, else the demo's (local secrets, http://localhost:PORT). */
export function deepLinkEnv(env = process.env) {
  const portalBaseUrl = env.PORTAL_BASE_URL || `http://localhost:${env.PORT || 3000}`;
  return {
    ...env,
    ...(env.DEEP_LINK_SECRET ? {} : { DEEP_LINK_SECRET: loadLocalSecrets().DEEP_LINK_SECRET }),
    PORTAL_BASE_URL: portalBaseUrl,
    ACTON_RETURN_ORIGINS: env.ACTON_RETURN_ORIGINS || new URL(portalBaseUrl).origin,
  };
}

/** Runs scripts/deeplink.ts; returns its exit status and what it printed. */
export function signDeepLink(args, env = process.env) {
  return spawnSync(BIN("tsx"), [join(ROOT, "scripts", "deeplink.ts"), ...args], { cwd: ROOT, env: deepLinkEnv(env), encoding: "utf8" });
}

/** `npm run deeplink -- --account <id> …`: prints one signed launch link. */
export async function run(args) {
  const r = signDeepLink(args);
  if (r.stdout) process.stdout.write(r.stdout);
  if (r.stderr) process.stderr.write(r.stderr);
  return r.status ?? 1;
}
