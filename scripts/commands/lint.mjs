import { spawn } from "node:child_process";
import { BIN, ROOT, step } from "../lib/paths.mjs";
import { setTreePriority } from "../lib/priority.mjs";

const CHECKS = [
  { bin: "eslint", args: ["--max-warnings=0", "."], fix: null },
  { bin: "prettier", args: ["--check", "--log-level=warn", "."], fix: "Prettier: run `npx prettier --write .` to format." },
  {
    bin: "knip",
    args: ["--no-progress"],
    fix: "knip: remove what nothing uses (or, for an entry point no import reaches, list it in knip.config.ts).",
  },
];

/**
 * `npm run lint`: ESLint (Next's and typescript-eslint's recommended rules, plus the project's boundaries), Prettier,
 * and knip's dead-code check (no unused files, exports or dependencies; knip.config.ts lists the entry points no
 * import reaches). All three run, so one pass shows every problem.
 *
 * `quiet`: collect the output and hand it back instead of printing it, for `npm test`, which lints while Vitest runs
 * and prints the block afterwards rather than interleaving the two. `niceness`: run the checks at a lower priority
 * (a nice value), so they take only what the suites running beside them leave.
 */
export async function run(_args = [], { quiet = false, niceness = 0 } = {}) {
  if (!quiet) step("Lint: ESLint, Prettier and the dead-code check (knip)");
  let output = "";
  const codes = [];
  for (const check of CHECKS) {
    const code = await new Promise((resolve) => {
      const child = spawn(BIN(check.bin), check.args, { cwd: ROOT, stdio: quiet ? ["ignore", "pipe", "pipe"] : "inherit", env: process.env });
      if (niceness) setTreePriority(child.pid, niceness);
      if (quiet) {
        child.stdout.on("data", (chunk) => (output += chunk));
        child.stderr.on("data", (chunk) => (output += chunk));
      }
      child.on("exit", (status) => resolve(status ?? 1));
    });
    if (code !== 0 && check.fix) {
      if (quiet) output += `${check.fix}\n`;
      else console.error(check.fix);
    }
    codes.push(code);
  }
  const code = codes.find((c) => c !== 0) ?? 0;
  return quiet ? { code, output } : code;
}
