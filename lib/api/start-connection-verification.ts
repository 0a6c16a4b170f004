import "server-only";
import { apiCallerActor, type ApiCaller } from "../api-auth/app-roles";
import type { Result } from "../core/errors";
import { getPortalEngine } from "../provisioning/run-pool";
import { startVerification } from "../provisioning/start-verification";

/**
 * Act-On's and support's "verify this connection again" (POST …/verification on /api/v1 and /api/support): a
 * verification run handed to the run pool at once, audited with the caller; read-only at Microsoft. A verification
 * already under way is returned instead of a second one.
 */
export function startConnectionVerification(input: {
  connectionId: string;
  caller: ApiCaller;
}): Promise<Result<{ runId: string; alreadyRequested: boolean }>> {
  return startVerification(getPortalEngine(), { connectionId: input.connectionId, actor: apiCallerActor(input.caller) });
}
