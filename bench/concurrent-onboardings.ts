/**
 * N cloud onboardings at once in this process against the sandbox (in its own process) at `latency` ms per Microsoft
 * call, for each N and each database: whether all succeeded, p50/p95 of each onboarding's wall time, the portal's
 * CPU per onboarding (process.cpuUsage over the batch / N: the figure that survives a loaded machine; it counts the
 * thread pool too, where certificate keys are generated), the event loop's busy time per onboarding ("loop busy":
 * what delays every other onboarding of the process; on a loaded machine it also counts time the thread waited for a
 * core), p95 over a single onboarding's wall, Microsoft calls per onboarding and the 429s Microsoft answered. Every onboarding acts as
 * the same Contoso admin, so Dataverse's service protection (52 requests at once per user) applies as at Microsoft;
 * `dataverseConcurrentLimit` raises the sandbox's limit, and the table says so.
 */
import { performance } from "node:perf_hooks";
import { createSandboxClient } from "../emulator/client";
import type { CredentialMode } from "../lib/domain/secret/credential-mode";
import { createDb } from "../lib/core/db";
import { createBenchDatabase } from "./bench-database";
import { countMicrosoftCalls } from "./call-counter";
import { benchEngineConfig, onboardOnce } from "./onboarding";
import { startSandboxProcess } from "./sandbox-process";

type Options = {
  counts: number[];
  providers: ("sqlite" | "postgresql")[];
  latency: number;
  credential: CredentialMode;
  dataverseConcurrentLimit?: number;
};

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export async function benchConcurrentOnboardings(options: Options): Promise<void> {
  const sandbox = await startSandboxProcess();
  const control = createSandboxClient(sandbox.origin);
  const config = benchEngineConfig(sandbox.origin, options.credential);
  const limit = options.dataverseConcurrentLimit;
  console.log(
    `\nConcurrent cloud onboardings (${options.credential} credential), ${options.latency} ms added to every Microsoft call, sandbox in its own process; ` +
      `Dataverse concurrent-request limit per user: ${limit ? `${limit} (raised by --dataverse-concurrent)` : "52 (Microsoft's)"}\n`,
  );
  const header = [
    "database",
    "N",
    "succeeded",
    "p50 ms",
    "p95 ms",
    "p95/single",
    "CPU ms/onb",
    "loop busy",
    "sandbox CPU",
    "calls/onb",
    "429s",
    "RSS MB",
  ];
  console.log(header.map((h, i) => (i === 0 ? h.padEnd(11) : h.padStart(12))).join(""));
  try {
    for (const provider of options.providers) {
      const database = await createBenchDatabase(provider, "concurrency-bench");
      const db = createDb(database.url);
      let single: number | null = null;
      try {
        // Warm-up (not reported): module loading, JIT, the database's first statements.
        await control.reset({ scenario: "consented" });
        await onboardOnce(db, config, "bench-warm-up", undefined, options.credential);
        for (const n of options.counts) {
          await control.reset({ scenario: "consented" });
          await control.setSettings({ baseLatencyMs: options.latency, ...(limit ? { serviceProtection: { concurrent: limit } } : {}) });
          const counted = countMicrosoftCalls();
          const sandboxCpu = sandbox.cpuMs();
          const cpu = process.cpuUsage();
          const loop = performance.eventLoopUtilization();
          const results = await Promise.allSettled(
            Array.from({ length: n }, (_, i) => onboardOnce(db, config, `bench-${n}-${i}`, undefined, options.credential)),
          );
          const used = process.cpuUsage(cpu);
          const loopUsed = performance.eventLoopUtilization(loop);
          const sandboxUsed = sandbox.cpuMs() - sandboxCpu;
          counted.stop();
          const walls = results.flatMap((r) => (r.status === "fulfilled" ? [r.value.applied - r.value.start] : []));
          const failures = results.flatMap((r) => (r.status === "rejected" ? [String((r.reason as Error)?.message ?? r.reason)] : []));
          const p50 = walls.length ? percentile(walls, 50) : NaN;
          const p95 = walls.length ? percentile(walls, 95) : NaN;
          if (n === 1) single = p50;
          console.log(
            [
              provider.padEnd(11),
              String(n).padStart(12),
              `${walls.length}/${n}`.padStart(12),
              p50.toFixed(0).padStart(12),
              p95.toFixed(0).padStart(12),
              (single ? (p95 / single).toFixed(2) : "n/a").padStart(12),
              ((used.user + used.system) / 1000 / n).toFixed(1).padStart(12),
              (loopUsed.active / n).toFixed(1).padStart(12),
              `${(sandboxUsed / n).toFixed(1)}/onb`.padStart(12),
              (counted.calls / n).toFixed(1).padStart(12),
              String(counted.throttled).padStart(12),
              (process.memoryUsage().rss / 2 ** 20).toFixed(0).padStart(12),
            ].join(""),
          );
          const byMessage = new Map<string, number>();
          for (const f of failures) byMessage.set(f, (byMessage.get(f) ?? 0) + 1);
          for (const [message, count] of byMessage) console.log(`  failed ×${count}: ${message}`);
        }
      } finally {
        await db.$disconnect();
        await database.drop();
      }
    }
  } finally {
    await sandbox.close();
  }
}
