import { describe, expect, it } from "vitest";
import { formFields } from "@/lib/core/forms";
import { approveFormSchema, environmentFormSchema, runFormSchema } from "./form-schemas";

describe("the journey's form schemas", () => {
  it("takes a listed environment, or a pasted https URL (which wins), without a trailing slash", () => {
    expect(environmentFormSchema.parse({ environment: "https://org.crm.dynamics.com" })).toEqual({ environment: "https://org.crm.dynamics.com" });
    expect(environmentFormSchema.parse({ environment: "https://a.crm.dynamics.com", pastedUrl: " https://b.crm4.dynamics.com/ " })).toEqual({
      environment: "https://b.crm4.dynamics.com",
    });
  });

  it.each([
    [{}, "environment", /Choose an environment/],
    [{ pastedUrl: "contoso.crm.dynamics.com" }, "pastedUrl", /https:\/\//],
    [{ pastedUrl: "http://contoso.crm.dynamics.com" }, "pastedUrl", /https:\/\//],
    [{ pastedUrl: "javascript:alert(1)" }, "pastedUrl", /https:\/\//],
  ])("refuses %j, naming the field", (input, field, message) => {
    const parsed = environmentFormSchema.safeParse(input);
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0].path).toEqual([field]);
    expect(parsed.error!.issues[0].message).toMatch(message);
  });

  it("approves only with a run id, the kind of plan the page showed and, but for a disconnect, one of the two roles", () => {
    expect(approveFormSchema.parse({ runId: "cmabc123", approve: "connect", role: "leastPrivilege" })).toEqual({
      runId: "cmabc123",
      approve: "connect",
      role: "leastPrivilege",
    });
    expect(approveFormSchema.parse({ runId: "cmabc123", approve: "disconnect" })).toEqual({ runId: "cmabc123", approve: "disconnect" });
    expect(approveFormSchema.safeParse({ runId: "cmabc123", role: "leastPrivilege" }).success).toBe(false);
    expect(approveFormSchema.safeParse({ runId: "cmabc123", approve: "connect" }).success).toBe(false);
    expect(approveFormSchema.safeParse({ runId: "cmabc123", approve: "delete", role: "leastPrivilege" }).success).toBe(false);
    expect(approveFormSchema.safeParse({ runId: "cmabc123", approve: "connect", role: "globalAdministrator" }).success).toBe(false);
    expect(approveFormSchema.safeParse({ runId: "../etc", approve: "connect", role: "leastPrivilege" }).success).toBe(false);
    expect(runFormSchema.safeParse({ runId: "" }).success).toBe(false);
  });

  it("reads a form's string fields, the first value of each", () => {
    const form = new FormData();
    form.append("a", "1");
    form.append("a", "2");
    form.append("f", new Blob(["x"]));
    expect(formFields(form)).toEqual({ a: "1" });
  });
});
