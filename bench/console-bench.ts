/**
 * `npx tsx --conditions=react-server bench/console-bench.ts [--connections N] [--iterations N] [--providers sqlite,postgresql]`
 *
 * Seeds N connections (default 100,000) with their latest run and its steps, on SQLite and on PostgreSQL, then prints
 * p50/p95 of the support console's list query (first page, a deep page by cursor, each search and filter) and of the
 * list route end to end (the route handler called in-process with a real Support.Read token from an in-process
 * Microsoft sandbox: token verification, input parsing, the query and the JSON response). Targets on the project's
 * 2-core machine: p95 <= 20 ms for the query and <= 50 ms for the route. Printed figures, not a timed test.
 */
import { parseArgs } from "node:util";
import { createDb, type Db } from "../lib/core/db";
import { searchConnectionsForSupport } from "../lib/connections/search-connections-for-support";
import { encodeCursor, supportConnectionSearchSchema } from "../lib/connections/support-search";
import { createBenchDatabase } from "./bench-database";
import { seedConsoleBench, seededIdentity } from "./console-seed";
import { routeBench, type RouteBench } from "./console-route-bench";

type Case = { name: string; query: Record<string, string> };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function time(iterations: number, fn: () => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  for (let i = 0; i < Math.min(20, iterations); i++) await fn(); // warm-up: statement caches, page cache, JIT
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p95: percentile(samples, 95) };
}

async function deepCursor(db: Db, offset: number): Promise<string> {
  const rows = await db.$queryRawUnsafe<{ id: string; updatedAt: Date }[]>(
    `SELECT "id", "updatedAt" FROM "Connection" ORDER BY "updatedAt" DESC, "id" DESC LIMIT 1 OFFSET ${offset}`,
  );
  return encodeCursor({ sort: "updated", at: new Date(rows[0].updatedAt).toISOString(), id: rows[0].id });
}

async function main() {
  const { values } = parseArgs({
    options: {
      connections: { type: "string", default: "100000" },
      iterations: { type: "string", default: "200" },
      providers: { type: "string", default: "sqlite,postgresql" },
      "skip-route": { type: "boolean", default: false },
      /** Keep the seeded databases and print their URLs (for EXPLAIN while tuning); reuse one with --sqlite-url/--postgres-url. */
      keep: { type: "boolean", default: false },
      "sqlite-url": { type: "string" },
      "postgres-url": { type: "string" },
    },
  });
  const count = Number(values.connections);
  const iterations = Number(values.iterations);
  const providers = values.providers.split(",") as ("sqlite" | "postgresql")[];
  const probe = seededIdentity(Math.floor(count * 0.4321) || 1);
  const route: RouteBench | null = values["skip-route"] ? null : await routeBench();

  for (const provider of providers) {
    const reuse = provider === "sqlite" ? values["sqlite-url"] : values["postgres-url"];
    const database = reuse ? { url: reuse, drop: async () => {} } : await createBenchDatabase(provider, "console-bench");
    try {
      if (reuse) console.log(`\n${provider}: reusing ${reuse}`);
      else {
        const seedStart = performance.now();
        const seeded = await seedConsoleBench(database.url, count);
        console.log(
          `\n${provider}: seeded ${count} connections (${seeded.rows} rows with accounts, runs and steps) in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`,
        );
      }
      const db = createDb(database.url);
      const cases: Case[] = [
        { name: "first page", query: {} },
        { name: `deep page (cursor at row ${Math.floor(count * 0.6)})`, query: { cursor: await deepCursor(db, Math.floor(count * 0.6)) } },
        { name: "search: Act-On account id", query: { q: probe.actonAccountId } },
        { name: "search: account name (unique)", query: { q: probe.accountName.toLowerCase() } },
        { name: "search: account name (10% of rows)", query: { q: "Fabrikam" } },
        { name: "search: tenant id", query: { q: probe.tenantId } },
        { name: "search: tenant domain", query: { q: probe.tenantDomain.toUpperCase() } },
        { name: "search: environment URL", query: { q: probe.environmentUrl } },
        { name: "search: environment host", query: { q: new URL(probe.environmentUrl).host } },
        { name: "filter: status failed", query: { status: "failed" } },
        { name: "filter: auth mode legacy", query: { authMode: "legacy" } },
        { name: "filter: failing step adminConsent", query: { failingStep: "adminConsent" } },
        { name: "filter: secret expires within 30 days", query: { secretExpiresWithinDays: "30" } },
        { name: "filter: expiring in 30 days, soonest first", query: { secretExpiresWithinDays: "30", sort: "secretExpiry" } },
        { name: "filter: failed + legacy + failing step verify", query: { status: "failed", authMode: "legacy", failingStep: "verify" } },
      ];
      const header = ["case", "rows", "query p50", "query p95", "route p50", "route p95"];
      console.log(header.map((h, i) => (i === 0 ? h.padEnd(48) : h.padStart(11))).join(""));
      for (const c of cases) {
        const search = supportConnectionSearchSchema.parse(c.query);
        const first = await searchConnectionsForSupport(db, search);
        if (!first.ok) throw new Error(`${c.name}: ${first.error.userMessage}`);
        const q = await time(iterations, () => searchConnectionsForSupport(db, search));
        const r = route ? await time(iterations, () => route.get(database.url, c.query)) : null;
        console.log(
          [
            c.name.padEnd(48),
            String(first.value.rows.length).padStart(11),
            `${q.p50.toFixed(2)} ms`.padStart(11),
            `${q.p95.toFixed(2)} ms`.padStart(11),
            (r ? `${r.p50.toFixed(2)} ms` : "-").padStart(11),
            (r ? `${r.p95.toFixed(2)} ms` : "-").padStart(11),
          ].join(""),
        );
      }
      await db.$disconnect();
      await route?.release(database.url);
    } finally {
      if (values.keep) console.log(`kept ${database.url}`);
      else await database.drop();
    }
  }
  await route?.close();
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
