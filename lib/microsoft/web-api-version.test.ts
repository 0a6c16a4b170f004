import { describe, expect, it } from "vitest";
import { firstAnsweringVersion, type WebApiVersion } from "./web-api-version";

class Missing extends Error {}
const isMissing = (e: unknown) => e instanceof Missing;

/** A server that has the given versions; records what was asked. */
function server(has: WebApiVersion[]) {
  const asked: WebApiVersion[] = [];
  const attempt = async (v: WebApiVersion) => {
    asked.push(v);
    if (!has.includes(v)) throw new Missing(`no v${v}`);
    return `whoami over v${v}`;
  };
  return { asked, attempt };
}

describe("firstAnsweringVersion", () => {
  it("keeps 9.2 when it answers, asking nothing else", async () => {
    const s = server(["9.0", "9.1", "9.2"]);
    expect(await firstAnsweringVersion(s.attempt, isMissing)).toEqual({ version: "9.2", value: "whoami over v9.2" });
    expect(s.asked).toEqual(["9.2"]);
  });

  it("falls back 9.2 → 9.1 → 9.0 → 8.2 and keeps the first that answers", async () => {
    const v91 = server(["9.1", "9.0"]);
    expect((await firstAnsweringVersion(v91.attempt, isMissing)).version).toBe("9.1");
    expect(v91.asked).toEqual(["9.2", "9.1"]);
    const v82 = server(["8.2"]);
    expect((await firstAnsweringVersion(v82.attempt, isMissing)).version).toBe("8.2");
    expect(v82.asked).toEqual(["9.2", "9.1", "9.0", "8.2"]);
  });

  it("starts at a stored version", async () => {
    const s = server(["9.0"]);
    expect((await firstAnsweringVersion(s.attempt, isMissing, "9.0")).version).toBe("9.0");
    expect(s.asked).toEqual(["9.0"]);
  });

  it("throws any other failure at once, and the last 'missing' when no version answers", async () => {
    const refused = new Error("401");
    await expect(firstAnsweringVersion(async () => Promise.reject(refused), isMissing)).rejects.toBe(refused);
    const none = server([]);
    await expect(firstAnsweringVersion(none.attempt, isMissing)).rejects.toThrow("no v8.2");
    expect(none.asked).toEqual(["9.2", "9.1", "9.0", "8.2"]);
  });
});
