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

const CHROMIUM = "/usr/bin/chromium";
/**
 * Debian's build of Chromium's old headless shell: the same engine without the full browser's UI and GPU processes,
 * about a third less CPU per spec on these two cores, which is what Playwright itself runs headless tests in.
 */
const HEADLESS_SHELL = "/usr/bin/chromium-headless-shell";

function aptInstall(packages) {
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [["update"], ["install", "-y", "--no-install-recommends", ...packages]]) {
    const r = spawnSync("apt-get", args, { stdio: "inherit", env });
    if (r.status !== 0) {
      console.error(`apt-get ${args.join(" ")} failed (exit ${r.status}).`);
      return false;
    }
  }
  return true;
}

/**
 * The Chromium Playwright runs, installing Debian's when running as root: the headless shell when it is there (or can
 * be installed), else the full browser. `E2E_CHROMIUM` names another binary (e.g. the full browser for `--headed`).
 * Returns the path, or null (and says how to install it) when there is none.
 */
export function ensureChromium() {
  if (process.env.E2E_CHROMIUM) return process.env.E2E_CHROMIUM;
  if (existsSync(HEADLESS_SHELL)) return HEADLESS_SHELL;
  if (process.getuid?.() === 0) {
    step("Installing Chromium's headless shell from Debian's packages (apt-get)");
    if (aptInstall(["chromium-headless-shell"]) && existsSync(HEADLESS_SHELL)) return HEADLESS_SHELL;
    if (!existsSync(CHROMIUM)) {
      step("Installing Chromium from Debian's packages (apt-get)");
      aptInstall(["chromium"]);
    }
  }
  if (existsSync(CHROMIUM)) return CHROMIUM;
  console.error(
    `\nNeither ${HEADLESS_SHELL} nor ${CHROMIUM} is installed, and this user cannot install them.\n` +
      "Install one with:  sudo apt-get update && sudo apt-get install -y chromium-headless-shell\n" +
      "then run the command again. (Playwright's own browser download needs the internet, so it is not used.)\n",
  );
  return null;
}
