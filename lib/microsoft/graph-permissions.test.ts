import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PORTAL_GRAPH_SCOPES } from "@/emulator/scenarios/default";
import { ADMIN_GRAPH_PERMISSIONS, GRAPH_CALL_PERMISSIONS } from "./graph-permissions";

/** The Graph calls graph.ts makes, as "METHOD /path" with `${…}` segments as {id}, one per call site. */
function graphCallSites(): string[] {
  const source = readFileSync(path.join(__dirname, "graph.ts"), "utf8");
  const norm = (p: string) => p.replace(/\$\{[^}]*\}/g, "{id}");
  const sites: string[] = [];
  for (const m of source.matchAll(/method:\s*"(\w+)",(?:(?!method:)[\s\S]){0,160}?path:\s*([`"])(.*?)\2/g)) sites.push(`${m[1]} ${norm(m[3])}`);
  for (const m of source.matchAll(/graphList\(\s*ctx,\s*([`"])(.*?)\1/g)) sites.push(`GET ${norm(m[2])}`);
  // Every call site is one the patterns above read (none builds its path elsewhere and slips past this test); the
  // one inside graphList itself passes its caller's path on.
  const calls = [...source.matchAll(/\bgraph(?:Call|List)\(\s*ctx\b(?!, \{ method: "GET", path, )/g)].length;
  expect(sites.length, "call sites read from graph.ts").toBe(calls);
  return sites;
}

describe("Graph permissions: each call's own, and nothing else", () => {
  it("lists every Graph call graph.ts makes, and no call it does not make", () => {
    const made = new Set(graphCallSites());
    const listed = new Set<string>(GRAPH_CALL_PERMISSIONS.map((c) => c.call));
    expect(
      [...made].filter((c) => !listed.has(c)),
      "calls without their permissions",
    ).toEqual([]);
    expect(
      [...listed].filter((c) => !made.has(c)),
      "listed calls nothing makes",
    ).toEqual([]);
  });

  it("the sign-in asks for exactly what the calls need: no Directory.Read.All, no authentication-methods read", () => {
    expect([...ADMIN_GRAPH_PERMISSIONS].sort()).toEqual(
      ["Application.ReadWrite.All", "DelegatedPermissionGrant.ReadWrite.All", "Policy.Read.All", "RoleManagement.Read.Directory", "User.Read"].sort(),
    );
  });

  it("the portal's app registration in the sandbox declares the same Graph permissions (plus the OpenID scopes)", () => {
    const declared = PORTAL_GRAPH_SCOPES.map(([, value]) => value).filter((v) => !["openid", "profile", "email", "offline_access"].includes(v));
    expect([...declared].sort()).toEqual([...ADMIN_GRAPH_PERMISSIONS].sort());
  });
});
