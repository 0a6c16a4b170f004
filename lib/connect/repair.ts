import "server-only";
import type { Authorized } from "./authorize";
import { journeyPath } from "./journey-page";
import { startPlan } from "./start-plan";

/**
 * Repair a broken part: a new plan for the connection's environment in which every step reuses what still exists and
 * the live client secret is kept, so the plan lists only what is missing (a deleted application user, a withdrawn
 * consent, a removed secret). Answers the plan page, or the status page offering why not.
 */
export async function repairConnection(who: Authorized): Promise<string> {
  const { connection } = who;
  const planned = await startPlan(who, {
    environment: connection.environmentUrl ?? undefined,
    role: connection.securityRole === "systemAdministrator" ? "systemAdministrator" : "leastPrivilege",
    secret: "keep",
  });
  return planned.ok ? journeyPath(connection.id, "plan") : `${journeyPath(connection.id, "status")}?offer=${planned.error.code}`;
}
