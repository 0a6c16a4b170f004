import { describe, expect, it } from "vitest";
import { manualConnectionInputSchema } from "./manual-connection-schema";

const valid = {
  tenant: "contoso.onmicrosoft.com",
  clientId: "11111111-2222-4333-8444-555555555555",
  clientSecret: "abc8Q~0123456789abcdefghijklmnopqrstuvwx",
  environmentUrl: "https://contoso.crm.dynamics.com",
};

const firstIssue = (input: Record<string, unknown>) => {
  const parsed = manualConnectionInputSchema.safeParse(input);
  return parsed.success ? null : { path: parsed.error.issues[0].path.join("."), message: parsed.error.issues[0].message };
};

describe("manualConnectionInputSchema", () => {
  it("accepts a tenant domain or id, a client id, a secret value and an https environment URL", () => {
    expect(firstIssue(valid)).toBeNull();
    expect(firstIssue({ ...valid, tenant: "10000000-0000-4000-8000-000000000001" })).toBeNull();
    expect(manualConnectionInputSchema.parse({ ...valid, tenant: "  contoso.com " }).tenant).toBe("contoso.com");
  });

  it.each([
    [{ tenant: "" }, "tenant", "Directory (tenant) ID"],
    [{ tenant: "not a tenant" }, "tenant", "GUID"],
    [{ clientId: "my-app" }, "clientId", "Overview page"],
    [{ clientSecret: "" }, "clientSecret", "Value"],
    [{ clientSecret: "9d2d2afd-87ce-4946-bd5e-7b1eca12b665" }, "clientSecret", "secret's ID"],
    [{ clientSecret: " abc8Q~x" }, "clientSecret", "spaces"],
    [{ environmentUrl: "http://contoso.crm.dynamics.com" }, "environmentUrl", "https://"],
  ])("refuses %o with a message on %s", (change, path, words) => {
    const issue = firstIssue({ ...valid, ...change });
    expect(issue?.path).toBe(path);
    expect(issue?.message).toContain(words);
  });
});
