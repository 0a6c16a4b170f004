/**
 * `npm run bench`: the whole cloud-mode flow (admin sign-in, plan, approval, every step) against the Microsoft
 * sandbox with 100 ms added to every Microsoft call. Prints wall time, the number of Microsoft calls, two critical
 * paths with the bound each implies (chain × latency) and wall time over it: the observed chain (the longest chain of
 * calls that ran one after another) and the intrinsic one (the longest chain of calls an onboarding truly needs, from
 * the declared dependencies in intrinsic-path.ts). Options: --runs N (default 5), --latency MS (default 100), --trace
 * (every call of the last run, with its start and end), --credential certificate|secret|connector (default
 * certificate, the portal's default without the Act-On Connector configured).
 *
 * `npm run bench -- --concurrency 1,20,100,200 [--providers sqlite,postgresql] [--dataverse-concurrent N]`: N
 * onboardings at once in this process instead (bench/concurrent-onboardings.ts).
 */
import { parseArgs } from "node:util";
import { createSandboxClient } from "../emulator/client";
import { printCommandError } from "../lib/cli/command-error";
import { createDb } from "../lib/core/db";
import { CREDENTIAL_MODES } from "../lib/domain/secret/credential-mode";
import { setCallRecorder, type CallRecord } from "../lib/microsoft/http";
import { createBenchDatabase } from "./bench-database";
import { benchConcurrentOnboardings } from "./concurrent-onboardings";
import { startSandboxProcess } from "./sandbox-process";
import { criticalPath, median, type TimedCall } from "./critical-path";
import { intrinsicBound, ONBOARDING_CALLS, PHASES, type Phase } from "./intrinsic-path";
import { benchEngineConfig, onboardOnce } from "./onboarding";

type Sample = Record<Phase | "total", { wallMs: number; calls: number; path: number; pathCallMs: number }>;

async function main() {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: "5" },
      latency: { type: "string", default: "100" },
      concurrency: { type: "string" },
      providers: { type: "string", default: "sqlite,postgresql" },
      "dataverse-concurrent": { type: "string" },
      credential: { type: "string", default: "certificate" },
      trace: { type: "boolean", default: false },
    },
  });
  const runs = Math.max(1, Number(values.runs));
  const latency = Math.max(0, Number(values.latency));
  const credential = CREDENTIAL_MODES.find((m) => m === values.credential);
  if (!credential) throw new Error(`--credential must be one of ${CREDENTIAL_MODES.join(", ")}`);

  if (values.concurrency) {
    await benchConcurrentOnboardings({
      counts: values.concurrency.split(",").map(Number),
      providers: values.providers.split(",") as ("sqlite" | "postgresql")[],
      latency,
      credential,
      dataverseConcurrentLimit: values["dataverse-concurrent"] ? Number(values["dataverse-concurrent"]) : undefined,
    });
    return;
  }

  const database = await createBenchDatabase("sqlite", "portal-bench");
  const db = createDb(database.url);
  // Microsoft is not in the portal's process: the sandbox runs in its own, so its work (signing tokens, checking
  // assertions) neither lengthens the portal's time between calls nor counts in it.
  const sandbox = await startSandboxProcess();
  const control = createSandboxClient(sandbox.origin);
  const config = benchEngineConfig(sandbox.origin, credential);

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
    // The run's step boundaries, for --trace: what the engine does between Microsoft's answers.
    const steps: { atMs: number; label: string }[] = [];
    const marks = await onboardOnce(
      db,
      config,
      `bench-${i}`,
      (p) => (phase = p),
      credential,
      (e) => {
        if (e.type !== "runFinished") steps.push({ atMs: performance.now(), label: `${e.type === "stepStarted" ? "begins" : "ends"} ${e.step}` });
      },
    );
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
    if (values.trace && i === runs - 1) {
      const t0 = calls[0]?.startMs ?? 0;
      const lines = [
        ...calls.map((c) => ({
          at: c.startMs,
          text: `  ${(c.startMs - t0).toFixed(0).padStart(5)}-${(c.endMs - t0).toFixed(0).padStart(5)} ${c.phase.padEnd(8)} ${c.label.replace(sandbox.origin, "")}`,
        })),
        ...steps.map((s) => ({ at: s.atMs, text: `  ${(s.atMs - t0).toFixed(0).padStart(5)}       step     ${s.label}` })),
        { at: marks.planned, text: `  ${(marks.planned - t0).toFixed(0).padStart(5)}       apply    (the admin approves)` },
        { at: marks.applied, text: `  ${(marks.applied - t0).toFixed(0).padStart(5)}       done` },
      ];
      for (const line of lines.sort((a, b) => a.at - b.at)) console.log(line.text);
    }
    if (i === runs - 1) {
      console.log(`Critical path of the last run (${criticalPath(calls).length} calls):`);
      for (const c of criticalPath(calls)) console.log(`  ${c.label.replace(sandbox.origin, "")}`);
    }
  }

  const intrinsic = intrinsicBound(ONBOARDING_CALLS);
  console.log(
    `\nIntrinsic dependency bound (bench/intrinsic-path.ts: ${ONBOARDING_CALLS.length} calls an onboarding needs; longest chain per phase):`,
  );
  for (const p of PHASES) console.log(`  ${p}: ${intrinsic.phases[p].map((c) => c.id).join(" → ")}`);

  console.log(
    `\nProvisioning bench: cloud mode, ${credential} credential, least-privilege role, ${runs} run(s), ${latency} ms added to every Microsoft call (medians)\n`,
  );
  // "observed chain": the longest chain of calls that ran one after another, read from the calls' own order (it
  // includes every read the engine chose to make); "intrinsic": the longest chain of calls that truly need each other.
  // "path calls ms": how long the observed chain's calls themselves took, as the client saw them (latency + the
  // sandbox's own work + TLS); wall minus that is the portal's own time between calls.
  const header = [
    "phase",
    "wall ms",
    "calls",
    "observed chain",
    "its bound ms",
    "wall / it",
    "intrinsic",
    "its bound ms",
    "wall / it",
    "path calls ms",
  ];
  console.log(header.map((h, i) => (i === 0 ? h.padEnd(8) : h.padStart(15))).join(""));
  for (const p of [...PHASES, "total"] as const) {
    const wall = median(samples.map((s) => s[p].wallMs));
    const calls = median(samples.map((s) => s[p].calls));
    const path = median(samples.map((s) => s[p].path));
    const bound = path * latency;
    const needed = p === "total" ? intrinsic.total : intrinsic.phases[p].length;
    const neededBound = needed * latency;
    const ratio = (b: number) => (b > 0 ? (wall / b).toFixed(2) : "n/a");
    const pathCallMs = median(samples.map((s) => s[p].pathCallMs));
    console.log(
      [
        p.padEnd(8),
        wall.toFixed(0).padStart(15),
        String(calls).padStart(15),
        String(path).padStart(15),
        bound.toFixed(0).padStart(15),
        ratio(bound).padStart(15),
        String(needed).padStart(15),
        neededBound.toFixed(0).padStart(15),
        ratio(neededBound).padStart(15),
        pathCallMs.toFixed(0).padStart(15),
      ].join(""),
    );
  }
  await db.$disconnect();
  await sandbox.close();
  await database.drop();
}

main().catch((error: unknown) => {
  printCommandError(error);
  process.exit(1);
});
