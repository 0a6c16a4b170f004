import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { BIN, ROOT } from "../lib/paths.mjs";

/** `npm run bench -- [--runs N] [--latency MS]`: bench/provisioning-bench.ts against an in-process sandbox. */
export async function run(args) {
  const r = spawnSync(BIN("tsx"), ["--conditions=react-server", join(ROOT, "bench", "provisioning-bench.ts"), ...args], {
    cwd: ROOT,
    stdio: "inherit",
    env: { ...process.env, LOG_LEVEL: "error" },
  });
  return r.status ?? 1;
}
