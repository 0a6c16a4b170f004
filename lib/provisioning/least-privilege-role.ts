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
