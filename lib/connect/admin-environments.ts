import "server-only";
import { appError, fail, ok, type Result } from "../core/errors";
import { log } from "../core/log";
import { listEnvironments, type DynamicsEnvironment } from "../microsoft/discovery";
import { isMicrosoftError } from "../microsoft/errors";
import { getAdminToken, type AdminSession } from "../microsoft/admin-session";
import { loadAdminSession, persistAdminSessionIfChanged } from "../domain/session/admin-sign-in";
import { isSameMicrosoftAccount } from "../handoff/handoff-scope";
import type { Engine } from "../provisioning/engine";
import { getPortalEngine } from "./engine";

/** The admin's stored Microsoft sign-in for a connection (the engine's store), or null when there is none. */
export async function loadStoredAdminSession(connectionId: string, engine: Engine = getPortalEngine()): Promise<AdminSession | null> {
  return loadAdminSession(engine.db, { connectionId, keys: engine.config.keys, config: engine.config.identity });
}

/**
 * The stored sign-in only when it is this portal session's own Microsoft account: after a colleague signed in through a
 * hand-off link, the first admin's session must not act with the colleague's sign-in (nor the other way round).
 */
export async function loadOwnAdminSession(
  connectionId: string,
  session: { microsoft: { tenantId: string; username: string } | null },
  engine: Engine = getPortalEngine(),
): Promise<AdminSession | null> {
  if (!session.microsoft) return null;
  const stored = await loadStoredAdminSession(connectionId, engine);
  return stored && isSameMicrosoftAccount(stored, session.microsoft) ? stored : null;
}

export type EnvironmentOption = { url: string; name: string; uniqueName: string; region: string | null; isUserSysAdmin: boolean };

/**
 * What the Global Discovery Service lists for the signed-in admin: the enabled Dynamics environments they are a
 * user of, acting as them with the sign-in the engine stores for this connection.
 */
export async function listAdminEnvironments(connectionId: string): Promise<Result<EnvironmentOption[]>> {
  const engine = getPortalEngine();
  const session = await loadStoredAdminSession(connectionId);
  if (!session) return fail(appError("unauthorized", "Sign in with Microsoft first: the portal lists your environments as you."));
  const identity = { config: engine.config.identity, timeoutMs: engine.config.callTimeoutMs };
  try {
    const environments: DynamicsEnvironment[] = await listEnvironments({
      baseUrl: engine.config.identity.discoveryUrl,
      getToken: () => getAdminToken(session, "discovery", identity),
      timeoutMs: engine.config.callTimeoutMs,
    });
    return ok(
      environments
        .filter((e) => e.state === "enabled")
        .map((e) => ({ url: e.url, name: e.friendlyName, uniqueName: e.uniqueName, region: e.region, isUserSysAdmin: e.isUserSysAdmin })),
    );
  } catch (error) {
    if (isMicrosoftError(error)) return fail(error.appError);
    log.error("journey: listing environments failed", { connectionId, error });
    return fail(appError("internal", "We could not list your Dynamics 365 environments. Paste the environment's URL instead, or try again."));
  } finally {
    await persistAdminSessionIfChanged(engine.db, { connectionId, session, keys: engine.config.keys }).catch((error) =>
      log.warn("journey: could not save the refreshed admin session", { connectionId, error }),
    );
  }
}
