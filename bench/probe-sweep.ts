/**
 * `npx tsx --conditions=react-server bench/probe-sweep.ts [--connections 10000] [--concurrency 64] [--latency 100]
 * [--provider sqlite|postgresql]` (NODE_EXTRA_CA_CERTS=.data/sandbox/ca-bundle.pem, as `npm run bench` sets it)
 *
 * The health probe sweep with N Active connections due at once: one connection is onboarded through the engine, its
 * Microsoft objects are copied N-1 times in the sandbox (each copy its own app, secret and application user, so
 * Dataverse's per-user service protection applies per connection as at Microsoft), its rows copied in the portal's
 * database with each copy's own sealed secret, every connection made due now, and `probeDueConnections` (what
 * `npm run probe -- --due` and the portal's scheduler run) probes them all at `--concurrency` (HEALTH_PROBE_CONCURRENCY,
 * at most 64) with `--latency` ms added to every Microsoft call. Prints the rate, the portal's CPU per probe and
 * in all, the sandbox's CPU (its own process), peak RSS, the outcomes and the 429s Microsoft answered.
 */
import { fork } from "node:child_process";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createSandboxClient } from "../emulator/client";
import { ENVIRONMENTS } from "../emulator/scenarios/ids";
import { createDb } from "../lib/core/db";
import { printCommandError } from "../lib/cli/command-error";
import { readSecret, storeSecret } from "../lib/domain/secret/store-secret";
import { probeDueConnections } from "../lib/health/probe-due-connections";
import { createBenchDatabase } from "./bench-database";
import { countMicrosoftCalls } from "./call-counter";
import { benchEngineConfig, onboardOnce } from "./onboarding";
import type { Clone, CloneRequest } from "./probe-sweep-sandbox";
import { processCpuMs } from "./sandbox-process";

type FromSandbox = { origin?: string; clones?: Clone[] };

async function main() {
  const { values } = parseArgs({
    options: {
      connections: { type: "string", default: "10000" },
      concurrency: { type: "string", default: "64" },
      latency: { type: "string", default: "100" },
      provider: { type: "string", default: "sqlite" },
    },
  });
  const count = Number(values.connections);
  const concurrency = Number(values.concurrency);
  const latency = Number(values.latency);
  const provider = values.provider as "sqlite" | "postgresql";

  const child = fork(join(__dirname, "probe-sweep-sandbox.ts"), [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "ignore", "inherit", "ipc"] });
  const next = () => new Promise<FromSandbox>((resolve) => child.once("message", (m) => resolve(m as FromSandbox)));
  const { origin } = await next();
  const sandboxCpuMs = () => processCpuMs(child.pid!);
  const control = createSandboxClient(origin!);
  const config = benchEngineConfig(origin!);
  const database = await createBenchDatabase(provider, "probe-sweep");
  const db = createDb(database.url);
  try {
    // One real connection, onboarded as an admin would, then copied. With a client secret: the sandbox copies the
    // app's password credential into each copy (a certificate's key would have to be copied with it).
    const setupStart = performance.now();
    await onboardOnce(db, config, "probe-sweep", undefined, "secret");
    const original = await db.connection.findFirstOrThrow({ where: { status: "active" } });
    const secretRow = await db.secret.findFirstOrThrow({ where: { connectionId: original.id, kind: "clientSecret", status: "active" } });
    const secret = await readSecret(db, { secretId: secretRow.id, keys: config.keys });
    if (!secret?.ok) throw new Error("the onboarded connection's secret could not be read");
    const request: CloneRequest = { appId: original.clientId!, environmentUrlName: ENVIRONMENTS.contosoSales.urlName, count: count - 1 };
    child.send(request);
    const { clones } = await next();
    const { id: _id, currentRunId: _run, createdAt: _c, updatedAt: _u, syncOptions: _s, ...columns } = original;
    for (let start = 0; start < clones!.length; start += 500) {
      const batch = clones!.slice(start, start + 500).map((c) => ({ ...c, id: crypto.randomUUID() }));
      await db.connection.createMany({
        data: batch.map((c) => ({
          ...columns,
          id: c.id,
          clientId: c.appId,
          applicationObjectId: c.applicationObjectId,
          servicePrincipalId: c.servicePrincipalId,
          applicationUserId: c.applicationUserId,
        })),
      });
      for (const c of batch)
        await storeSecret(db, {
          connectionId: c.id,
          kind: "clientSecret",
          plaintext: secret.value,
          keys: config.keys,
          status: "active",
          microsoftKeyId: c.keyId,
          expiresAt: secretRow.expiresAt,
        });
    }
    await db.connection.updateMany({
      where: { status: "active" },
      data: { probeDueAt: new Date(Date.now() - 1000), probeLeaseOwner: null, probeLeaseUntil: null },
    });
    console.log(
      `\nset up ${count} Active connections (${clones!.length} copies of one onboarded) in ${((performance.now() - setupStart) / 1000).toFixed(1)} s`,
    );

    await control.setSettings({ baseLatencyMs: latency });
    const counted = countMicrosoftCalls();
    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 250);
    const sandboxBefore = sandboxCpuMs();
    const cpu = process.cpuUsage();
    const start = performance.now();
    const summary = await probeDueConnections(
      {
        db,
        config: { identity: config.identity, keys: config.keys, callTimeoutMs: config.callTimeoutMs },
        owner: "probe-sweep",
        leaseMs: 60_000,
        intervalMs: 24 * 3600_000,
      },
      { concurrency, onProbed: () => {} },
    );
    const wallMs = performance.now() - start;
    const used = process.cpuUsage(cpu);
    const sandboxUsed = sandboxCpuMs() - sandboxBefore;
    clearInterval(sampler);
    counted.stop();
    const cpuMs = (used.user + used.system) / 1000;
    console.log(
      `Probe sweep: ${count} connections due at once, concurrency ${concurrency}, ${latency} ms added to every Microsoft call, ${provider}`,
    );
    console.log(
      `  probed          ${summary.probed} (healthy ${summary.healthy}, degraded ${summary.degraded}, failing ${summary.failing}), not probed ${summary.notProbed}`,
    );
    console.log(`  wall            ${(wallMs / 1000).toFixed(1)} s, ${((summary.probed + summary.notProbed) / (wallMs / 1000)).toFixed(1)} probes/s`);
    console.log(
      `  portal CPU      ${(cpuMs / 1000).toFixed(1)} s in all, ${(cpuMs / count).toFixed(2)} ms per probe (${((100 * cpuMs) / wallMs).toFixed(0)} % of one core)`,
    );
    console.log(`  sandbox CPU     ${(sandboxUsed / 1000).toFixed(1)} s (its own process)`);
    console.log(`  peak RSS        ${(peakRss / 2 ** 20).toFixed(0)} MB (portal process)`);
    console.log(`  Microsoft calls ${counted.calls} (${(counted.calls / count).toFixed(1)} per probe), 429 answers ${counted.throttled}`);
  } finally {
    await db.$disconnect();
    await database.drop();
    child.disconnect();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    printCommandError(error);
    process.exit(1);
  },
);
