/**
 * `npm run bench`: the whole cloud-mode flow (admin sign-in, plan, approval, every step) against the Microsoft
 * sandbox with 100 ms added to every Microsoft call. Prints wall time, the number of Microsoft calls, the critical
 * path (the longest chain of calls that ran one after another), its lower bound (critical path × latency) and the
 * ratio of wall time to that bound. Options: --runs N (default 5), --latency MS (default 100).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createSandboxClient } from "../emulator/client";
import { startSandbox } from "../emulator/core/server";
import { ensureAccount } from "../lib/domain/account/ensure-account";
import { printCommandError } from "../lib/cli/command-error";
import { createDb } from "../lib/core/db";
import { setCallRecorder, type CallRecord } from "../lib/microsoft/http";
import { signInWithPassword } from "../lib/microsoft/admin-session";
import type { IdentityConfig } from "../lib/microsoft/identity-config";
import { approveRun } from "../lib/provisioning/approve-run";
import type { EngineConfig } from "../lib/provisioning/config";
import { driveRunWith } from "../lib/provisioning/engine";
import { startRun } from "../lib/provisioning/start-run";
import { PORTAL_APP, PORTAL_APP_SECRET, SANDBOX_PASSWORD, TENANTS } from "../emulator/scenarios/ids";

const CONTOSO_ADMIN = "admin@contoso.onmicrosoft.com";
import { migrateDatabase } from "./migrate-database";
import { criticalPath, median, type TimedCall } from "./critical-path";

type Phase = "sign-in" | "plan" | "apply";
type Sample = Record<Phase | "total", { wallMs: number; calls: number; path: number; pathCallMs: number }>;

async function main() {
  const { values } = parseArgs({ options: { runs: { type: "string", default: "5" }, latency: { type: "string", default: "100" } } });
  const runs = Math.max(1, Number(values.runs));
  const latency = Math.max(0, Number(values.latency));

  const dir = mkdtempSync(join(tmpdir(), "portal-bench-"));
  const databaseUrl = `file:${join(dir, "bench.db")}`;
  await migrateDatabase(databaseUrl);
  const db = createDb(databaseUrl);
  const sandbox = await startSandbox({ port: 0 });
  const control = createSandboxClient(sandbox.origin);
  const identity: IdentityConfig = {
    authorityHost: sandbox.origin,
    graphUrl: `${sandbox.origin}/graph`,
    discoveryUrl: `${sandbox.origin}/globaldisco`,
    portalClientId: PORTAL_APP.appId,
    portalClientSecret: PORTAL_APP_SECRET,
  };
  const config: EngineConfig = {
    identity,
    allowedDynamicsHosts: [new URL(sandbox.origin).host],
    onPremisesAllowedPrivateHosts: [],
    keys: [{ id: "bench", key: randomBytes(32) }],
    budget: { stepBudgetMs: 60_000, maxAttempts: 20 },
    pollIntervalMs: 1_000,
    leaseMs: 30_000,
    replicationWindowMs: 10_000,
    secretLifetimeDays: 365,
    maxInlineWaitMs: 30_000,
    callTimeoutMs: 30_000,
    stepTimeoutMs: 60_000,
    pauseMs: 1_000,
    concurrency: 4,
    adminSessionTtlMs: 60 * 60_000,
  };

  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    await control.reset({ scenario: "consented" });
    await control.setSettings({ baseLatencyMs: latency });
    const calls: (TimedCall & { phase: Phase })[] = [];
    let phase: Phase = "sign-in";
    setCallRecorder({
      onCall: (c: CallRecord) => {
        const endMs = performance.now();
        calls.push({ phase, startMs: endMs - c.ms, endMs, label: `${c.method} ${c.path}` });
      },
    });
    const marks: Record<string, number> = { start: performance.now() };
    const session = await signInWithPassword({ config: identity, tenant: TENANTS.contoso, username: CONTOSO_ADMIN, password: SANDBOX_PASSWORD });
    marks.signedIn = performance.now();
    phase = "plan";
    const engine = { db, config, owner: `bench-${i}` };
    const account = await ensureAccount(db, { actonAccountId: `bench-${randomBytes(4).toString("hex")}`, name: "Bench" });
    const started = await startRun(engine, {
      accountId: account.id,
      kind: "connect",
      options: { mode: "cloud", environment: "Contoso Sales", requestedBy: CONTOSO_ADMIN },
      session,
      actor: { type: "admin", id: CONTOSO_ADMIN, tenantId: TENANTS.contoso },
    });
    if (!started.ok) throw new Error(started.error.userMessage);
    marks.planned = performance.now();
    phase = "apply";
    const approved = await approveRun(engine, { runId: started.value.id, actor: { type: "admin", id: CONTOSO_ADMIN, tenantId: TENANTS.contoso } });
    if (!approved.ok) throw new Error(approved.error.userMessage);
    const result = await driveRunWith(engine, started.value.id);
    if (result.status !== "succeeded") throw new Error(`run ended ${result.status}`);
    marks.applied = performance.now();
    setCallRecorder(undefined);

    const measure = (p: Phase | "total", from: number, to: number) => {
      const subset = p === "total" ? calls : calls.filter((c) => c.phase === p);
      const path = criticalPath(subset);
      return { wallMs: to - from, calls: subset.length, path: path.length, pathCallMs: path.reduce((sum, c) => sum + (c.endMs - c.startMs), 0) };
    };
    samples.push({
      "sign-in": measure("sign-in", marks.start, marks.signedIn),
      plan: measure("plan", marks.signedIn, marks.planned),
      apply: measure("apply", marks.planned, marks.applied),
      total: measure("total", marks.start, marks.applied),
    });
    if (i === runs - 1) {
      console.log(`Critical path of the last run (${criticalPath(calls).length} calls):`);
      for (const c of criticalPath(calls)) console.log(`  ${c.label.replace(sandbox.origin, "")}`);
    }
  }

  console.log(`\nProvisioning bench: cloud mode, least-privilege role, ${runs} run(s), ${latency} ms added to every Microsoft call (medians)\n`);
  // "path calls ms": how long the critical path's calls themselves took, as the client saw them (latency + the
  // sandbox's own work + TLS); wall minus that is the portal's own time between calls.
  const header = ["phase", "wall ms", "calls", "critical path", "lower bound ms", "wall / bound", "path calls ms"];
  console.log(header.map((h, i) => (i === 0 ? h.padEnd(8) : h.padStart(15))).join(""));
  for (const p of ["sign-in", "plan", "apply", "total"] as const) {
    const wall = median(samples.map((s) => s[p].wallMs));
    const calls = median(samples.map((s) => s[p].calls));
    const path = median(samples.map((s) => s[p].path));
    const bound = path * latency;
    const ratio = bound > 0 ? (wall / bound).toFixed(2) : "n/a";
    const pathCallMs = median(samples.map((s) => s[p].pathCallMs));
    console.log(
      [
        p.padEnd(8),
        wall.toFixed(0).padStart(15),
        String(calls).padStart(15),
        String(path).padStart(15),
        bound.toFixed(0).padStart(15),
        ratio.padStart(15),
        pathCallMs.toFixed(0).padStart(15),
      ].join(""),
    );
  }
  await db.$disconnect();
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  printCommandError(error);
  process.exit(1);
});
