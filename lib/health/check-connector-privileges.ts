import "server-only";
import type { ProbeFinding } from "../domain/connection/health";
import { findUserPrivilegesByName, readFirstRow, type DataverseContext } from "../microsoft/dataverse";
import { isMicrosoftError } from "../microsoft/errors";
import { CONNECTOR_PRIVILEGE_NAMES, describeMissingPrivileges, findMissingPrivileges, type MissingPrivilege } from "./connector-privileges";

/**
 * Does the application user hold every privilege Act-On's connector needs, at Organization depth? Asked as Dataverse
 * answers it for the user (`RetrieveUserSetOfPrivilegesByNames`: its own roles and its teams' roles). A privilege
 * on a table this environment does not have (no Dynamics 365 Sales: no leads, no marketing lists) was never granted
 * and is not missing: the table is looked for before a privilege on it is called missing. @throws MicrosoftError
 */
export async function checkConnectorPrivileges(dv: DataverseContext, systemUserId: string): Promise<ProbeFinding> {
  let missing: MissingPrivilege[];
  try {
    missing = findMissingPrivileges(await findUserPrivilegesByName(dv, { systemUserId, names: [...CONNECTOR_PRIVILEGE_NAMES] }));
  } catch (error) {
    // Reading one's own privileges needs read access to users: without it, that is the privilege found missing.
    if (!isMicrosoftError(error, "insufficient_privileges")) throw error;
    const unreadable = findMissingPrivileges([]).filter((p) => p.name === "prvReadUser");
    return {
      ok: false,
      cause: "privilege_missing",
      detail: `RetrieveUserSetOfPrivilegesByNames refused (${error.upstreamCode ?? error.status}): ${describeMissingPrivileges(unreadable)}; the other privileges could not be read`,
    };
  }
  const present = new Map<string, boolean>();
  for (const { table } of missing) if (!present.has(table.entitySet)) present.set(table.entitySet, await hasTable(dv, table));
  const real = missing.filter((m) => present.get(m.table.entitySet));
  if (real.length === 0) return { ok: true };
  return { ok: false, cause: "privilege_missing", detail: `RetrieveUserSetOfPrivilegesByNames: ${describeMissingPrivileges(real)}` };
}

/** Whether the environment has the table: a read answered (or refused for want of a privilege) means it does. */
async function hasTable(dv: DataverseContext, table: { entitySet: string; key: string }): Promise<boolean> {
  try {
    await readFirstRow(dv, table);
    return true;
  } catch (error) {
    if (isMicrosoftError(error, "insufficient_privileges")) return true;
    if (isMicrosoftError(error, "not_found")) return false;
    throw error;
  }
}
