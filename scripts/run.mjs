#!/usr/bin/env node
// The portal's commands (`npm run demo`, `npm test`, ...). Uses only Node's standard library until dependencies are
// installed, so it works on a fresh clone with nothing but Node and npm.
import { spawnSync } from "node:child_process";
import { ensureDependencies } from "./lib/install.mjs";

const [command, ...rest] = process.argv.slice(2);
const COMMANDS = ["demo", "dev", "emulator", "test", "test:unit", "test:e2e", "lint", "provision", "bench", "deeplink", "probe"];
if (!COMMANDS.includes(command)) {
  console.error(`usage: node scripts/run.mjs <${COMMANDS.join("|")}>`);
  process.exit(2);
}

ensureDependencies();
const { ensureSandboxCertificates, SANDBOX_CA_BUNDLE } = await import("./lib/sandbox.mjs");
ensureSandboxCertificates();

// NODE_EXTRA_CA_CERTS is read only when a Node process starts: re-run this command once with the sandbox CA
// appended to the system bundle, so this process and every child trust the sandbox.
if (process.env.NODE_EXTRA_CA_CERTS !== SANDBOX_CA_BUNDLE) {
  const r = spawnSync(process.execPath, process.argv.slice(1), {
    stdio: "inherit",
    env: { ...process.env, NODE_EXTRA_CA_CERTS: SANDBOX_CA_BUNDLE },
  });
  process.exit(r.status ?? 1);
}

const { reportFailure } = await import("./lib/command-failure.mjs");
// Any failure ends as one line saying what to do (the stack only with LOG_LEVEL=debug), never a raw trace.
const code = await import(`./commands/${command.replace(":", "-")}.mjs`).then(({ run }) => run(rest)).catch(reportFailure);
process.exit(code ?? 0);
