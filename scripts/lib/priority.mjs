import { existsSync, readdirSync, readFileSync } from "node:fs";
import { setPriority } from "node:os";

/** The process and every process it has started (Linux's /proc; elsewhere the process alone). */
function processTree(rootPid) {
  const tree = new Set([rootPid]);
  if (!existsSync("/proc")) return tree;
  const parentOf = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // The process ended while the table was read.
    }
  }
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, parent] of parentOf)
      if (!tree.has(pid) && tree.has(parent)) {
        tree.add(pid);
        grew = true;
      }
  }
  return tree;
}

/**
 * Sets the scheduling priority (nice value) of a process and all it has started, best effort: a process may have
 * ended, and raising a priority back (a lower nice value) needs privileges an ordinary user may not have.
 */
export function setTreePriority(rootPid, priority) {
  for (const pid of processTree(rootPid)) {
    try {
      setPriority(pid, priority);
    } catch {
      // Gone, or not ours to raise: it keeps the priority it has.
    }
  }
}
