import { describe, expect, it } from "vitest";
import { signInReturnPath, signInStartFormSchema } from "./sign-in-return";

describe("where a sign-in returns", () => {
  it("to a path's own page of the connection, from a closed list", () => {
    expect(signInReturnPath("c1", "legacy")).toBe("/connect/c1/legacy");
    expect(signInReturnPath("c1", "migrate")).toBe("/connect/c1/migrate");
    expect(signInReturnPath("c1", undefined)).toBe("/connect/c1");
    expect(signInReturnPath(null, "legacy")).toBe("/auth/sign-in");
  });

  it("refuses any other page, so the start form cannot become an open redirect", () => {
    expect(signInStartFormSchema.safeParse({ then: "legacy" }).success).toBe(true);
    expect(signInStartFormSchema.safeParse({}).success).toBe(true);
    for (const then of ["https://evil.example", "//evil.example", "../status", "status", ""]) {
      expect(signInStartFormSchema.safeParse({ then }).success, then).toBe(false);
    }
  });
});
