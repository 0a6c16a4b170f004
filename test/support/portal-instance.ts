/**
 * Test support: a portal instance in its own process (portal-background-process.ts) with its background work running,
 * which tests stop as an orchestrator would (SIGTERM), kill (SIGKILL), or read (its HTTP port).
 */
import { spawn } from "node:child_process";
import { join } from "node:path";

export type PortalInstance = {
  /** Resolves with the port once the instance serves; rejects if it exits first. */
  port: Promise<number>;
  stderr: () => string;
  /** How the process ended (the code, or the signal that ended it). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM to the portal process, then waits for it (and tsx above it) to exit. */
  stop: () => Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL to the process group, as a crashed machine: nothing is released. */
  kill: () => Promise<void>;
};

export function startPortalInstance(env: Record<string, string | undefined>): PortalInstance {
  const root = join(import.meta.dirname, "..", "..");
  const child = spawn(
    join(root, "node_modules", ".bin", "tsx"),
    ["--conditions=react-server", join(import.meta.dirname, "portal-background-process.ts")],
    {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    },
  );
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  // tsx runs the portal in a child process of its own: SIGTERM goes to that one, as an orchestrator's reaches the
  // portal, and tsx then exits with the portal's own exit code.
  let portalPid: number | null = null;
  const port = new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening (\d+) (\d+)/.exec(out);
      if (!m) return;
      portalPid = Number(m[2]);
      resolve(Number(m[1]));
    });
    child.on("exit", (code) => reject(new Error(`the portal process exited (${code}): ${stderr}`)));
  });
  port.catch(() => {});
  const signal = (name: NodeJS.Signals, target: "portal" | "group") => {
    if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
    process.kill(target === "portal" && portalPid !== null ? portalPid : -child.pid, name);
  };
  return {
    port,
    stderr: () => stderr,
    exited,
    stop: async () => {
      signal("SIGTERM", "portal");
      return exited;
    },
    kill: async () => {
      signal("SIGKILL", "group");
      await exited;
    },
  };
}
