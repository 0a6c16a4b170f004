// The environment a locally started portal runs with (demo and dev): local secrets, the database, the sandbox.
import { loadLocalSecrets } from "./local-secrets.mjs";
import { portalEnvForSandbox } from "./sandbox.mjs";

export async function localPortalEnv({ sandboxOrigin, portalPort }) {
  return {
    ...process.env,
    ...loadLocalSecrets(),
    DATABASE_URL: process.env.DATABASE_URL || "file:./.data/portal.db",
    PORTAL_BASE_URL: process.env.PORTAL_BASE_URL || `http://localhost:${portalPort}`,
    // Locally, "Return to Act-On" comes back to the portal's own home page (there is no Act-On app to return to).
    ACTON_RETURN_ORIGINS: process.env.ACTON_RETURN_ORIGINS || new URL(process.env.PORTAL_BASE_URL || `http://localhost:${portalPort}`).origin,
    ...(await portalEnvForSandbox(sandboxOrigin)),
    NEXT_TELEMETRY_DISABLED: "1",
  };
}
