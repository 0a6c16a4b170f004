import "server-only";
import type { AppError } from "../core/errors";
import { guardPublicAddress } from "../core/net/public-address-guard";
import { approveRun } from "../provisioning/approve-run";
import type { Engine } from "../provisioning/engine";
import { startRun } from "../provisioning/start-run";
import { adminActor } from "../sessions/current-session";
import type { Authorized } from "./authorize";

export type OnPremisesInput = { serverUrl: string; username: string; password: string };
export type ConnectOnPremisesResult =
  { ok: true; runId: string } | { ok: false; error: AppError; field: "serverUrl" | "username" | "password" | null };

/**
 * The on-premises path: the address is checked first (HTTPS, public addresses only, unless configured), so a refused
 * server never receives the password; then one run (environment check, WhoAmI over HTTP Basic) that the submit itself
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
    options: { mode: "onprem", environment: guard.value.url, integrationUsername: input.username, requestedBy: actor.id },
    password: input.password,
    actor,
  });
  if (!started.ok) return { ok: false, error: started.error, field: null };
  const approved = await approveRun(engine, { runId: started.value.id, actor });
  if (!approved.ok) return { ok: false, error: approved.error, field: null };
  return { ok: true, runId: started.value.id };
}
