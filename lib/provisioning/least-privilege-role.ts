/**
 * The "Act-On Integration" security role the engine offers instead of System Administrator: exactly the privileges
 * Act-On's Dynamics connector uses, each tied to the Act-On feature that needs it, so the admin can see why.
 * Pure data, shared by the plan, the checklist and the step that builds the role.
 */
export const LEAST_PRIVILEGE_ROLE_NAME = "Act-On Integration";

export type RolePrivilege = {
  name: string;
  /** Organization-wide: the connector syncs every lead and contact, whoever owns it. */
  depth: "Global";
  feature: string;
};

const feature = {
  leads: "Sync leads both ways, and write their email opt-outs (Do not allow Emails)",
  contacts: "Sync contacts both ways, and write their email opt-outs (Do not allow Emails)",
  accounts: "Show and set the account (company) of synced contacts",
  notes: "Log Act-On activity (email opens, clicks, form submissions) on records as notes",
  lists: "Import Dynamics marketing lists into Act-On and keep their members in step",
  owners: "Resolve record owners, so synced records keep their assigned sales rep",
};

const privileges = (verbs: string[], table: string, why: string): RolePrivilege[] =>
  verbs.map((verb) => ({ name: `prv${verb}${table}`, depth: "Global", feature: why }));

export const LEAST_PRIVILEGE_ROLE_PRIVILEGES: RolePrivilege[] = [
  ...privileges(["Create", "Read", "Write", "Append", "AppendTo"], "Lead", feature.leads),
  ...privileges(["Create", "Read", "Write", "Append", "AppendTo"], "Contact", feature.contacts),
  ...privileges(["Create", "Read", "Write", "AppendTo"], "Account", feature.accounts),
  ...privileges(["Create", "Read", "Write", "Append"], "Note", feature.notes),
  ...privileges(["Read", "Write", "Append", "AppendTo"], "List", feature.lists),
  ...privileges(["Read"], "User", feature.owners),
];

/** The Act-On features that will not work because the environment lacks their privileges (no Dynamics 365 Sales). */
export function unavailableFeatures(unavailable: RolePrivilege[]): string[] {
  return [...new Set(unavailable.map((p) => p.feature))];
}

/** The role's privileges on a table (`Lead` → prvCreateLead, prvReadLead…), to name what a missing table costs. */
export function privilegesOnTable(table: string): RolePrivilege[] {
  return LEAST_PRIVILEGE_ROLE_PRIVILEGES.filter((p) => new RegExp(`^prv(Create|Read|Write|Append|AppendTo|Delete)${table}$`).test(p.name));
}

/**
 * What an environment without Dynamics 365 Sales costs, in the admin's words, the same for the plan and the manual
 * path: the missing parts, then the Act-On features that will not work.
 */
export function missingSalesNote(missing: string[], unavailable: RolePrivilege[]): string {
  return `This environment does not have ${missing.join(", ")} (Dynamics 365 Sales is not installed), so these Act-On features will not work: ${unavailableFeatures(unavailable).join("; ")}. Everything else does.`;
}
