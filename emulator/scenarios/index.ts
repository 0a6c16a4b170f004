/**
 * Named scenarios the control API can reset to (`POST /__emulator/reset {"scenario": "<name>"}`). Each builder
 * returns a fresh state object, so a reset never shares mutable data with an earlier run.
 */
import type { SandboxState } from "../core/state";
import { buildConsentedScenario } from "./consented";
import { buildDefaultScenario } from "./default";
import { buildRealisticScenario } from "./realistic";

export const SCENARIOS: Record<string, () => SandboxState> = {
  default: buildDefaultScenario,
  /** Contoso already consented to the portal (no consent page at the first sign-in). */
  consented: buildConsentedScenario,
  /** The default world with Contoso's security defaults on: ROPC fails with AADSTS50076 for everyone there. */
  "security-defaults": () => {
    const state = buildDefaultScenario();
    state.scenario = "security-defaults";
    for (const t of state.tenants) if (t.domains[0] === "contoso.onmicrosoft.com") t.securityDefaultsEnabled = true;
    return state;
  },
  /**
   * The consented world with Contoso's default app management policy blocking new client secrets (`passwordAddition`):
   * addPassword is refused there, certificates are not.
   */
  "contoso-no-secrets": () => {
    const state = buildConsentedScenario();
    state.scenario = "contoso-no-secrets";
    for (const t of state.tenants) if (t.domains[0] === "contoso.onmicrosoft.com") t.passwordAdditionBlocked = true;
    return state;
  },
  /** A stricter world: replication and admission lag, neutral unconfirmed wording, awkward tenants (realistic.ts). */
  realistic: buildRealisticScenario,
};

export function buildScenario(name: string): SandboxState | null {
  const build = SCENARIOS[name];
  return build ? build() : null;
}
