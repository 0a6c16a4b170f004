import { describe, expect, it } from "vitest";
import { SCENARIOS } from "./index";

const duplicates = (values: string[]) => values.filter((v, i) => values.indexOf(v) !== i);

describe.each(Object.keys(SCENARIOS))("the %s scenario's directory", (name) => {
  const state = SCENARIOS[name]();

  it("gives every user its own object id and sign-in name", () => {
    // A scenario that adds a user under an id the default world already uses shadows that user: sign-in as one
    // finds the other.
    expect(duplicates(state.users.map((u) => u.id))).toEqual([]);
    expect(duplicates(state.users.map((u) => u.userPrincipalName.toLowerCase()))).toEqual([]);
  });

  it("gives every application, service principal and group its own object id", () => {
    expect(duplicates(state.applications.map((a) => a.id))).toEqual([]);
    expect(duplicates(state.servicePrincipals.map((sp) => sp.id))).toEqual([]);
    expect(duplicates((state.groups ?? []).map((g) => g.id))).toEqual([]);
  });
});
