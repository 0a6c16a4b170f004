import { describe, expect, it } from "vitest";
import { LEAST_PRIVILEGE_ROLE_PRIVILEGES } from "../provisioning/least-privilege-role";
import { CONNECTOR_PRIVILEGE_NAMES, describeMissingPrivileges, findMissingPrivileges } from "./connector-privileges";

const everything = LEAST_PRIVILEGE_ROLE_PRIVILEGES.map((p) => ({ name: p.name, depth: "Global" as const }));
const without = (...names: string[]) => everything.filter((p) => !names.includes(p.name));

describe("the connector's privileges, held or missing", () => {
  it("asks for exactly the least-privilege role's privileges; all held at Organization depth is nothing missing", () => {
    expect(CONNECTOR_PRIVILEGE_NAMES).toEqual(LEAST_PRIVILEGE_ROLE_PRIVILEGES.map((p) => p.name));
    expect(findMissingPrivileges(everything)).toEqual([]);
    // Names compare case-insensitively, as Dataverse's do.
    expect(findMissingPrivileges(everything.map((p) => ({ ...p, name: p.name.toLowerCase() })))).toEqual([]);
  });

  it("names a privilege not held, or held too shallow, with its table and the feature that breaks", () => {
    const held = [...without("prvWriteLead", "prvCreateNote"), { name: "prvCreateNote", depth: "Basic" as const }];
    expect(findMissingPrivileges(held)).toEqual([
      {
        name: "prvWriteLead",
        heldDepth: null,
        neededDepth: "Global",
        feature: expect.stringMatching(/^Sync leads/),
        table: { entitySet: "leads", key: "leadid" },
      },
      {
        name: "prvCreateNote",
        heldDepth: "Basic",
        neededDepth: "Global",
        feature: expect.stringMatching(/^Log Act-On activity/),
        table: { entitySet: "annotations", key: "annotationid" },
      },
    ]);
  });

  it("every privilege maps to a table (AppendTo is not Append + 'To…')", () => {
    const tables = findMissingPrivileges([]).map((m) => [m.name, m.table?.entitySet]);
    expect(tables).toContainEqual(["prvAppendToAccount", "accounts"]);
    expect(tables).toContainEqual(["prvAppendList", "lists"]);
    expect(tables.every(([, set]) => typeof set === "string")).toBe(true);
  });

  it("describes what is missing per feature, for the admin and for support", () => {
    const missing = findMissingPrivileges([...without("prvWriteLead", "prvCreateLead", "prvReadUser")]);
    expect(describeMissingPrivileges(missing)).toBe(
      `prvCreateLead (not held), prvWriteLead (not held) → ${LEAST_PRIVILEGE_ROLE_PRIVILEGES[0].feature}; prvReadUser (not held) → Resolve record owners, so synced records keep their assigned sales rep`,
    );
  });
});
