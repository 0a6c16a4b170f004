import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { setTreePriority } from "./priority.mjs";

/** A process's nice value, as the kernel reports it (field 19 of /proc/<pid>/stat). */
const niceOf = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
};

const childrenOf = (pid: number) => readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);

describe.runIf(process.platform === "linux")("setTreePriority", () => {
  it("sets the nice value of a process and of what it started, and gives it back where allowed", async () => {
    const shell = spawn("bash", ["-c", "sleep 5 & sleep 5; wait"], { stdio: "ignore" });
    try {
      let kids: number[] = [];
      for (let i = 0; i < 50 && kids.length < 2; i++) {
        await new Promise((r) => setTimeout(r, 20));
        kids = childrenOf(shell.pid!);
      }
      expect(kids).toHaveLength(2);
      setTreePriority(shell.pid!, 7);
      expect([shell.pid!, ...kids].map(niceOf)).toEqual([7, 7, 7]);
      // Raising it back needs privileges; as root (CI) it is given back, else it stays where it is.
      setTreePriority(shell.pid!, 0);
      const expected = process.getuid?.() === 0 ? 0 : 7;
      expect([shell.pid!, ...kids].map(niceOf)).toEqual([expected, expected, expected]);
    } finally {
      shell.kill("SIGKILL");
    }
  });
});
