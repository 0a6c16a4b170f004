import "server-only";
import { startVerification } from "../provisioning/start-verification";
import { adminActor } from "../sessions/current-session";
import type { Authorized } from "./authorize";
import { getPortalEngine } from "./engine";
import { journeyPath } from "./journey-page";

/**
 * Re-run verification from the journey: the stored credential signs in and calls WhoAmI (nothing changes at
 * Microsoft), as a run in the pool the checklist follows. Answers the progress page, or the status page offering why
 * not.
 */
export async function verifyConnection({ session, connection }: Authorized): Promise<string> {
  const started = await startVerification(getPortalEngine(), { connectionId: connection.id, actor: adminActor(session) });
  return started.ok ? journeyPath(connection.id, "progress") : `${journeyPath(connection.id, "status")}?offer=${started.error.code}`;
}
