import { spawnSync } from "node:child_process";
import { BIN, ROOT, step } from "../lib/paths.mjs";

/** Every Vitest suite: unit, integration (SQLite and PostgreSQL) and the sandbox's contract tests. */
export async function run(args = []) {
  step("Vitest: unit, data layer (SQLite + PostgreSQL), Microsoft sandbox contracts");
  const r = spawnSync(BIN("vitest"), ["run", ...args], { cwd: ROOT, stdio: "inherit", env: process.env });
  return r.status ?? 1;
}
