import { describe, expect, it } from "vitest";
import { z } from "zod";
import { fieldError, fieldErrorsOf, firstProblem } from "./forms";

const schema = z
  .object({
    serverUrl: z
      .string()
      .min(1, "Enter the address.")
      .regex(/^https:\/\//, "Use https://."),
    score: z.object({ field: z.string().min(1, "Name the column.") }),
    password: z.string().min(1, "Enter the password."),
  })
  .refine((v) => v.password !== "same", { message: "Choose another password." });

const errorOf = (input: unknown) => {
  const parsed = schema.safeParse(input);
  if (parsed.success) throw new Error("expected a failed parse");
  return parsed.error;
};

describe("fieldErrorsOf", () => {
  it("keys each problem by its field, nested fields by their dotted path", () => {
    expect(fieldErrorsOf(errorOf({ serverUrl: "https://crm.example", score: { field: "" }, password: "" }))).toEqual({
      "score.field": ["Name the column."],
      password: ["Enter the password."],
    });
  });

  it("keeps every problem of one field, in the schema's order", () => {
    expect(fieldErrorsOf(errorOf({ serverUrl: "", score: { field: "x" }, password: "p" })).serverUrl).toEqual([
      "Enter the address.",
      "Use https://.",
    ]);
  });

  it("puts a problem without a path under `form`", () => {
    expect(fieldErrorsOf(errorOf({ serverUrl: "https://a.example", score: { field: "x" }, password: "same" }))).toEqual({
      form: ["Choose another password."],
    });
  });

  it("lists a repeated message once", () => {
    const error = new z.ZodError([
      { code: "custom", path: ["environment"], message: "Choose an environment." },
      { code: "custom", path: ["environment"], message: "Choose an environment." },
    ]);
    expect(fieldErrorsOf(error)).toEqual({ environment: ["Choose an environment."] });
  });

  it("answers nothing for an error without issues", () => {
    expect(fieldErrorsOf(new z.ZodError([]))).toEqual({});
  });
});

describe("fieldError and firstProblem", () => {
  it("give the first problem of a field, or of the whole parse", () => {
    const error = errorOf({ serverUrl: "", score: { field: "x" }, password: "p" });
    expect(fieldError(fieldErrorsOf(error), "serverUrl")).toBe("Enter the address.");
    expect(fieldError(fieldErrorsOf(error), "password")).toBeUndefined();
    expect(fieldError(undefined, "password")).toBeUndefined();
    expect(firstProblem(error)).toBe("Enter the address.");
    expect(firstProblem(new z.ZodError([]))).toBe("The form was not filled in correctly.");
  });
});
