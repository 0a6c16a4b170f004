import { describe, expect, it } from "vitest";
import { appError } from "../core/errors";
import { z } from "zod";
import { fieldProblemsOf, invalidInputResponse, problemResponse } from "./problem";

describe("problemResponse", () => {
  it("answers RFC 9457 problem+json with the AppError code, the user message and the status of the code", async () => {
    const response = problemResponse(appError("not_found", "No connection with that id."), { instance: "/api/v1/connections/x" });
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.json()).toEqual({
      type: "urn:acton-portal:problem:not_found",
      title: "Not Found",
      status: 404,
      detail: "No connection with that id.",
      code: "not_found",
      retryable: false,
      instance: "/api/v1/connections/x",
    });
  });

  it("names the fields at fault, takes a status override and extra headers, and never exposes the internal detail", async () => {
    const response = problemResponse(appError("invalid_input", "limit must be at most 200.", { detail: "internal note" }), {
      status: 422,
      errors: [{ where: "query", field: "limit", message: "must be at most 200" }],
      headers: { "retry-after": "3" },
    });
    expect(response.status).toBe(422);
    expect(response.headers.get("retry-after")).toBe("3");
    const body = await response.json();
    expect(body).toMatchObject({ status: 422, title: "Unprocessable Content", errors: [{ where: "query", field: "limit" }] });
    expect(JSON.stringify(body)).not.toContain("internal note");
  });
});

describe("fieldProblemsOf", () => {
  it("lists every field at fault with its dotted path, and each unknown key of a strict object", () => {
    const schema = z.object({ limit: z.number().max(10), tags: z.array(z.string()), nested: z.object({ a: z.string() }).strict() }).strict();
    const result = schema.safeParse({ limit: 20, tags: ["ok", 3], nested: { a: "x", b: 1 }, extra: true });
    expect(result.success).toBe(false);
    if (result.success) return;
    const fields = fieldProblemsOf(result.error, "body").map((p) => p.field);
    expect(fields.sort()).toEqual(["extra", "limit", "nested.b", "tags.1"]);
  });

  it("names the root when the whole value is wrong, and the first field in the detail of a 422", async () => {
    const result = z.object({ a: z.string() }).safeParse("nope");
    expect(result.success).toBe(false);
    if (result.success) return;
    const problems = fieldProblemsOf(result.error, "body");
    expect(problems).toEqual([{ where: "body", field: "(root)", message: expect.any(String) }]);
    const response = invalidInputResponse(problems, { status: 422, instance: "/api/x" });
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ code: "invalid_input", detail: expect.stringMatching(/^body \(root\): /), errors: problems });
  });
});
