import { describe, expect, it } from "vitest";
import { fieldErrorsOf } from "@/lib/core/forms";
import { legacyInputSchema, migrateInputSchema } from "./legacy.schema";

const valid = { environment: "https://contoso.crm.dynamics.com", integrationUsername: " crm@contoso.com ", password: "p@ss word " };

describe("the legacy form", () => {
  it("accepts a listed environment, a UPN and a password (kept exactly as typed); least privilege by default", () => {
    expect(legacyInputSchema.parse(valid)).toEqual({
      environment: "https://contoso.crm.dynamics.com",
      integrationUsername: "crm@contoso.com",
      password: "p@ss word ",
      role: "leastPrivilege",
    });
  });

  it("a pasted https URL wins over the listed environment", () => {
    expect(legacyInputSchema.parse({ ...valid, pastedUrl: "https://other.crm.dynamics.com/" }).environment).toBe("https://other.crm.dynamics.com");
  });

  it("names each wrong field: no environment, an http URL, a DOMAIN\\user, no password, an unknown role", () => {
    const errors = (input: Record<string, unknown>) => {
      const r = legacyInputSchema.safeParse(input);
      return r.success ? {} : Object.fromEntries(Object.entries(fieldErrorsOf(r.error)).map(([field, [first]]) => [field, first]));
    };
    expect(errors({ ...valid, environment: "" })).toEqual({ environment: "Choose an environment, or paste its URL." });
    expect(errors({ ...valid, pastedUrl: "http://contoso.crm.dynamics.com" }).pastedUrl).toMatch(/https:\/\//);
    expect(errors({ ...valid, integrationUsername: "CONTOSO\\crm" }).integrationUsername).toMatch(/name@domain/);
    expect(errors({ ...valid, password: "" }).password).toBe("Enter the integration user's password.");
    expect(errors({ ...valid, password: "x".repeat(257) }).password).toBe("That password is too long.");
    expect(errors({ ...valid, role: "owner" }).role).toMatch(/security role/);
  });

  it("a problem message never carries the password", () => {
    const r = legacyInputSchema.safeParse({ ...valid, integrationUsername: "", password: "Secret-123" });
    expect(JSON.stringify(r.error?.issues)).not.toContain("Secret-123");
  });
});

describe("the migration's confirmation", () => {
  it("takes only its fixed value", () => {
    expect(migrateInputSchema.safeParse({ confirm: "move-to-oauth" }).success).toBe(true);
    expect(migrateInputSchema.safeParse({ confirm: "yes" }).success).toBe(false);
    expect(migrateInputSchema.safeParse({}).success).toBe(false);
  });
});
