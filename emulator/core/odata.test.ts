import { describe, expect, it } from "vitest";
import { evaluateFilter, ODataQueryError, parseExpand, parseFilter, strictResolver } from "./odata";

const app = {
  appId: "6E9A1E42-0000-4000-8000-000000000001",
  displayName: "Act-On Connector",
  tags: ["acton-dynamics-connector", "x"],
  count: 3,
  parent: null,
  createdDateTime: "2026-12-06T10:00:00.000Z",
};
const matches = (filter: string, record: Record<string, unknown> = app) =>
  evaluateFilter(parseFilter(filter), record, { resolve: strictResolver("test") });

describe("OData $filter", () => {
  it.each([
    ["appId eq '6e9a1e42-0000-4000-8000-000000000001'", true],
    ["appId eq 6e9a1e42-0000-4000-8000-000000000001", true],
    ["displayName eq 'act-on connector'", true],
    ["startswith(displayName,'Act-On')", true],
    ["startswith(displayName, 'Other')", false],
    ["tags/any(t:t eq 'acton-dynamics-connector')", true],
    ["tags/any(t: t eq 'nope')", false],
    ["tags/any(t:t eq 'x') and count ge 3", true],
    ["count gt 3 or displayName eq 'Act-On Connector'", true],
    ["not (count eq 3)", false],
    ["parent eq null", true],
    ["Microsoft.Dynamics.CRM.In(PropertyName='displayName',PropertyValues=['a','Act-On Connector'])", true],
    ["Microsoft.Dynamics.CRM.In(PropertyName='displayName',PropertyValues=['a'])", false],
    ["displayName eq 'It''s'", false],
    ["createdDateTime ge 2026-12-06T09:00:00Z", true],
    ["createdDateTime lt 2026-12-06T11:00:00+02:00", false],
  ])("%s → %s", (filter, expected) => {
    expect(matches(filter)).toBe(expected);
  });

  it("rejects unknown properties and syntax errors", () => {
    expect(() => matches("colour eq 'blue'")).toThrow(ODataQueryError);
    expect(() => parseFilter("displayName eq")).toThrow(ODataQueryError);
    expect(() => parseFilter("displayName eq 'unterminated")).toThrow(ODataQueryError);
  });

  it("parses $expand with nested options", () => {
    expect(parseExpand("systemuserroles_association($select=roleid,name;$top=5),other")).toEqual([
      { property: "systemuserroles_association", select: ["roleid", "name"], filter: null, top: 5 },
      { property: "other", select: null, filter: null, top: null },
    ]);
  });
});
