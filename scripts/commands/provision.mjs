import { spawn } from "node:child_process";
import { join } from "node:path";
import { loadLocalSecrets } from "../lib/local-secrets.mjs";
import { BIN, ROOT } from "../lib/paths.mjs";
import { isPortFree } from "../lib/processes.mjs";
import { portalEnvForSandbox, startSandbox, waitForUrl } from "../lib/sandbox.mjs";
import { ensureMigrated } from "../migrate.mjs";

/**
 * Runs one of the engine's tsx scripts (scripts/<script>.ts) with the portal's database and keys. With
 * MICROSOFT_AUTHORITY_HOST set it talks to those Microsoft endpoints; without it, it rehearses against the local
 * sandbox (started if not running). Returns the script's exit code.
 */
export async function runEngineScript(script, args, verb) {
  if (process.env.MICROSOFT_AUTHORITY_HOST && (!process.env.PORTAL_ENCRYPTION_KEYS || !process.env.DATABASE_URL)) {
    // Against the real cloud, real client secrets live in the portal's own database, under its own key.
    console.error(`Set DATABASE_URL and PORTAL_ENCRYPTION_KEYS to the portal's when ${verb} against Microsoft's cloud.`);
    return 2;
  }
  const env = { ...process.env, DATABASE_URL: process.env.DATABASE_URL || "file:./.data/portal.db" };
  if (!process.env.PORTAL_ENCRYPTION_KEYS) Object.assign(env, loadLocalSecrets());
  // Beside a running portal the schema is normally current already: then nothing takes a lock here.
  await ensureMigrated(env);
  let sandbox = null;
  if (!process.env.MICROSOFT_AUTHORITY_HOST) {
    const port = Number(process.env.EMULATOR_PORT || 4443);
    const origin = `https://localhost:${port}`;
    if (await isPortFree(port)) {
      sandbox = startSandbox({ port, stdio: ["ignore", "ignore", "inherit"] });
      await waitForUrl(`${origin}/__emulator/endpoints`);
    }
    Object.assign(env, await portalEnvForSandbox(origin));
    console.log(`Rehearsing against the Microsoft sandbox at ${origin} (set MICROSOFT_AUTHORITY_HOST & co. for the real cloud).`);
  }
  const child = spawn(BIN("tsx"), ["--conditions=react-server", join(ROOT, "scripts", `${script}.ts`), ...args], {
    cwd: ROOT,
    stdio: "inherit",
    env,
  });
  const code = await new Promise((resolve) => child.on("exit", (c) => resolve(c ?? 1)));
  sandbox?.kill();
  return code;
}

/** `npm run provision -- …`: the engine's command line (scripts/provision.ts). */
export function run(args) {
  return runEngineScript("provision", args, "provisioning");
}
