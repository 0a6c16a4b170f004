/**
 * A provisioning runner in its own process that dies (exit 137, as if killed) at a chosen point, so tests can prove
 * that a run resumes from the database alone. Run with `tsx --conditions=react-server` and CRASH_SPEC in the env.
 *   afterCall: "POST /graph/v1.0/applications" — right after that Microsoft call answered, before the step commits
 *   afterStep: "appRegistration" — right after that step's outcome was committed
 */
import { createDb } from "../../lib/db";
import type { CallRecord } from "../../lib/microsoft/http";
import type { EngineConfig } from "../../lib/provisioning/config";
import { driveRunWith } from "../../lib/provisioning/engine";

export type CrashSpec = {
  databaseUrl: string;
  runId: string;
  owner: string;
  config: Omit<EngineConfig, "keys"> & { keys: { id: string; key: string }[] };
  afterCall?: string;
  afterStep?: string;
};

const spec = JSON.parse(process.env.CRASH_SPEC ?? "{}") as CrashSpec;
const die = () => process.exit(137);

async function main() {
  const db = createDb(spec.databaseUrl);
  const result = await driveRunWith(
    {
      db,
      owner: spec.owner,
      config: { ...spec.config, keys: spec.config.keys.map((k) => ({ id: k.id, key: Buffer.from(k.key, "base64") })) },
      call: {
        retry: { maxAttempts: 4, baseDelayMs: 20, maxDelayMs: 200, totalBudgetMs: 10_000 },
        recorder: {
          onCall: (call: CallRecord) => {
            if (spec.afterCall && call.status !== null && call.status < 300 && `${call.method} ${call.path}`.endsWith(spec.afterCall)) die();
          },
        },
      },
      onEvent: (event) => {
        if (spec.afterStep && event.type === "stepFinished" && event.step === spec.afterStep && event.status === "succeeded") die();
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
