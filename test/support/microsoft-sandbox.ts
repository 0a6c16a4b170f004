/**
 * Integration-test support for `lib/microsoft`: one in-process sandbox per test file, reset before every test to the
 * default world in which Contoso has already consented to the portal (as after a first admin sign-in) and the
 * portal app allows public client flows, so tests sign admins in with ROPC instead of a browser.
 * Used only by `*.integration.test.ts`.
 */
import { afterAll, beforeAll, beforeEach } from "vitest";
import { createSandboxClient, type SandboxClient } from "@/emulator/client";
import { startSandbox, type RunningSandbox } from "@/emulator/core/server";
import type { SandboxState } from "@/emulator/core/state";
import { buildConsentedScenario, withPortalConsent } from "@/emulator/scenarios/consented";
import { buildRealisticScenario } from "@/emulator/scenarios/realistic";
import { ENVIRONMENTS, PORTAL_APP, PORTAL_APP_SECRET, SANDBOX_PASSWORD, TENANTS } from "@/emulator/scenarios/ids";
import type { CallRecord, CallRecorder } from "../../lib/microsoft/http";
import { signInWithPassword, type AdminSession } from "../../lib/microsoft/admin-session";
import type { IdentityConfig } from "../../lib/microsoft/identity-config";

export { ENVIRONMENTS, PORTAL_APP, SANDBOX_PASSWORD, TENANTS };

export const CONTOSO_ADMIN = "admin@contoso.onmicrosoft.com";
export const CONTOSO_MFA_ADMIN = "mfa.admin@contoso.onmicrosoft.com";
export const CONTOSO_USER = "user@contoso.onmicrosoft.com";
/** The default scenario after Contoso's admin consented to the portal (see emulator/scenarios/consented.ts). */
export const consentedScenario = buildConsentedScenario;

/**
 * The rehearsal speed of the realistic sandbox's lags in the engine suites (the sandbox's `lagScale` setting): its
 * 2 s replication and 3 s admission lag pass in 400 and 600 ms, with the same refusals before success. Budgets that
 * must outlast those lags (engine-fixture.ts) are scaled with it.
 */
const REALISTIC_LAG_SCALE = 0.2;

/**
 * The worlds the engine's crash, race and "exactly one of everything" suites run against, both after Contoso's admin
 * consented to the portal: the default one, and the realistic one (replication and admission lag, neutral wording,
 * roles through groups and teams, a soft-deleted application user, a 180-day secret cap; emulator/scenarios/realistic.ts)
 * on the scaled clock above.
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
export type EngineScenario = keyof typeof ENGINE_SCENARIOS;

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

/** A fresh copy of the world the current test started from (to change and reset to). */
export function scenarioState(fx: MicrosoftSandbox): SandboxState {
  return (fx.scenario ?? consentedScenario)();
}

/** Within a describe block: the sandbox resets to `name`'s world before each of its tests. */
export function useSandboxScenario(fx: MicrosoftSandbox, name: EngineScenario): void {
  let previous: (() => SandboxState) | undefined;
  beforeAll(() => {
    previous = fx.scenario;
    fx.scenario = ENGINE_SCENARIOS[name];
  });
  afterAll(() => {
    fx.scenario = previous;
  });
}

export type MicrosoftSandbox = {
  origin: string;
  control: SandboxClient;
  config: IdentityConfig;
  graphUrl: string;
  discoveryUrl: string;
  environmentUrl: (urlName: string) => string;
  sandbox: RunningSandbox;
  /** The world each test starts from (set per describe block by useSandboxScenario); the file's default otherwise. */
  scenario?: () => SandboxState;
};

/** Starts a sandbox for the test file and resets it to `scenario` (default: consentedScenario) before each test. */
export function useMicrosoftSandbox(scenario: () => SandboxState = consentedScenario): MicrosoftSandbox {
  const fixture = {} as MicrosoftSandbox;
  beforeAll(async () => {
    if (!process.env.NODE_EXTRA_CA_CERTS?.endsWith("ca-bundle.pem")) {
      throw new Error("Run with NODE_EXTRA_CA_CERTS=$PWD/.data/sandbox/ca-bundle.pem: Node reads it only at start-up.");
    }
    fixture.sandbox = await startSandbox({ port: 0 });
    fixture.origin = fixture.sandbox.origin;
    fixture.control = createSandboxClient(fixture.origin);
    fixture.graphUrl = `${fixture.origin}/graph`;
    fixture.discoveryUrl = `${fixture.origin}/globaldisco`;
    fixture.environmentUrl = (urlName) => `${fixture.origin}/dynamics/${urlName}`;
    fixture.config = {
      authorityHost: fixture.origin,
      graphUrl: fixture.graphUrl,
      discoveryUrl: fixture.discoveryUrl,
      portalClientId: PORTAL_APP.appId,
      portalClientSecret: PORTAL_APP_SECRET,
    };
  });
  beforeEach(async () => {
    await fixture.control.reset({ state: (fixture.scenario ?? scenario)() });
  });
  afterAll(async () => {
    await fixture.sandbox?.close();
  });
  return fixture;
}

/** Signs a Contoso user in to the portal app with ROPC (no browser), as the CLI's password path does. */
export function signInAs(fx: MicrosoftSandbox, username: string = CONTOSO_ADMIN): Promise<AdminSession> {
  return signInWithPassword({ config: fx.config, tenant: TENANTS.contoso, username, password: SANDBOX_PASSWORD });
}

/** A recorder that keeps every call, for assertions on retries and call counts. */
export function callLog(): CallRecorder & { calls: CallRecord[] } {
  const calls: CallRecord[] = [];
  return { calls, onCall: (c) => void calls.push(c) };
}

/** Fast retries for tests: real backoff shapes, small numbers. */
export const FAST_RETRY = { maxAttempts: 4, baseDelayMs: 20, maxDelayMs: 200, totalBudgetMs: 10_000 };

/** Decodes a JWT's payload (tests read claims). */
export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8")) as Record<string, unknown>;
}
