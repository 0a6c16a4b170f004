// "Installs what is missing": dependencies from the lockfile, the generated Prisma clients, and (for browser tests)
// Debian's Chromium. Each check is cheap when nothing is missing, so every command can call them.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, step } from "./paths.mjs";

const STAMP = join(ROOT, "node_modules", ".portal-install-stamp");

function lockHash() {
  return createHash("sha256")
    .update(readFileSync(join(ROOT, "package-lock.json")))
    .digest("hex");
}

/** Runs `npm ci` when node_modules is absent or was installed from another lockfile. */
export function ensureDependencies() {
  const hash = lockHash();
  // npm rewrites node_modules/.package-lock.json on every install: newer than the lockfile means "installed from it".
  const hidden = join(ROOT, "node_modules", ".package-lock.json");
  const installedByNpm = existsSync(hidden) && statSync(hidden).mtimeMs >= statSync(join(ROOT, "package-lock.json")).mtimeMs;
  const installed =
    existsSync(join(ROOT, "node_modules", ".bin", "next")) && ((existsSync(STAMP) && readFileSync(STAMP, "utf8") === hash) || installedByNpm);
  if (!installed) {
    step("Installing dependencies (npm ci; compiling better-sqlite3 takes about a minute)");
    execFileSync("npm", ["ci", "--no-audit", "--no-fund"], {
      cwd: ROOT,
      stdio: "inherit",
      env: { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: "1", CHECKPOINT_DISABLE: "1" },
    });
    writeFileSync(STAMP, hash);
  }
  if (!existsSync(join(ROOT, "generated", "sqlite", "client.ts")) || !existsSync(join(ROOT, "generated", "postgresql", "client.ts"))) {
    execFileSync("node", [join(ROOT, "scripts", "prepare-prisma.mjs")], { cwd: ROOT, stdio: "inherit" });
  }
}

/** Debian's headless-only Chromium: a third less CPU per spec than the full browser here, which is the fallback. */
const HEADLESS_SHELL = "/usr/bin/chromium-headless-shell";
const CHROMIUM = "/usr/bin/chromium";

/**
 * The Chromium Playwright runs: `E2E_CHROMIUM` when set, else Debian's `chromium-headless-shell`, installed with
 * apt-get when running as root, else Debian's full `chromium` if that is what the machine has. Returns the path, or
 * null (and says how to install one) when there is none.
 */
export function ensureChromium() {
  if (process.env.E2E_CHROMIUM) return process.env.E2E_CHROMIUM;
  if (existsSync(HEADLESS_SHELL)) return HEADLESS_SHELL;
  if (process.getuid?.() !== 0) {
    if (existsSync(CHROMIUM)) return CHROMIUM;
    console.error(
      `\nChromium is not installed (${HEADLESS_SHELL} or ${CHROMIUM}), and this user cannot install it.\n` +
        "Install it with:  sudo apt-get update && sudo apt-get install -y chromium-headless-shell\n" +
        "then run the command again. (Playwright's own browser download needs the internet, so it is not used.)\n",
    );
    return null;
  }
  step("Installing Chromium's headless shell from Debian's packages (apt-get)");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [["update"], ["install", "-y", "--no-install-recommends", "chromium-headless-shell"]]) {
    const r = spawnSync("apt-get", args, { stdio: "inherit", env });
    if (r.status !== 0) {
      console.error(`apt-get ${args.join(" ")} failed (exit ${r.status}).`);
      return existsSync(CHROMIUM) ? CHROMIUM : null;
    }
  }
  return existsSync(HEADLESS_SHELL) ? HEADLESS_SHELL : existsSync(CHROMIUM) ? CHROMIUM : null;
}
