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

describe("the organization a guest or partner admin names", () => {
  it("takes a verified domain or a tenant id, trimmed and lower-cased; an empty field is no organization", () => {
    const organization = (value: string) => signInStartFormSchema.parse({ organization: value }).organization;
    expect(organization(" Contoso.onMicrosoft.com ")).toBe("contoso.onmicrosoft.com");
    expect(organization("contoso.co.uk")).toBe("contoso.co.uk");
    expect(organization("10000000-0000-4000-8000-00000000000A")).toBe("10000000-0000-4000-8000-00000000000a");
    expect(organization("  ")).toBeUndefined();
  });

  it("refuses what is no tenant (the multi-tenant aliases, URLs, paths, e-mail addresses) with a plain message", () => {
    for (const bad of [
      "organizations",
      "common",
      "https://contoso.com",
      "contoso.com/x",
      "admin@contoso.com",
      "-contoso.com",
      "contoso..com",
      "a".repeat(250) + ".com",
    ]) {
      const parsed = signInStartFormSchema.safeParse({ organization: bad });
      expect(parsed.success, bad).toBe(false);
      if (!parsed.success) expect(parsed.error.issues[0].message).toMatch(/domain .* or its tenant id/);
    }
  });
});
