/** Test support: runs crash-worker.ts in a child process and reports how it ended. */
import { spawn } from "node:child_process";
import { join } from "node:path";
import type { EngineConfig } from "../../lib/provisioning/config";
import type { CrashSpec } from "./crash-worker";

export async function runUntilCrash(input: {
  databaseUrl: string;
  runId: string;
  owner: string;
  config: EngineConfig;
  afterCall?: string;
  afterStep?: string;
}): Promise<{ code: number | null; output: string }> {
  const spec: CrashSpec = {
    ...input,
    config: { ...input.config, keys: input.config.keys.map((k) => ({ id: k.id, key: k.key.toString("base64") })) },
  };
  const root = join(import.meta.dirname, "..", "..");
  return new Promise((resolve, reject) => {
    const child = spawn(join(root, "node_modules", ".bin", "tsx"), ["--conditions=react-server", join(import.meta.dirname, "crash-worker.ts")], {
      cwd: root,
      env: { ...process.env, CRASH_SPEC: JSON.stringify(spec), LOG_LEVEL: "error" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, output }));
  });
}
