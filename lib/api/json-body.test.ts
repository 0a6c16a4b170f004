import { describe, expect, it } from "vitest";
import { isJsonMediaType, readJsonBody } from "./json-body";

const post = (body: string | undefined, contentType?: string) =>
  new Request("http://portal.test/api/x", { method: "POST", body, headers: contentType ? { "content-type": contentType } : {} });

describe("readJsonBody", () => {
  it.each([
    "application/json",
    "application/json; charset=utf-8",
    "Application/JSON",
    "application/merge-patch+json",
    "application/vnd.acton.v1+json",
  ])("reads a body labelled %s", async (type) => {
    const read = await readJsonBody(post('{"reason":"asked"}', type), "/api/x");
    expect(read).toEqual({ ok: true, value: { reason: "asked" }, empty: false });
  });

  it.each([
    ["no body and no content type", undefined, undefined],
    ["an empty JSON-labelled body", "", "application/json"],
    ["whitespace labelled as a form", "  \n", "application/x-www-form-urlencoded"],
  ])("takes %s as no body", async (_label, body, type) => {
    expect(await readJsonBody(post(body, type), "/api/x")).toEqual({ ok: true, value: undefined, empty: true });
  });

  it.each([
    ["text/plain", "text/plain"],
    ["a form", "application/x-www-form-urlencoded"],
    ["JSON text sequences", "application/json-seq"],
    ["no content type", undefined],
  ])("refuses a body sent as %s with 415 problem+json", async (_label, type) => {
    const read = await readJsonBody(post('{"a":1}', type), "/api/x");
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(read.response.status).toBe(415);
    expect(read.response.headers.get("content-type")).toBe("application/problem+json");
    expect(await read.response.json()).toMatchObject({ code: "invalid_input", instance: "/api/x" });
  });

  it("refuses malformed JSON with 400 naming the body", async () => {
    const read = await readJsonBody(post("{not json", "application/merge-patch+json"), "/api/x");
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(read.response.status).toBe(400);
    expect(await read.response.json()).toMatchObject({
      code: "invalid_input",
      errors: [{ where: "body", field: "(root)", message: "is not valid JSON" }],
    });
  });
});

describe("isJsonMediaType", () => {
  it("knows JSON from look-alikes", () => {
    expect(isJsonMediaType("application/problem+json")).toBe(true);
    expect(isJsonMediaType(null)).toBe(false);
    expect(isJsonMediaType("application/jsonp")).toBe(false);
    expect(isJsonMediaType("text/json")).toBe(false);
  });
});
