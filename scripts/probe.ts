/**
 * `npm run probe -- --connection <id>`
 *
 * Probes one Active connection's health now, as the portal does (lib/health/probe-connection.ts): cloud, a token with
 * the stored client secret, WhoAmI and the connector's privileges; on-premises, WhoAmI with the domain user. Records the result (and the `connection.health_changed` event when the state
 * or cause changed) and prints it line by line: the state, the cause, the customer's fix. Exits 0 whatever the
 * connection's health; non-zero only when the probe could not run (unknown id, not Active, bad configuration).
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { printCommandError } from "../lib/cli/command-error";
import { createDb } from "../lib/core/db";
import { parseEnv } from "../lib/core/env-schema";
import { probeConnection } from "../lib/health/probe-connection";
import { engineConfigFromEnv } from "../lib/provisioning/config";

const argsSchema = z.object({
  connection: z
    .string({ error: "--connection <connection id> is required" })
    .trim()
    .min(1, "--connection <connection id> is required")
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, "--connection is a connection id (letters, digits, - and _)"),
});

const color = (code: number) => (s: string) => (process.stdout.isTTY ? `\u001b[${code}m${s}\u001b[0m` : s);
const STATE_COLOR = { healthy: color(32), degraded: color(33), failing: color(31) } as const;
const dim = color(2);

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { connection: { type: "string" } }, strict: true });
  const args = argsSchema.safeParse(values);
  if (!args.success) {
    console.error(`✗ ${args.error.issues[0].message}`);
    return 2;
  }
  const env = parseEnv(process.env);
  const db = createDb(env.DATABASE_URL);
  try {
    const config = engineConfigFromEnv(env);
    console.log(`Probing connection ${args.data.connection}: signing in as Act-On's connector, WhoAmI, then (cloud) its privileges…`);
    const result = await probeConnection({ db, config }, { connectionId: args.data.connection });
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

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    printCommandError(e);
    process.exit(1);
  },
);
