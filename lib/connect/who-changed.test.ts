import { describe, expect, it } from "vitest";
import { auditTimeLabel, isAuditableCause, whoChangedLines, type AuditedChange } from "./who-changed";

const MEGAN = "70000000-0000-4000-8000-000000000001";
const ROLE = "71000000-0000-4000-8000-000000000001";
const change = (kind: AuditedChange["kind"], at: string, extra: Partial<AuditedChange> = {}): AuditedChange => ({
  kind,
  at,
  byUserId: MEGAN,
  byName: "Megan Bowen",
  ...extra,
});
const on = (...changes: AuditedChange[]) => ({ auditing: "on" as const, changes });

describe("who changed what, in words", () => {
  it("formats the time in UTC, the same for every reader", () => {
    expect(auditTimeLabel("2026-12-05T14:03:59.123Z")).toBe("5 Dec 2026, 14:03 UTC");
    expect(auditTimeLabel("2026-01-09T00:07:00+02:00")).toBe("8 Jan 2026, 22:07 UTC");
    expect(auditTimeLabel("not a date")).toBeNull();
  });

  it("says who disabled the application user and when", () => {
    expect(whoChangedLines({ cause: "application_user_disabled", history: on(change("disabled", "2026-12-05T14:03:00Z")) })).toEqual([
      "The application user was disabled by Megan Bowen on 5 Dec 2026, 14:03 UTC.",
    ]);
  });

  it("names the newest explaining change only", () => {
    const history = on(
      change("disabled", "2026-12-05T14:03:00Z"),
      change("enabled", "2026-12-04T09:00:00Z"),
      change("disabled", "2026-12-01T08:00:00Z"),
    );
    expect(whoChangedLines({ cause: "application_user_disabled", history })).toEqual([
      "The application user was disabled by Megan Bowen on 5 Dec 2026, 14:03 UTC.",
    ]);
  });

  it("says nothing when the newest change undid it (enabled again) or when nothing explains the cause", () => {
    const undone = on(change("enabled", "2026-12-06T10:00:00Z"), change("disabled", "2026-12-05T14:03:00Z"));
    expect(whoChangedLines({ cause: "application_user_disabled", history: undone })).toEqual([]);
    expect(whoChangedLines({ cause: "application_user_disabled", history: on(change("deleted", "2026-12-05T14:03:00Z")) })).toEqual([]);
    expect(whoChangedLines({ cause: "privilege_missing", history: on() })).toEqual([]);
    expect(whoChangedLines({ cause: "application_user_missing", history: { auditing: "unknown", changes: [] } })).toEqual([]);
  });

  it("says who deleted the application user, or took its role (named when the portal knows it)", () => {
    expect(
      whoChangedLines({
        cause: "application_user_missing",
        history: on(change("deleted", "2026-12-05T14:03:00Z"), change("disabled", "2026-12-05T14:02:00Z")),
      }),
    ).toEqual(["The application user was deleted by Megan Bowen on 5 Dec 2026, 14:03 UTC."]);
    const removed = on(change("roleRemoved", "2026-12-05T14:03:00Z", { roleId: ROLE.toUpperCase() }));
    expect(whoChangedLines({ cause: "privilege_missing", history: removed, roleNames: { [ROLE]: "Act-On Integration" } })).toEqual([
      "The security role “Act-On Integration” was removed from the application user by Megan Bowen on 5 Dec 2026, 14:03 UTC.",
    ]);
    expect(whoChangedLines({ cause: "application_user_missing", history: removed })).toEqual([
      "A security role was removed from the application user by Megan Bowen on 5 Dec 2026, 14:03 UTC.",
    ]);
  });

  it("does not blame a role removal that was given back; another role given later does not undo it", () => {
    const givenBack = on(
      change("roleAdded", "2026-12-06T10:00:00Z", { roleId: ROLE }),
      change("roleRemoved", "2026-12-05T14:03:00Z", { roleId: ROLE }),
    );
    expect(whoChangedLines({ cause: "privilege_missing", history: givenBack })).toEqual([]);
    const other = on(
      change("roleAdded", "2026-12-06T10:00:00Z", { roleId: "71000000-0000-4000-8000-000000000009" }),
      change("roleRemoved", "2026-12-05T14:03:00Z", { roleId: ROLE }),
    );
    expect(whoChangedLines({ cause: "privilege_missing", history: other })).toHaveLength(1);
  });

  it("names a user who can no longer be read by id, and says when auditing is off", () => {
    expect(
      whoChangedLines({ cause: "application_user_disabled", history: on(change("disabled", "2026-12-05T14:03:00Z", { byName: null })) }),
    ).toEqual([`The application user was disabled by a user no longer in the environment (user id ${MEGAN}) on 5 Dec 2026, 14:03 UTC.`]);
    expect(whoChangedLines({ cause: "privilege_missing", history: { auditing: "off", changes: [] } })).toEqual([
      "Auditing is off in this environment, so Dynamics 365 kept no record of who changed the application user.",
    ]);
  });

  it("knows which health causes the audit history can explain", () => {
    expect(["application_user_disabled", "application_user_missing", "privilege_missing"].every(isAuditableCause)).toBe(true);
    expect(["consent_revoked", "credential_removed", null, undefined].some(isAuditableCause)).toBe(false);
  });
});
