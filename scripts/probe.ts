/**
 * `npm run probe -- --connection <id>` | `npm run probe -- --due`
 *
 * `--connection` probes one Active connection's health now, as the portal does (lib/health/probe-connection.ts): cloud,
 * a token with the stored client secret, WhoAmI and the connector's privileges; on-premises, WhoAmI with the domain user. Records the result (and the `connection.health_changed` event
 * when the state or cause changed) and prints it line by line: the state, the cause, the customer's fix.
 * `--due` runs every probe that is due now, once, as the portal's scheduler would (claiming each, so a running portal
 * never probes the same connection at the same moment), HEALTH_PROBE_CONCURRENCY at a time: one line per connection as
 * it ends (state, cause), then a summary.
 * Exits 0 whatever the connections' health; 1 when a probe could not run (unknown id, not Active, bad configuration);
 * 2 for bad arguments.
 */
import { hostname } from "node:os";
import { parseArgs } from "node:util";
import { z } from "zod";
import { printCommandError } from "../lib/cli/command-error";
import { createDb, type Db } from "../lib/core/db";
import { parseEnv, type Env } from "../lib/core/env-schema";
import { probeConnection } from "../lib/health/probe-connection";
import { probeDueConnections } from "../lib/health/probe-due-connections";
import { engineConfigFromEnv, type EngineConfig } from "../lib/provisioning/config";

const connectionId = z
  .string()
  .trim()
  .min(1, "--connection <connection id> is required")
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, "--connection is a connection id (letters, digits, - and _)");
const argsSchema = z
  .object({ connection: connectionId.optional(), due: z.boolean().optional() })
  .refine(
    (a) => (a.connection === undefined) !== (a.due === undefined),
    "--connection <connection id> is required (or --due to run every due probe)",
  );

const color = (code: number) => (s: string) => (process.stdout.isTTY ? `\u001b[${code}m${s}\u001b[0m` : s);
const STATE_COLOR = { healthy: color(32), degraded: color(33), failing: color(31) } as const;
const dim = color(2);

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { connection: { type: "string" }, due: { type: "boolean" } }, strict: true });
  const args = argsSchema.safeParse(values);
  if (!args.success) {
    console.error(`✗ ${args.error.issues[0].message}`);
    return 2;
  }
  const env = parseEnv(process.env);
  const db = createDb(env.DATABASE_URL);
  try {
    const config = engineConfigFromEnv(env);
    const id = args.data.connection;
    if (id === undefined) return await probeDue(env, { db, config });
    console.log(`Probing connection ${id}: signing in as Act-On's connector, WhoAmI, then (cloud) its privileges…`);
    const result = await probeConnection({ db, config }, { connectionId: id });
    if (!result.ok) {
      console.error(`✗ ${result.error.userMessage}`);
      return 1;
    }
    const r = result.value;
    const paint = STATE_COLOR[r.state];
    console.log(`  State        ${paint(r.state)}${r.previousState && r.previousState !== r.state ? dim(` (was ${r.previousState})`) : ""}`);
    console.log(`  Since        ${r.since.toISOString()}`);
    if (r.cause) console.log(`  Cause        ${r.cause}`);
    if (r.fix) console.log(`  Fix          ${r.fix}`);
    if (r.detail) console.log(`  Microsoft    ${dim(r.detail)}`);
    console.log(`  Checked      ${r.checkedAt.toISOString()} ${dim(`(${r.durationMs} ms)`)}`);
    console.log(`  Webhook      ${r.changed ? "connection.health_changed queued for Act-On" : dim("none (no change)")}`);
    return 0;
  } finally {
    await db.$disconnect();
  }
}

/** Every due probe once, a line per connection as it ends, then the summary. */
async function probeDue(env: Env, deps: { db: Db; config: EngineConfig }): Promise<number> {
  if (env.HEALTH_PROBE_INTERVAL_HOURS === 0) {
    console.error("✗ Scheduled probes are off (HEALTH_PROBE_INTERVAL_HOURS=0), so no probe is ever due. Probe one with --connection <id>.");
    return 2;
  }
  console.log(`Running every due probe, ${env.HEALTH_PROBE_CONCURRENCY} at a time…`);
  const started = performance.now();
  const summary = await probeDueConnections(
    { ...deps, owner: `probe-cli:${hostname()}:${process.pid}`, leaseMs: 60_000, intervalMs: env.HEALTH_PROBE_INTERVAL_HOURS * 3600_000 },
    {
      concurrency: env.HEALTH_PROBE_CONCURRENCY,
      onProbed: (id, result) => {
        if (!result.ok) return console.log(`  ${color(31)("✗")} ${id}  not probed: ${result.error.userMessage}`);
        const r = result.value;
        const was = r.previousState && r.previousState !== r.state ? dim(` (was ${r.previousState})`) : "";
        console.log(
          `  ${STATE_COLOR[r.state]("●")} ${id}  ${STATE_COLOR[r.state](r.state)}${was}${r.cause ? `  ${r.cause}` : ""}  ${dim(`${r.durationMs} ms`)}`,
        );
      },
    },
  );
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `Probed ${summary.probed} in ${seconds} s: ${summary.healthy} healthy, ${summary.degraded} degraded, ${summary.failing} failing` +
      (summary.notProbed ? `; ${summary.notProbed} could not be probed` : "") +
      (summary.probed + summary.notProbed === 0 ? dim(" (nothing was due)") : ""),
  );
  return summary.notProbed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    printCommandError(e);
    process.exit(1);
  },
);
