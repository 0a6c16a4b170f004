import { spawnSync } from "node:child_process";
import { BIN, ROOT, step } from "../lib/paths.mjs";

/** `npm run lint`: ESLint (Next's and typescript-eslint's recommended rules, plus the project's boundaries) and Prettier. */
export async function run() {
  step("Lint: ESLint and Prettier");
  const eslint = spawnSync(BIN("eslint"), ["--max-warnings=0", "."], { cwd: ROOT, stdio: "inherit", env: process.env });
  const prettier = spawnSync(BIN("prettier"), ["--check", "--log-level=warn", "."], { cwd: ROOT, stdio: "inherit", env: process.env });
  if (prettier.status !== 0) console.error("Prettier: run `npx prettier --write .` to format.");
  return eslint.status !== 0 ? (eslint.status ?? 1) : (prettier.status ?? 1);
}
