import "server-only";
import type { AuditActor } from "../domain/audit/record-audit-event";
import { getEnv } from "../env";
import type { AppError } from "../errors";
import { guardPublicAddress } from "../net/public-address-guard";
import { approveRun } from "../provisioning/approve-run";
import { driveRunWith } from "../provisioning/engine";
import { startRun } from "../provisioning/start-run";
import { getPathsEngine } from "./paths-engine";

export type ConnectOnPremisesResult = { ok: true } | { ok: false; error: AppError; field: "serverUrl" | "username" | "password" | null };

/**
 * The on-premises path from the browser: the address is checked first (HTTPS, public addresses only, unless
 * configured), so a refused server never receives the password; then one run (environment check, WhoAmI over HTTP
 * Basic) that the submit itself approves, driven to its end here (two short steps).
 */
export async function connectOnPremises(input: {
  accountId: string;
  connectionId: string;
  input: { serverUrl: string; username: string; password: string };
  actor: AuditActor;
}): Promise<ConnectOnPremisesResult> {
  const guard = await guardPublicAddress(input.input.serverUrl, { allowedPrivateHosts: getEnv().ONPREM_ALLOWED_PRIVATE_HOSTS });
  if (!guard.ok) return { ok: false, error: guard.error, field: "serverUrl" };
  const engine = getPathsEngine();
  const started = await startRun(engine, {
    accountId: input.accountId,
    connectionId: input.connectionId,
    kind: "connect",
    options: { mode: "onprem", environment: guard.value.url, integrationUsername: input.input.username, requestedBy: input.actor.id },
    password: input.input.password,
    actor: input.actor,
  });
  if (!started.ok) return { ok: false, error: started.error, field: null };
  const approved = await approveRun(engine, { runId: started.value.id, actor: input.actor });
  if (!approved.ok) return { ok: false, error: approved.error, field: null };
  const finished = await driveRunWith(engine, started.value.id);
  if (finished.status === "succeeded") return { ok: true };
  const failed = finished.run?.steps.find((s) => s.status === "failed");
  const error: AppError = {
    code: (failed?.errorCode as AppError["code"]) ?? "internal",
    userMessage: failed?.userMessage ?? "The connection could not be checked. Try again.",
    retryable: false,
  };
  const field = error.code === "invalid_credentials" ? "password" : failed?.name === "environment" ? "serverUrl" : null;
  return { ok: false, error, field };
}
