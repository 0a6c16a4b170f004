import { spawn } from "node:child_process";
import { BIN, ROOT, step } from "../lib/paths.mjs";

/**
 * Every Vitest suite: unit, integration (SQLite and PostgreSQL) and the sandbox's contract tests. Asynchronous, so
 * `npm test` can build the portal meanwhile. `onStart` gets the Vitest process as soon as it is started.
 */
export async function run(args = [], { onStart = () => {} } = {}) {
  step("Vitest: unit, data layer (SQLite + PostgreSQL), Microsoft sandbox contracts");
  const child = spawn(BIN("vitest"), ["run", ...args], { cwd: ROOT, stdio: "inherit", env: process.env });
  onStart(child);
  return new Promise((resolve) => child.on("exit", (code) => resolve(code ?? 1)));
}
