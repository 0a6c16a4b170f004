/**
 * A provisioning runner in its own process that dies (exit 137, as if killed) at a chosen point, so tests can prove
 * that a run resumes from the database alone. Run with `tsx --conditions=react-server` and CRASH_SPEC in the env.
 *   afterCall: "POST /graph/v1.0/applications" — right after that Microsoft call answered, before the step commits
 *   afterStep: "appRegistration" — right after that step's outcome was committed
 * Or it stalls (SIGSTOP, as a frozen VM or a long GC pause would) and goes on where it stood once sent SIGCONT:
 *   stallInStep: "verify", stallAfterCall: "/WhoAmI" — right after that call answered within that step
 * It prints "STALLED <pid>" before it stops (tsx runs it in a child of the process the test started).
 * The spec comes in CRASH_SPEC or, for a worker started ahead of its turn, as one JSON line on stdin.
 */
import { createDb, type Db } from "../../lib/core/db";
import type { CallRecord } from "../../lib/microsoft/http";
import type { EngineConfig } from "../../lib/provisioning/config";
import { driveRunWith } from "../../lib/provisioning/engine";

/** Where a worker dies. */
export type CrashPoint =
  | { afterCall: string }
  /** A regular expression over "METHOD path", for a call whose path holds an id the test cannot know ahead. */
  | { afterCallMatching: string }
  | { afterStep: string };

export type CrashSpec = {
  databaseUrl: string;
  runId: string;
  owner: string;
  config: Omit<EngineConfig, "keys"> & { keys: { id: string; key: string }[] };
  afterCall?: string;
  afterCallMatching?: string;
  afterStep?: string;
  /**
   * Dies at whichever of these comes first, printing "CRASHED <index>" (steps that run at once make their calls in no
   * fixed order, so a sweep names the points it has yet to hit and learns which one it got).
   */
  crashAtFirstOf?: CrashPoint[];
  stallInStep?: string;
  stallAfterCall?: string;
};

/**
 * The spec: CRASH_SPEC in the env, or else the first line on stdin. A warm worker (crash-runner.ts) is started ahead
 * of its turn, loads the engine and waits there, so a sweep of kill points does not pay a cold start per point.
 */
async function readSpec(): Promise<CrashSpec> {
  if (process.env.CRASH_SPEC) return JSON.parse(process.env.CRASH_SPEC) as CrashSpec;
  let buffered = "";
  for await (const chunk of process.stdin) {
    buffered += String(chunk);
    const newline = buffered.indexOf("\n");
    if (newline >= 0) return JSON.parse(buffered.slice(0, newline)) as CrashSpec;
  }
  // The test ended without needing this worker: its runner closed our stdin.
  process.exit(0);
}

let spec: CrashSpec;
const die = (index = 0) => {
  // Writes to a pipe are synchronous on Linux: the line is out before the process ends.
  process.stdout.write(`CRASHED ${index}\n`);
  process.exit(137);
};

/** The spec's kill points: the list, or its one point. */
function crashPoints(spec: CrashSpec): CrashPoint[] {
  if (spec.crashAtFirstOf) return spec.crashAtFirstOf;
  if (spec.afterCall) return [{ afterCall: spec.afterCall }];
  if (spec.afterCallMatching) return [{ afterCallMatching: spec.afterCallMatching }];
  if (spec.afterStep) return [{ afterStep: spec.afterStep }];
  return [];
}
let currentStep: string | null = null;
let stalled = false;
function stall() {
  stalled = true;
  // Writes to a pipe are synchronous on Linux: the line is out before the process stops.
  process.stdout.write(`STALLED ${process.pid}\n`);
  process.kill(process.pid, "SIGSTOP");
}

/**
 * A warm worker is told the database its turn will most likely use (CRASH_WARM_DATABASE_URL: the one of the run
 * before it) and opens it while it waits: the client's first query (query compiler, connection) is then paid ahead.
 */
function warmDatabase(): { url: string; db: Db } | null {
  const url = process.env.CRASH_WARM_DATABASE_URL;
  if (!url || process.env.CRASH_SPEC) return null;
  const db = createDb(url);
  db.$queryRawUnsafe("SELECT 1").catch(() => {});
  return { url, db };
}

async function main() {
  const warm = warmDatabase();
  spec = await readSpec();
  const db = warm?.url === spec.databaseUrl ? warm.db : createDb(spec.databaseUrl);
  const points = crashPoints(spec);
  const result = await driveRunWith(
    {
      db,
      owner: spec.owner,
      config: { ...spec.config, keys: spec.config.keys.map((k) => ({ id: k.id, key: Buffer.from(k.key, "base64") })) },
      call: {
        retry: { maxAttempts: 4, baseDelayMs: 20, maxDelayMs: 200, totalBudgetMs: 10_000 },
        recorder: {
          onCall: (call: CallRecord) => {
            const answered = call.status !== null && call.status < 300;
            const said = `${call.method} ${call.path}`;
            const hit = points.findIndex(
              (p) =>
                answered &&
                (("afterCall" in p && said.endsWith(p.afterCall)) || ("afterCallMatching" in p && new RegExp(p.afterCallMatching).test(said))),
            );
            if (hit >= 0) die(hit);
            if (
              spec.stallAfterCall &&
              !stalled &&
              answered &&
              currentStep === spec.stallInStep &&
              `${call.method} ${call.path}`.endsWith(spec.stallAfterCall)
            )
              stall();
          },
        },
      },
      onEvent: (event) => {
        if (event.type === "stepStarted") currentStep = event.step;
        if (event.type !== "stepFinished" || event.status !== "succeeded") return;
        const hit = points.findIndex((p) => "afterStep" in p && p.afterStep === event.step);
        if (hit >= 0) die(hit);
      },
    },
    spec.runId,
  );
  console.log(JSON.stringify({ status: result.status }));
  await db.$disconnect();
  process.exit(0);
}

// A plain call, not top-level await: tsx loads this file as CommonJS.
main().catch((error) => {
  console.error(error);
  process.exit(1);
});
