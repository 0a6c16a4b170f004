/** Runs one of the portal's commands as a user does (`node scripts/run.mjs <command> …`), in a real child process. */
import { spawn } from "node:child_process";
import { join } from "node:path";

// The checkout's root is where both runners start (Vitest and Playwright run from it); no import.meta, because
// Playwright compiles test support to CommonJS.
const ROOT = process.cwd();

export type RunningCommand = {
  exited: Promise<number>;
  output: () => string;
  /** Resolves with the match once the output shows `pattern`; rejects if the command exits first. */
  waitFor: (pattern: RegExp) => Promise<RegExpExecArray>;
  kill: () => void;
};

export function runPortalCommand(command: string, args: string[], env: Record<string, string | undefined>): RunningCommand {
  const child = spawn(process.execPath, [join(ROOT, "scripts", "run.mjs"), command, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group: the command starts children (tsx, the sandbox) that must stop with it.
    detached: true,
  });
  let output = "";
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const l of listeners) l();
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const exited = new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? -1)));
  const waitFor = (pattern: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const m = pattern.exec(output);
        if (m) {
          listeners.delete(check);
          resolve(m);
        }
      };
      listeners.add(check);
      check();
      void exited.then((code) => reject(new Error(`${command} exited (${code}) before printing ${pattern}:\n${output}`)));
    });
  return {
    exited,
    output: () => output,
    waitFor,
    kill: () => {
      if (child.exitCode === null && child.pid) process.kill(-child.pid, "SIGTERM");
    },
  };
}

/** Lines that look like a stack trace or a byte dump: a command's output must never hold one. */
export function traceLines(output: string): string[] {
  return output.split("\n").filter((line) => /^\s+at\s|wasm-function|Buffer\(|Uint8Array|^\s+\d+: \w+::/.test(line));
}
