/**
 * The environment a portal process (or one of its commands) needs to talk to a test file's sandbox instead of
 * Microsoft: the Microsoft hosts, the allow-lists that admit the sandbox's host, and the portal's own app.
 */
type SandboxEndpoints = {
  origin: string;
  graphUrl: string;
  discoveryUrl: string;
  config: { portalClientId?: string; portalClientSecret?: string };
};

export function sandboxPortalEnv(fx: SandboxEndpoints): Record<string, string> {
  const host = new URL(fx.origin).host;
  return {
    MICROSOFT_AUTHORITY_HOST: fx.origin,
    MICROSOFT_GRAPH_URL: fx.graphUrl,
    MICROSOFT_DISCOVERY_URL: fx.discoveryUrl,
    DYNAMICS_ALLOWED_HOSTS: host,
    ONPREM_ALLOWED_PRIVATE_HOSTS: host,
    ...(fx.config.portalClientId ? { PORTAL_CLIENT_ID: fx.config.portalClientId } : {}),
    ...(fx.config.portalClientSecret ? { PORTAL_CLIENT_SECRET: fx.config.portalClientSecret } : {}),
  };
}
