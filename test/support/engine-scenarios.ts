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

/** Every (database provider, sandbox scenario) pair, for `describe.each(...)("… on %s against the %s sandbox")`. */
export function engineMatrix<P extends string>(providers: P[]): [P, EngineScenario][] {
  return providers.flatMap((p) => engineScenariosUnderTest().map((s): [P, EngineScenario] => [p, s]));
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
