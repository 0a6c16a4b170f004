/**
 * Seeds a console bench database with N accounts, each with one connection, its latest run and that run's steps,
 * deterministically (same N, same rows), straight through the database driver: 100,000 connections through Prisma
 * one row at a time would take longer than the bench itself. Columns and formats are the ones Prisma writes.
 */
import Database from "better-sqlite3";
import pg from "pg";
import { stepsFor, type StepName } from "../lib/domain/run/machine";

const DAY = 86_400_000;
const NAMES = ["Fabrikam", "Northwind", "Tailspin", "Wingtip", "Woodgrove", "Litware", "Adventure Works", "Proseware", "Lamna", "Trey Research"];
const ERRORS: Record<string, { code: string; message: string }> = {
  preconditions: { code: "insufficient_privileges", message: "Your account cannot register apps in this tenant." },
  adminConsent: { code: "consent_required", message: "An administrator needs to approve access for Act-On." },
  applicationUser: { code: "insufficient_privileges", message: "You are not a System Administrator of this environment." },
  verify: { code: "client_secret_invalid", message: "Dynamics refused the client secret." },
  appRegistration: { code: "throttled", message: "Microsoft asked us to slow down; we will retry." },
};
const FAILING: StepName[] = ["preconditions", "adminConsent", "applicationUser", "verify", "appRegistration"];

/** A small deterministic PRNG (mulberry32), so every bench seeds the same data. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pad = (i: number) => String(i).padStart(6, "0");
/** The identifiers of seeded connection `i`, so the bench can search for a real one. */
export function seededIdentity(i: number) {
  const hex = i.toString(16).padStart(12, "0");
  return {
    actonAccountId: `acct-${pad(i)}`,
    accountName: `${NAMES[i % NAMES.length]} ${pad(i)}`,
    tenantId: `70000000-0000-4000-8000-${hex}`,
    tenantDomain: `org${pad(i)}.onmicrosoft.com`,
    environmentUrl: `https://org${pad(i)}.crm.dynamics.com`,
  };
}

type Rows = { accounts: unknown[][]; connections: unknown[][]; runs: unknown[][]; steps: unknown[][] };

function generate(count: number, now: number): Rows {
  const rnd = random(42);
  const rows: Rows = { accounts: [], connections: [], runs: [], steps: [] };
  for (let i = 1; i <= count; i++) {
    const id = seededIdentity(i);
    const r = rnd();
    const status =
      r < 0.7 ? "active" : r < 0.78 ? "failed" : r < 0.83 ? "actionRequired" : r < 0.86 ? "provisioning" : r < 0.95 ? "draft" : "disconnected";
    const m = rnd();
    const authMode = m < 0.8 ? "cloud" : m < 0.92 ? "legacy" : "onprem";
    const updatedAt = new Date(now - Math.floor(rnd() * 730 * DAY));
    const created = new Date(updatedAt.getTime() - Math.floor(rnd() * 30 * DAY));
    const failing = status === "failed" || status === "actionRequired" ? FAILING[Math.floor(rnd() * FAILING.length)] : null;
    const steps = stepsFor("connect", authMode as "cloud" | "legacy" | "onprem");
    const failingStep = failing && steps.includes(failing) ? failing : failing ? "verify" : null;
    const hasSecret = authMode === "cloud" && (status === "active" || status === "failed");
    const secretExpiresAt = hasSecret ? new Date(now + Math.floor((rnd() * 760 - 30) * DAY)) : null;
    const lastVerifiedAt = status === "active" ? new Date(updatedAt.getTime() - Math.floor(rnd() * DAY)) : null;
    const accountId = `a${pad(i)}`;
    const connectionId = `c${pad(i)}`;
    const runId = status === "draft" ? null : `r${pad(i)}`;
    rows.accounts.push([accountId, id.actonAccountId, id.accountName, created, updatedAt]);
    rows.connections.push([
      connectionId,
      accountId,
      authMode,
      status,
      status === "draft" ? null : id.environmentUrl,
      status === "draft" ? null : `${NAMES[i % NAMES.length]} Sales`,
      authMode === "onprem" ? null : id.tenantId,
      authMode === "onprem" ? null : id.tenantDomain,
      lastVerifiedAt,
      secretExpiresAt,
      failingStep ? ERRORS[failingStep].code : null,
      failingStep ? ERRORS[failingStep].message : null,
      runId,
      failingStep,
      failingStep ? ERRORS[failingStep].code : null,
      updatedAt,
      created,
      updatedAt,
    ]);
    if (!runId) continue;
    const runStatus = status === "active" || status === "disconnected" ? "succeeded" : status === "provisioning" ? "running" : "failed";
    rows.runs.push([runId, connectionId, "connect", runStatus, created, updatedAt, created, updatedAt]);
    const failAt = failingStep ? steps.indexOf(failingStep) : status === "provisioning" ? 3 : steps.length;
    steps.forEach((name, position) => {
      const stepStatus = position < failAt ? "succeeded" : position === failAt ? (status === "provisioning" ? "running" : "failed") : "pending";
      const failed = stepStatus === "failed";
      rows.steps.push([
        `${runId}-${position}`,
        runId,
        connectionId,
        name,
        position,
        stepStatus,
        failed ? 3 : stepStatus === "pending" ? 0 : 1,
        stepStatus === "pending" ? null : created,
        stepStatus === "succeeded" || failed ? created : null,
        failed ? (ERRORS[name]?.code ?? "internal") : null,
        failed ? (ERRORS[name]?.message ?? "Something went wrong.") : null,
        failed ? JSON.stringify([`req-${pad(i)}-${position}`]) : null,
        updatedAt,
      ]);
    });
  }
  return rows;
}

const COLUMNS = {
  Account: ["id", "actonAccountId", "name", "createdAt", "updatedAt"],
  Connection: [
    "id",
    "accountId",
    "authMode",
    "status",
    "environmentUrl",
    "environmentName",
    "tenantId",
    "tenantDomain",
    "lastVerifiedAt",
    "secretExpiresAt",
    "lastErrorCode",
    "lastErrorMessage",
    "currentRunId",
    "failingStep",
    "failingErrorCode",
    "statusChangedAt",
    "createdAt",
    "updatedAt",
  ],
  ProvisioningRun: ["id", "connectionId", "kind", "status", "startedAt", "finishedAt", "createdAt", "updatedAt"],
  ProvisioningStep: [
    "id",
    "runId",
    "connectionId",
    "name",
    "position",
    "status",
    "attempts",
    "startedAt",
    "finishedAt",
    "errorCode",
    "userMessage",
    "requestIds",
    "updatedAt",
  ],
} as const;

const tables = (rows: Rows) =>
  [
    ["Account", rows.accounts],
    ["Connection", rows.connections],
    ["ProvisioningRun", rows.runs],
    ["ProvisioningStep", rows.steps],
  ] as const;

/** Prisma's SQLite text format for DateTime: `2026-12-02T02:01:22.490+00:00`. */
const sqliteValue = (v: unknown) => (v instanceof Date ? v.toISOString().replace("Z", "+00:00") : v);

export async function seedConsoleBench(url: string, count: number, now = Date.now()): Promise<{ rows: number }> {
  const rows = generate(count, now);
  let total = 0;
  if (url.startsWith("file:")) {
    const db = new Database(url.slice("file:".length));
    db.pragma("journal_mode = WAL");
    for (const [table, data] of tables(rows)) {
      const cols = COLUMNS[table];
      const insert = db.prepare(`INSERT INTO "${table}" (${cols.map((c) => `"${c}"`).join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`);
      db.transaction(() => {
        for (const row of data) insert.run(...row.map(sqliteValue));
      })();
      total += data.length;
    }
    db.exec("ANALYZE");
    db.close();
    return { rows: total };
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const [table, data] of tables(rows)) {
      const cols = COLUMNS[table];
      // One INSERT ... SELECT FROM unnest(column arrays) per chunk: a few statements instead of a million rows' worth.
      for (let start = 0; start < data.length; start += 25_000) {
        const chunk = data.slice(start, start + 25_000);
        const arrays = cols.map((_, k) => chunk.map((row) => row[k]));
        const casts = cols.map((col, k) => `$${k + 1}::${pgArrayType(table, col)}`);
        await client.query(`INSERT INTO "${table}" (${cols.map((c) => `"${c}"`).join(", ")}) SELECT * FROM unnest(${casts.join(", ")})`, arrays);
      }
      total += data.length;
    }
    await client.query("ANALYZE");
  } finally {
    await client.end();
  }
  return { rows: total };
}

function pgArrayType(table: string, column: string): string {
  if (column === "status") return table === "Connection" ? '"ConnectionStatus"[]' : table === "ProvisioningRun" ? '"RunStatus"[]' : '"StepStatus"[]';
  if (column === "authMode") return '"AuthMode"[]';
  if (column === "kind") return '"RunKind"[]';
  if (column === "requestIds") return "jsonb[]";
  if (column === "position" || column === "attempts") return "int[]";
  if (column.endsWith("At")) return "timestamp(3)[]";
  return "text[]";
}
