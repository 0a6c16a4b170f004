/** Test support: runs crash-worker.ts in a child process and reports how it ended. */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import type { EngineConfig } from "../../lib/provisioning/config";
import type { CrashSpec } from "./crash-worker";

type WorkerInput = Omit<CrashSpec, "config"> & { config: EngineConfig };
type Exit = { code: number | null; output: string };

type Worker = { child: ChildProcess; exited: Promise<Exit>; output: () => string };

/** A crash-worker process that loads the engine and then waits for its spec on stdin. */
function startWorker(warmDatabaseUrl?: string): Worker {
  const root = join(import.meta.dirname, "..", "..");
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: "error" };
  delete env.CRASH_SPEC;
  if (warmDatabaseUrl) env.CRASH_WARM_DATABASE_URL = warmDatabaseUrl;
  const child = spawn(join(root, "node_modules", ".bin", "tsx"), ["--conditions=react-server", join(import.meta.dirname, "crash-worker.ts")], {
    cwd: root,
    env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  // A worker nobody used is ended by closing its stdin; a write to one that already died must not throw.
  child.stdin!.on("error", () => {});
  const exited = new Promise<Exit>((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, output }));
  });
  exited.catch(() => {});
  return { child, exited, output: () => output };
}

/**
 * A warm pool of one: while a worker runs, the next one is already starting (a cold tsx start with the engine's
 * imports is seconds on a loaded two-core machine; a crash sweep uses one process per kill point).
 */
let warm: Worker | null = null;
process.once("exit", () => warm?.child.kill());

function spawnWorker(input: WorkerInput): Worker {
  const spec: CrashSpec = {
    ...input,
    config: { ...input.config, keys: input.config.keys.map((k) => ({ id: k.id, key: k.key.toString("base64") })) },
  };
  const usable = warm && warm.child.exitCode === null && warm.child.signalCode === null ? warm : null;
  if (warm && !usable) warm = null;
  const worker = usable ?? startWorker();
  // The next call most likely drives a run in the same database (a sweep of kill points): let it open that one.
  warm = startWorker(input.databaseUrl);
  // The warm worker must not keep the test process alive once the suite is done.
  warm.child.unref();
  for (const stream of [warm.child.stdin, warm.child.stdout, warm.child.stderr]) (stream as unknown as { unref?: () => void })?.unref?.();
  worker.child.ref();
  for (const stream of [worker.child.stdin, worker.child.stdout, worker.child.stderr]) (stream as unknown as { ref?: () => void })?.ref?.();
  worker.child.stdin!.end(`${JSON.stringify(spec)}\n`);
  return worker;
}

export async function runUntilCrash(input: WorkerInput & { afterCall?: string; afterCallMatching?: string; afterStep?: string }): Promise<Exit> {
  return spawnWorker(input).exited;
}

export type StalledRunner = {
  /** Resolves once the runner has stopped itself at the stall point; rejects if it exited first. */
  stalled: Promise<void>;
  /** Lets the runner go on (SIGCONT) and resolves when its process has exited. */
  resume: () => Promise<Exit>;
  /** Ends the process if it is still there (for cleanup after a failed assertion). */
  kill: () => void;
};

/** Starts a runner process that drives `runId` until it reaches `stallInStep` + `stallAfterCall`, then stops there. */
export function startStallingRunner(input: WorkerInput & { stallInStep: string; stallAfterCall: string; timeoutMs?: number }): StalledRunner {
  const { timeoutMs = 120_000, ...spec } = input;
  const worker = spawnWorker(spec);
  // tsx runs the worker in a child process of its own: signals go to the pid the worker reports.
  let pid: number | null = null;
  const stalled = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the runner did not stall within ${timeoutMs} ms:\n${worker.output()}`)), timeoutMs);
    const check = () => {
      const m = /STALLED (\d+)/.exec(worker.output());
      if (!m) return;
      pid = Number(m[1]);
      clearTimeout(timer);
      resolve();
    };
    worker.child.stdout!.on("data", check);
    worker.exited.then((exit) => {
      clearTimeout(timer);
      reject(new Error(`the runner exited (${exit.code}) before it stalled:\n${exit.output}`));
    });
  });
  stalled.catch(() => {});
  return {
    stalled,
    resume: () => {
      if (pid === null) throw new Error("the runner has not stalled");
      process.kill(pid, "SIGCONT");
      return worker.exited;
    },
    kill: () => {
      if (worker.child.exitCode !== null || worker.child.signalCode !== null) return;
      if (pid !== null) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      worker.child.kill("SIGKILL");
    },
  };
}
