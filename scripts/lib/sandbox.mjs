// Starting the Microsoft sandbox and pointing the portal at it. Only environment variables change between the
// sandbox and Microsoft's real cloud: the portal has no sandbox branch.
import { execFileSync, spawn } from "node:child_process";
import { join } from "node:path";
import { BIN, ROOT, SANDBOX_DIR } from "./paths.mjs";

export const SANDBOX_CA_BUNDLE = join(SANDBOX_DIR, "ca-bundle.pem");

/** Creates the sandbox CA and certificates if needed (no server), so NODE_EXTRA_CA_CERTS can be set at spawn. */
export function ensureSandboxCertificates() {
  execFileSync(BIN("tsx"), [join(ROOT, "emulator", "cli.ts"), "certs"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
  return SANDBOX_CA_BUNDLE;
}

export function startSandbox({ port, stdio = "inherit" }) {
  return spawn(BIN("tsx"), [join(ROOT, "emulator", "main.ts")], {
    cwd: ROOT,
    stdio,
    env: { ...process.env, EMULATOR_PORT: String(port), NODE_EXTRA_CA_CERTS: SANDBOX_CA_BUNDLE },
  });
}

export async function waitForUrl(url, { timeoutMs = 60_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return res;
      lastError = new Error(`HTTP ${res.status}`);
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms: ${lastError?.message ?? "no answer"}`);
}

/** The portal's environment when it talks to the sandbox at `origin` instead of Microsoft. */
export async function portalEnvForSandbox(origin) {
  const endpoints = await (await fetch(`${origin}/__emulator/endpoints`)).json();
  const portalApp = endpoints.portalApp ?? {};
  // The demo's "Act-On" is the sandbox's actoncorp tenant: the API accepts its tokens.
  const actonTenant = endpoints.identity?.tenants?.find((t) => t.domains?.includes("actoncorp.onmicrosoft.com"));
  return {
    ...(actonTenant ? { ACTON_TENANT_ID: actonTenant.id } : {}),
    MICROSOFT_AUTHORITY_HOST: endpoints.identity?.authorityHost ?? origin,
    MICROSOFT_GRAPH_URL: endpoints.graph?.baseUrl ?? `${origin}/graph`,
    MICROSOFT_DISCOVERY_URL: endpoints.discovery?.baseUrl ?? `${origin}/globaldisco`,
    DYNAMICS_ALLOWED_HOSTS: new URL(origin).host,
    ONPREM_ALLOWED_PRIVATE_HOSTS: new URL(origin).host,
    ...(portalApp.clientId ? { PORTAL_CLIENT_ID: portalApp.clientId } : {}),
    ...(portalApp.clientSecret ? { PORTAL_CLIENT_SECRET: portalApp.clientSecret } : {}),
    // The recommended path: new cloud connections use Act-On's own connector app, consented in the customer's tenant.
    ...connectorEnv(endpoints.actonConnector),
    NODE_EXTRA_CA_CERTS: SANDBOX_CA_BUNDLE,
  };
}

/** The sandbox's Act-On Connector (its app id and certificate file), unless the environment already names one. */
function connectorEnv(connector) {
  if (!connector?.appId || !connector.certificateFile) return {};
  if (process.env.ACTON_CONNECTOR_APP_ID || process.env.ACTON_CONNECTOR_CERTIFICATE || process.env.ACTON_CONNECTOR_CERTIFICATE_FILE) return {};
  return { ACTON_CONNECTOR_APP_ID: connector.appId, ACTON_CONNECTOR_CERTIFICATE_FILE: connector.certificateFile };
}
