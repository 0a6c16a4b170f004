/**
 * The privileges Act-On's Dynamics connector needs (the least-privilege role's list), held or not: which are
 * missing, at which depth, which table each is on, and which Act-On feature breaks without it. Pure, so the rules are
 * unit-tested without Dataverse.
 */
import type { PrivilegeDepth } from "../microsoft/dataverse";
import { LEAST_PRIVILEGE_ROLE_PRIVILEGES } from "../provisioning/least-privilege-role";

export const CONNECTOR_PRIVILEGE_NAMES: readonly string[] = LEAST_PRIVILEGE_ROLE_PRIVILEGES.map((p) => p.name);

export type MissingPrivilege = {
  name: string;
  /** The depth the user holds it at (too shallow), or null when not held at all. */
  heldDepth: PrivilegeDepth | null;
  neededDepth: PrivilegeDepth;
  feature: string;
  /** The privilege's table in the Web API (entity set and key column), to tell "taken away" from "no such table here". */
  table: { entitySet: string; key: string };
};

const DEPTH_RANK: Record<PrivilegeDepth, number> = { Basic: 0, Local: 1, Deep: 2, Global: 3 };

/** The tables the connector's privileges are on, by the name privileges use (prvReadLead → Lead). */
const TABLES: Record<string, { entitySet: string; key: string }> = {
  Lead: { entitySet: "leads", key: "leadid" },
  Contact: { entitySet: "contacts", key: "contactid" },
  Account: { entitySet: "accounts", key: "accountid" },
  Note: { entitySet: "annotations", key: "annotationid" },
  List: { entitySet: "lists", key: "listid" },
  User: { entitySet: "systemusers", key: "systemuserid" },
};

const tableOf = (privilege: string) => /^prv(?:Create|Read|Write|AppendTo|Append|Delete|Assign|Share)(\w+)$/.exec(privilege)?.[1] ?? "";

/** The connector's privileges the user does not hold at the depth the connector needs, in the role's order. */
export function findMissingPrivileges(held: { name: string; depth: PrivilegeDepth }[]): MissingPrivilege[] {
  const depthOf = new Map(held.map((p) => [p.name.toLowerCase(), p.depth]));
  return LEAST_PRIVILEGE_ROLE_PRIVILEGES.flatMap((p) => {
    const heldDepth = depthOf.get(p.name.toLowerCase()) ?? null;
    if (heldDepth && DEPTH_RANK[heldDepth] >= DEPTH_RANK[p.depth]) return [];
    return [{ name: p.name, heldDepth, neededDepth: p.depth, feature: p.feature, table: TABLES[tableOf(p.name)] }];
  });
}

/**
 * For support and the customer's admin: each missing privilege, how it falls short, and the Act-On features that
 * break, e.g. `prvWriteLead (not held) → Sync leads both ways…`.
 */
export function describeMissingPrivileges(missing: MissingPrivilege[]): string {
  const byFeature = new Map<string, string[]>();
  for (const m of missing) {
    const how = m.heldDepth ? `held at ${m.heldDepth} depth, needs ${m.neededDepth}` : "not held";
    byFeature.set(m.feature, [...(byFeature.get(m.feature) ?? []), `${m.name} (${how})`]);
  }
  return [...byFeature].map(([feature, privileges]) => `${privileges.join(", ")} → ${feature}`).join("; ");
}
