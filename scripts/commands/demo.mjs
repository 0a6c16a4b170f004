import { spawn, spawnSync } from "node:child_process";
import { BIN, ROOT, step } from "../lib/paths.mjs";
import { isPortFree, supervise } from "../lib/processes.mjs";
import { localPortalEnv } from "../lib/portal-env.mjs";
import { startSandbox, waitForUrl } from "../lib/sandbox.mjs";
import { ensureMigrated } from "../migrate.mjs";
import { signDeepLink } from "./deeplink.mjs";

const PASSWORD = "Sandbox-Passw0rd!";

/** `npm run demo`: the portal on http://localhost:3000 against the Microsoft sandbox, production build. */
export async function run() {
  const portalPort = Number(process.env.PORT || 3000);
  const sandboxPort = Number(process.env.EMULATOR_PORT || 4443);
  for (const [port, what] of [
    [portalPort, "the portal (set PORT)"],
    [sandboxPort, "the Microsoft sandbox (set EMULATOR_PORT)"],
  ]) {
    if (!(await isPortFree(port))) {
      console.error(`Port ${port} is already in use; it is needed for ${what}. Stop what uses it, or choose another port.`);
      return 1;
    }
  }

  step("Preparing the database");
  await ensureMigrated({ ...process.env, DATABASE_URL: process.env.DATABASE_URL || "file:./.data/portal.db" });

  step(`Starting the Microsoft sandbox on https://localhost:${sandboxPort}`);
  const sandbox = startSandbox({ port: sandboxPort, stdio: ["ignore", "ignore", "inherit"] });
  const sandboxOrigin = `https://localhost:${sandboxPort}`;
  let portal = null;
  try {
    return await startPortal({ sandbox, sandboxOrigin, portalPort, setPortal: (p) => (portal = p) });
  } catch (error) {
    // A failed start leaves nothing running behind it; run.mjs prints the one line.
    portal?.kill();
    sandbox.kill();
    throw error;
  }
}

async function startPortal({ sandbox, sandboxOrigin, portalPort, setPortal }) {
  await waitForUrl(`${sandboxOrigin}/__emulator/endpoints`);
  const env = await localPortalEnv({ sandboxOrigin, portalPort });

  step("Building the portal (next build)");
  const build = spawnSync(BIN("next"), ["build"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"], env });
  if (build.status !== 0) {
    sandbox.kill();
    console.error("next build failed; run `npx next build` to see why.");
    return build.status ?? 1;
  }

  step(`Starting the portal on http://localhost:${portalPort}`);
  const portal = spawn(BIN("next"), ["start", "-p", String(portalPort)], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"], env });
  setPortal(portal);
  await waitForUrl(`http://localhost:${portalPort}/api/health`);
  // A link as Act-On would send it (valid 15 minutes, once); `npm run deeplink -- --account <id>` makes more.
  const link = signDeepLink(["--account", "contoso-demo", "--name", "Contoso Ltd", "--minutes", "15"], env);
  const linkLine = link.status === 0 ? link.stdout.trim() : `(could not sign one: ${link.stderr.trim()})`;

  console.log(`
  The portal is ready:        http://localhost:${portalPort}
  Open it as Act-On would:    ${linkLine}
                              (works once, for 15 minutes; more with npm run deeplink -- --account <id>;
                              add --environment ${sandboxOrigin}/dynamics/contoso-sales for a link that
                              names the environment, as Act-On does when it knows it: no picker)
  Microsoft sandbox:          ${sandboxOrigin}   (state: ${sandboxOrigin}/__emulator/state)
  Credential mode:            ${env.ACTON_CONNECTOR_APP_ID ? `the Act-On Connector (app ${env.ACTON_CONNECTOR_APP_ID} in actoncorp; no app or credential in Contoso)` : "a certificate on a per-customer app"}

  Sandbox users (password ${PASSWORD}):
    admin@contoso.onmicrosoft.com          Global Administrator, System Administrator in both environments
    mfa.admin@contoso.onmicrosoft.com      same roles, MFA enforced (refused in legacy username+password mode)
    user@contoso.onmicrosoft.com           no admin role (to see the portal explain what is missing)
    support@actoncorp.onmicrosoft.com      Act-On support staff
  On-premises organization: ${sandboxOrigin}/dynamics/contoso-onprem  user CONTOSO\\crmadmin / ${PASSWORD}

  Press Ctrl-C to stop both.
`);
  return supervise([sandbox, portal]);
}
