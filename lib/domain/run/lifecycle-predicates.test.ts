import { describe, expect, it } from "vitest";
import {
  FINISHED_RUN_STATUSES,
  isAwaitingApproval,
  isFinished,
  isInProgress,
  isUnfinished,
  UNFINISHED_RUN_STATUSES,
  type RunStatus,
} from "./machine";

const ALL: RunStatus[] = [...UNFINISHED_RUN_STATUSES, ...FINISHED_RUN_STATUSES];

describe("the run lifecycle's predicates", () => {
  it("split every status into unfinished or finished, never both", () => {
    for (const status of ALL) expect(isUnfinished(status)).toBe(!isFinished(status));
  });

  it("call in progress only an approved run that has not finished", () => {
    expect(ALL.filter(isInProgress)).toEqual(["pending", "running", "waiting"]);
    expect(ALL.filter(isAwaitingApproval)).toEqual(["awaitingApproval"]);
    for (const status of ALL.filter(isInProgress)) expect(isUnfinished(status)).toBe(true);
  });

  it("know nothing of a status they were not given", () => {
    expect(isInProgress("paused")).toBe(false);
    expect(isUnfinished("paused")).toBe(false);
    expect(isFinished("paused")).toBe(false);
  });
});
