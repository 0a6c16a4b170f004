/**
 * Another process holding a SQLite database in a write transaction (BEGIN IMMEDIATE on its own connection, in WAL
 * mode like the portal), until told to let go: then it commits and closes its connection.
 */
import { spawn } from "node:child_process";

export type LockHolder = { release: () => Promise<void> };

export async function holdWriteLock(file: string): Promise<LockHolder> {
  const child = spawn(
    process.execPath,
    [
      "-e",
      `const db = new (require("better-sqlite3"))(${JSON.stringify(file)});
       db.pragma("journal_mode = WAL");
       db.exec("BEGIN IMMEDIATE");
       console.log("holding");
       process.stdin.once("data", () => { db.exec("COMMIT"); db.close(); process.exit(0); });`,
    ],
    { cwd: process.cwd(), stdio: ["pipe", "pipe", "inherit"] },
  );
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => chunk.toString().includes("holding") && resolve());
    child.on("exit", (code) => reject(new Error(`the lock holder exited (${code}) before holding the lock`)));
  });
  return {
    release: async () => {
      if (child.exitCode === null) child.stdin.write("release\n");
      await exited;
    },
  };
}
