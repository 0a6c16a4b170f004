// The environment a locally started portal runs with (demo and dev): local secrets, the database, the sandbox.
import { loadLocalSecrets } from "./local-secrets.mjs";
import { portalEnvForSandbox } from "./sandbox.mjs";

export async function localPortalEnv({ sandboxOrigin, portalPort }) {
  return {
    ...process.env,
    ...loadLocalSecrets(),
    DATABASE_URL: process.env.DATABASE_URL || "file:./.data/portal.db",
    PORTAL_BASE_URL: process.env.PORTAL_BASE_URL || `http://localhost:${portalPort}`,
    ...(await portalEnvForSandbox(sandboxOrigin)),
    NEXT_TELEMETRY_DISABLED: "1",
  };
}
