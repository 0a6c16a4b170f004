import { spawn } from "node:child_process";
import { BIN, ROOT, step } from "../lib/paths.mjs";

/**
 * Every Vitest suite: unit, integration (SQLite and PostgreSQL) and the sandbox's contract tests. Asynchronous, so
 * `npm test` can build the portal meanwhile.
 */
export async function run(args = []) {
  step("Vitest: unit, data layer (SQLite + PostgreSQL), Microsoft sandbox contracts");
  const child = spawn(BIN("vitest"), ["run", ...args], { cwd: ROOT, stdio: "inherit", env: process.env });
  return new Promise((resolve) => child.on("exit", (code) => resolve(code ?? 1)));
}
