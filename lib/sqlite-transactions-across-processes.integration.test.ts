/**
 * Two processes writing one SQLite file (the portal's background work and a command beside it): a transaction that
 * reads and then writes must not be failed by the other process's commit in between.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/test/support/test-databases";

/** A second process with its own connection: inserts one account when told to, waiting for locks up to 10 s. */
function otherProcess(file: string) {
  const child = spawn(
    process.execPath,
    [
      "-e",
      `const db = new (require("better-sqlite3"))(${JSON.stringify(file)}, { timeout: 10000 });
       process.stdin.once("data", () => {
         try { db.prepare("INSERT INTO Account (id, actonAccountId, name, updatedAt) VALUES ('other', 'other', 'Other', 0)").run(); console.log("inserted"); }
         catch (e) { console.log("failed " + e.code); }
         db.close(); process.exit(0);
       });
       console.log("ready");`,
    ],
    { cwd: process.cwd(), stdio: ["pipe", "pipe", "inherit"] },
  );
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const ready = new Promise<void>((resolve) => child.stdout.on("data", () => output.includes("ready") && resolve()));
  return { child, ready, output: () => output, write: () => child.stdin.write("go\n"), exited: once(child, "exit") };
}

describe("SQLite shared by two processes", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase("sqlite");
    await t.db.account.count(); // WAL is on for the file from here
  });
  afterAll(async () => t?.cleanup());

  it("a read-then-write transaction holds its ground while another process writes (it waits its turn instead)", async () => {
    const file = t.url.slice("file:".length);
    const other = otherProcess(file);
    await other.ready;

    await t.db.$transaction(async (tx) => {
      expect(await tx.account.count()).toBe(0);
      other.write();
      // Give the other process time to try its insert while this transaction is open.
      await new Promise((r) => setTimeout(r, 500));
      await tx.account.create({ data: { actonAccountId: "mine", name: "Mine" } });
    });
    await other.exited;

    expect(other.output()).toContain("inserted");
    expect((await t.db.account.findMany({ orderBy: { actonAccountId: "asc" } })).map((a) => a.actonAccountId)).toEqual(["mine", "other"]);
  });
});
