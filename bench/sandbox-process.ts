/**
 * The Microsoft sandbox in a child process, so a bench's own CPU figures are the portal's alone and the sandbox's
 * are read apart (from /proc). The child trusts nothing new: the bench process must already trust the sandbox CA
 * (NODE_EXTRA_CA_CERTS, as `npm run bench` sets it).
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

export type SandboxProcess = { origin: string; cpuMs: () => number; close: () => Promise<void> };

export async function startSandboxProcess(): Promise<SandboxProcess> {
  const root = join(__dirname, "..");
  const child = spawn(process.execPath, ["--import", "tsx", join(root, "emulator", "main.ts")], {
    cwd: root,
    env: { ...process.env, EMULATOR_PORT: "0", EMULATOR_SCENARIO: "consented" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const origin = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (https:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once("exit", (code) => reject(new Error(`the sandbox exited (${code}) before it listened`)));
  });
  child.stdout.resume();
  const ticks = 100; // USER_HZ on Linux
  return {
    origin,
    // utime + stime of the child, fields 14 and 15 of /proc/<pid>/stat (after the parenthesised command name).
    cpuMs: () => {
      const fields = readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1].split(" ");
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticks;
    },
    close: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
