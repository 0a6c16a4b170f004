import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor, environmentUrlPrefix, prefixRange, supportConnectionSearchSchema } from "./support-search";

describe("support console search input", () => {
  it("treats empty query fields as unset and applies the defaults", () => {
    expect(supportConnectionSearchSchema.parse({ q: " ", status: "", sort: "" })).toEqual({ sort: "updated", limit: 50 });
  });

  it("refuses unknown statuses, a one-letter search and oversized pages, naming the field", () => {
    const r = supportConnectionSearchSchema.safeParse({ status: "broken", q: "a", limit: "500" });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join("."))).toEqual(["q", "status", "limit"]);
  });

  it("round-trips a cursor and refuses one that was tampered with or belongs to another order", () => {
    const cursor = encodeCursor({ sort: "updated", at: "2026-12-01T10:00:00.000Z", id: "c1" });
    expect(decodeCursor(cursor, "updated")).toEqual({ sort: "updated", at: "2026-12-01T10:00:00.000Z", id: "c1" });
    expect(decodeCursor(cursor, "secretExpiry")).toBeNull();
    expect(decodeCursor("bm90LWpzb24", "updated")).toBeNull();
    expect(decodeCursor(Buffer.from(JSON.stringify(["updated", "yesterday", "c1"])).toString("base64url"), "updated")).toBeNull();
  });

  it("turns a prefix into a lower-case byte range that holds exactly the strings starting with it", () => {
    const { from, to } = prefixRange("Contoso.On");
    expect(from).toBe("contoso.on");
    for (const s of ["contoso.onmicrosoft.com", "contoso.on", "contoso.on\u00e9"]) expect(s >= from && s < to).toBe(true);
    for (const s of ["contoso.o", "contoso.p", "contosoon"]) expect(s >= from && s < to).toBe(false);
  });

  it("compares an environment search with the stored https URL, whatever was pasted", () => {
    expect(environmentUrlPrefix("Contoso.crm.dynamics.com")).toBe("https://contoso.crm.dynamics.com");
    expect(environmentUrlPrefix("http://contoso.crm")).toBe("https://contoso.crm");
    expect(environmentUrlPrefix("https://contoso.crm4.dynamics.com/")).toBe("https://contoso.crm4.dynamics.com/");
  });
});
