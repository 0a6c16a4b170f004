/**
 * The Microsoft sandbox in a child process, so a bench's own CPU figures are the portal's alone and the sandbox's
 * are read apart (from /proc). The child trusts nothing new: the bench process must already trust the sandbox CA
 * (NODE_EXTRA_CA_CERTS, as `npm run bench` sets it).
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

export type SandboxProcess = { origin: string; cpuMs: () => number; close: () => Promise<void> };

/** CPU time another process has used: utime + stime, fields 14 and 15 of /proc/<pid>/stat, in ticks of 1/100 s (USER_HZ). */
export function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

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
  return {
    origin,
    cpuMs: () => processCpuMs(child.pid!),
    close: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
