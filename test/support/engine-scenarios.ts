/**
 * The worlds the engine's crash, race, failure-mode, run-guarantee and "exactly one of everything" suites run against,
 * as a matrix with the database providers, on the one sandbox fixture (sandbox.ts): each describe block switches the
 * world its tests start from.
 */
import { afterAll, beforeAll } from "vitest";
import type { SandboxState } from "@/emulator/core/state";
import { buildConsentedScenario, withPortalConsent } from "@/emulator/scenarios/consented";
import { buildDefaultScenario } from "@/emulator/scenarios/default";
import { buildRealisticScenario } from "@/emulator/scenarios/realistic";
import type { SandboxFixture } from "./sandbox";

/**
 * The rehearsal speed of the realistic sandbox's lags in the engine suites (the sandbox's `lagScale` setting): its
 * 2 s replication and 3 s admission lag pass in 400 and 600 ms, with the same refusals before success. Budgets that
 * must outlast those lags (engine-fixture.ts) are scaled with it.
 */
const REALISTIC_LAG_SCALE = 0.2;

/**
 * Both worlds are after Contoso's admin consented to the portal: the default one, and the realistic one (replication
 * and admission lag, neutral wording, roles through groups and teams, a soft-deleted application user, a 180-day
 * secret cap; emulator/scenarios/realistic.ts) on the scaled clock above.
 */
const ENGINE_SCENARIOS = {
  default: buildConsentedScenario,
  realistic: () => {
    const state = withPortalConsent(buildRealisticScenario());
    state.scenario = "realistic";
    state.settings.lagScale = REALISTIC_LAG_SCALE;
    return state;
  },
} satisfies Record<string, () => SandboxState>;
type EngineScenario = keyof typeof ENGINE_SCENARIOS;

/**
 * The scenarios under test: both, unless ENGINE_SCENARIOS names a subset (comma-separated) for a quicker local loop.
 */
function engineScenariosUnderTest(): EngineScenario[] {
  const all = Object.keys(ENGINE_SCENARIOS) as EngineScenario[];
  const wanted = process.env.ENGINE_SCENARIOS?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (!wanted?.length) return all;
  const unknown = wanted.filter((w) => !all.includes(w as EngineScenario));
  if (unknown.length) throw new Error(`ENGINE_SCENARIOS names unknown scenarios: ${unknown.join(", ")} (known: ${all.join(", ")})`);
  return all.filter((s) => wanted.includes(s));
}

/**
 * The (database provider, sandbox scenario) pairs the engine suites run, for
 * `describe.each(...)("… on %s against the %s sandbox")`: a cover, not the cross product. Each provider and each
 * scenario is run at least once — SQLite against the realistic world, PostgreSQL against the default one — because
 * what the provider decides (leases and "now" on the database's clock, claims, transactions) does not depend on
 * Microsoft's lag, and what the realistic world adds (lag, wording, roles through groups) does not depend on the
 * database. `ENGINE_MATRIX=full` runs every pair (four times the work of one, twice the cover's).
 */
export function engineMatrix<P extends string>(providers: P[]): [P, EngineScenario][] {
  const scenarios = engineScenariosUnderTest();
  const pairs = providers.flatMap((p) => scenarios.map((s): [P, EngineScenario] => [p, s]));
  if (process.env.ENGINE_MATRIX === "full") return pairs;
  return coverOf(pairs, PREFERRED_COVER);
}

/** Which scenario each provider prefers in the cover: the realistic world's lag on the quicker database. */
const PREFERRED_COVER: Record<string, EngineScenario> = { sqlite: "realistic", postgresql: "default" };

/** The smallest subset of `pairs` in which every provider and every scenario appears, preferring `preferred`. */
function coverOf<P extends string>(pairs: [P, EngineScenario][], preferred: Record<string, EngineScenario>): [P, EngineScenario][] {
  const chosen = pairs.filter(([p, s]) => preferred[p] === s);
  for (const pair of pairs) {
    const [p, s] = pair;
    const providerCovered = chosen.some(([q]) => q === p);
    const scenarioCovered = chosen.some(([, t]) => t === s);
    if (!providerCovered || !scenarioCovered) chosen.push(pair);
  }
  return pairs.filter((pair) => chosen.includes(pair));
}

/** Within a describe block: the sandbox resets to `name`'s world before each of its tests. */
export function useSandboxScenario(fx: SandboxFixture, name: EngineScenario): void {
  let previous: (() => SandboxState) | undefined;
  beforeAll(() => {
    previous = fx.scenario;
    fx.scenario = ENGINE_SCENARIOS[name];
  });
  afterAll(() => {
    fx.scenario = previous;
  });
}

/** A fresh copy of the world the current test started from (to change and reset to). */
export function scenarioState(fx: SandboxFixture): SandboxState {
  return (fx.scenario ?? buildDefaultScenario)();
}
