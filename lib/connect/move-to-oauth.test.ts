import { describe, expect, it } from "vitest";
import { canMoveToOAuth, MIGRATION_CHANGES } from "./move-to-oauth";

describe("moving a connection to OAuth", () => {
  it("is offered for a connected user-name-and-password (legacy) connection only, as the engine's migrate accepts", () => {
    expect(canMoveToOAuth({ authMode: "legacy", status: "active" })).toBe(true);
    expect(canMoveToOAuth({ authMode: "legacy", status: "failed" })).toBe(true);
    expect(canMoveToOAuth({ authMode: "legacy", status: "draft" })).toBe(false);
    expect(canMoveToOAuth({ authMode: "legacy", status: "disconnected" })).toBe(false);
    expect(canMoveToOAuth({ authMode: "cloud", status: "active" })).toBe(false);
    expect(canMoveToOAuth({ authMode: "onprem", status: "active" })).toBe(false);
  });

  it("shows the article's steps 1, 4 and 5, and says the password is forgotten only after verification", () => {
    expect(MIGRATION_CHANGES.map((c) => c.step)).toEqual([1, 4, 5]);
    expect(MIGRATION_CHANGES[2].body).toMatch(/Only after that sign-in is verified is the stored password forgotten/);
  });
});
