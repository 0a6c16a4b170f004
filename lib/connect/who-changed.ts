/**
 * Who changed what, in the admin's words, from the environment's audit history (lib/microsoft/dataverse.ts
 * readUserAuditHistory): the change that explains the connection's health cause, by whom and when. Pure: the repair
 * plan reads the history and stores these lines, the plan page shows them. Nothing is said that the history does not
 * show: no matching change, no line; auditing off (and only when Dataverse says so), a line that says that.
 */
import type { HealthCause } from "../domain/connection/health-machine";

/** The causes a change to the application user in Dataverse's audit history can explain. */
const AUDITABLE_CAUSES = ["application_user_disabled", "application_user_missing", "privilege_missing"] as const satisfies readonly HealthCause[];
export type AuditableCause = (typeof AUDITABLE_CAUSES)[number];

export function isAuditableCause(cause: string | null | undefined): cause is AuditableCause {
  return (AUDITABLE_CAUSES as readonly string[]).includes(cause ?? "");
}

/** One change as the audit history gives it (the client's UserAuditChange). */
export type AuditedChange = {
  kind: "disabled" | "enabled" | "deleted" | "roleAdded" | "roleRemoved";
  at: string;
  byUserId: string;
  byName: string | null;
  roleId?: string;
};
export type AuditedHistory = { auditing: "on" | "off" | "unknown"; changes: AuditedChange[] };

/** Which changes explain each cause: a disabled user; a deleted user or its last role taken; a role taken. */
const EXPLAINS: Record<AuditableCause, AuditedChange["kind"][]> = {
  application_user_disabled: ["disabled"],
  application_user_missing: ["deleted", "roleRemoved"],
  privilege_missing: ["roleRemoved"],
};

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "5 Dec 2026, 14:03 UTC": the same for every reader, whatever their time zone. */
export function auditTimeLabel(iso: string): string | null {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return null;
  const hh = String(d.getUTCHours()).padStart(2, "0");
  const mm = String(d.getUTCMinutes()).padStart(2, "0");
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${hh}:${mm} UTC`;
}

function byWhom(change: AuditedChange): string {
  return change.byName?.trim() ? change.byName.trim() : `a user no longer in the environment (user id ${change.byUserId})`;
}

/**
 * The line for the cause (at most one, the newest explaining change), or the auditing-off line, or nothing.
 * `roleNames` names the roles the portal knows (by id, lower case); another role is "a security role".
 */
export function whoChangedLines(input: { cause: AuditableCause; history: AuditedHistory; roleNames?: Record<string, string> }): string[] {
  const { cause, history } = input;
  if (history.auditing === "off") return ["Auditing is off in this environment, so Dynamics 365 kept no record of who changed the application user."];
  // The history is newest first; a later change that undoes the explaining one (enabled again, role given back)
  // means the audit does not explain the present state: say nothing rather than blame the wrong change.
  const newest = history.changes.find((c) => EXPLAINS[cause].includes(c.kind) || undoes(c, cause, history.changes));
  if (!newest || !EXPLAINS[cause].includes(newest.kind)) return [];
  const when = auditTimeLabel(newest.at);
  if (!when) return [];
  const by = byWhom(newest);
  switch (newest.kind) {
    case "disabled":
      return [`The application user was disabled by ${by} on ${when}.`];
    case "deleted":
      return [`The application user was deleted by ${by} on ${when}.`];
    case "roleRemoved": {
      const name = newest.roleId ? input.roleNames?.[newest.roleId.toLowerCase()] : undefined;
      return [`${name ? `The security role “${name}” was` : "A security role was"} removed from the application user by ${by} on ${when}.`];
    }
    default:
      return [];
  }
}

/** An enable undoes a disable; giving a role back undoes taking that role. */
function undoes(change: AuditedChange, cause: AuditableCause, all: AuditedChange[]): boolean {
  if (change.kind === "enabled") return EXPLAINS[cause].includes("disabled");
  if (change.kind === "roleAdded") {
    const later = all.slice(all.indexOf(change) + 1);
    return later.some((c) => c.kind === "roleRemoved" && c.roleId === change.roleId);
  }
  return false;
}
