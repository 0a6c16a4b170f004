import "server-only";
import type { AppError } from "../core/errors";
import { guardPublicAddress } from "../core/net/public-address-guard";
import { isMicrosoftError } from "../microsoft/errors";
import { discoverOnPremisesSignIn, unsupportedSignIn } from "../microsoft/on-premises-sign-in";
import { approveRun } from "../provisioning/approve-run";
import type { Engine } from "../provisioning/engine";
import { startRun } from "../provisioning/start-run";
import { adminActor } from "../sessions/current-session";
import type { Authorized } from "./authorize";
import { discoveredSignIn, type DiscoveredSignIn } from "./on-premises-sign-in-words";

export type OnPremisesInput = { serverUrl: string; username: string; password: string; adfsClientId?: string };
export type DiscoverOnPremisesResult = { ok: true; serverUrl: string; signIn: DiscoveredSignIn } | { ok: false; error: AppError };

/**
 * The first step of the on-premises path: the address is checked (HTTPS, public addresses only, unless configured),
 * then asked, without any credential, how it signs in. What a cloud portal cannot do (Kerberos only, Basic only) is
 * said here, before the admin types a password.
 */
export async function discoverOnPremises(engine: Engine, serverUrl: string): Promise<DiscoverOnPremisesResult> {
  const guard = await guardPublicAddress(serverUrl, { allowedPrivateHosts: engine.config.onPremisesAllowedPrivateHosts });
  if (!guard.ok) return { ok: false, error: guard.error };
  try {
    const signIn = await discoverOnPremisesSignIn({
      ...engine.call,
      timeoutMs: engine.call?.timeoutMs ?? engine.config.callTimeoutMs,
      environmentUrl: guard.value.url,
      target: guard.value,
      allowedPrivateHosts: engine.config.onPremisesAllowedPrivateHosts,
    });
    const unsupported = unsupportedSignIn(signIn);
    const discovered = discoveredSignIn(signIn);
    if (unsupported || !discovered) return { ok: false, error: unsupported! };
    return { ok: true, serverUrl: guard.value.url, signIn: discovered };
  } catch (error) {
    if (!isMicrosoftError(error)) throw error;
    return { ok: false, error: error.appError };
  }
}
export type ConnectOnPremisesResult =
  { ok: true; runId: string } | { ok: false; error: AppError; field: "serverUrl" | "username" | "password" | "adfsClientId" | null };

/**
 * The on-premises path: the address is checked first (HTTPS, public addresses only, unless configured), so a refused
 * server never receives the password; then one run (environment check, the server's own sign-in and WhoAmI) that the submit itself
 * approves and hands to the engine's run pool. Nothing here waits for the server: the checklist follows the run, so a
 * server that asks Act-On to wait (429 and Retry-After) shows as waiting, and its answer (a wrong password) as the
 * failed step.
 */
export async function connectOnPremises(
  engine: Engine,
  { session, connection }: Authorized,
  input: OnPremisesInput,
): Promise<ConnectOnPremisesResult> {
  const guard = await guardPublicAddress(input.serverUrl, { allowedPrivateHosts: engine.config.onPremisesAllowedPrivateHosts });
  if (!guard.ok) return { ok: false, error: guard.error, field: "serverUrl" };
  const actor = adminActor(session);
  const started = await startRun(engine, {
    accountId: session.accountId,
    connectionId: connection.id,
    kind: "connect",
    options: {
      mode: "onprem",
      environment: guard.value.url,
      integrationUsername: input.username,
      ...(input.adfsClientId ? { adfsClientId: input.adfsClientId } : {}),
      requestedBy: actor.id,
    },
    password: input.password,
    actor,
  });
  if (!started.ok) return { ok: false, error: started.error, field: null };
  const approved = await approveRun(engine, { runId: started.value.id, actor });
  if (!approved.ok) return { ok: false, error: approved.error, field: null };
  return { ok: true, runId: started.value.id };
}
