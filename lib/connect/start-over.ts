import "server-only";
import { loadOwnAdminSession } from "./admin-environments";
import type { Authorized } from "./authorize";
import { journeyPath } from "./journey-page";

/**
 * Start over: the environment picker again, then a full plan (a new client secret; the working connection stays as it
 * is until the new setup is verified). Needs the person's own sign-in, so without it the sign-in page comes first.
 */
export async function startOver({ session, connection }: Authorized): Promise<string> {
  if (!(await loadOwnAdminSession(connection.id, session))) return journeyPath(connection.id, "sign-in");
  return `${journeyPath(connection.id, "environment")}?again=1`;
}
