import { spawn } from "node:child_process";
import { BIN, ROOT, step } from "../lib/paths.mjs";
import { supervise } from "../lib/processes.mjs";
import { localPortalEnv } from "../lib/portal-env.mjs";
import { startSandbox, waitForUrl } from "../lib/sandbox.mjs";
import { ensureMigrated } from "../migrate.mjs";

/** `npm run dev`: the sandbox plus `next dev` with hot reload. */
export async function run() {
  const portalPort = Number(process.env.PORT || 3000);
  const sandboxPort = Number(process.env.EMULATOR_PORT || 4443);
  await ensureMigrated({ ...process.env, DATABASE_URL: process.env.DATABASE_URL || "file:./.data/portal.db" });
  const sandbox = startSandbox({ port: sandboxPort });
  const sandboxOrigin = `https://localhost:${sandboxPort}`;
  await waitForUrl(`${sandboxOrigin}/__emulator/endpoints`);
  const env = { ...(await localPortalEnv({ sandboxOrigin, portalPort })), NODE_ENV: "development" };
  step(`next dev on http://localhost:${portalPort}`);
  const portal = spawn(BIN("next"), ["dev", "-p", String(portalPort)], { cwd: ROOT, stdio: "inherit", env });
  return supervise([sandbox, portal]);
}
