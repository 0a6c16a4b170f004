import { describe, expect, it } from "vitest";
// @ts-expect-error -- plain ESM script of the test command
import { playwrightFiles, slowestLines, vitestFiles } from "./slowest-files.mjs";

describe("the slowest-files report of npm test", () => {
  it("reads Vitest's and Playwright's JSON reports per file and lists the slowest first", () => {
    const vitest = vitestFiles(
      {
        testResults: [
          { name: "/repo/lib/a.test.ts", startTime: 1_000, endTime: 4_500, assertionResults: [{}, {}] },
          { name: "/repo/lib/b.test.ts", startTime: 1_000, endTime: 1_200, assertionResults: [{}] },
        ],
      },
      "/repo",
    );
    const playwright = playwrightFiles({
      suites: [
        {
          specs: [],
          suites: [
            {
              specs: [
                { file: "paths/legacy.spec.ts", tests: [{ results: [{ duration: 30_000 }, { duration: 20_000 }] }] },
                { file: "paths/legacy.spec.ts", tests: [{ results: [{ duration: 1_000 }] }] },
              ],
            },
          ],
        },
      ],
    });
    expect(playwright).toEqual([{ file: "e2e/paths/legacy.spec.ts", tests: 2, ms: 51_000 }]);
    const lines = slowestLines([...vitest, ...playwright], 2);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^ +51\.0 s {2}e2e\/paths\/legacy\.spec\.ts {2}2 tests$/);
    expect(lines[1]).toMatch(/^ +3\.5 s {2}lib\/a\.test\.ts +2 tests$/);
  });
});
