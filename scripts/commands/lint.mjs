import { spawnSync } from "node:child_process";
import { BIN, ROOT, step } from "../lib/paths.mjs";

/**
 * `npm run lint`: ESLint (Next's and typescript-eslint's recommended rules, plus the project's boundaries), Prettier,
 * and knip's dead-code check (no unused files, exports or dependencies; knip.config.ts lists the entry points no
 * import reaches). All three run, so one pass shows every problem.
 */
export async function run() {
  step("Lint: ESLint, Prettier and the dead-code check (knip)");
  const run = (bin, args) => spawnSync(BIN(bin), args, { cwd: ROOT, stdio: "inherit", env: process.env }).status ?? 1;
  const eslint = run("eslint", ["--max-warnings=0", "."]);
  const prettier = run("prettier", ["--check", "--log-level=warn", "."]);
  if (prettier !== 0) console.error("Prettier: run `npx prettier --write .` to format.");
  const knip = run("knip", ["--no-progress"]);
  if (knip !== 0) console.error("knip: remove what nothing uses (or, for an entry point no import reaches, list it in knip.config.ts).");
  return [eslint, prettier, knip].find((code) => code !== 0) ?? 0;
}
