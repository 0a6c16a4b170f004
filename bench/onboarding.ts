/**
 * One cloud-mode onboarding as the benches drive it: Contoso's admin signs in with a password, the portal plans a
 * connection to Contoso Sales with the least-privilege role, the admin approves, and the engine drives every step.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseConnectorCertificate } from "../lib/core/connector-certificate";
import type { CredentialMode } from "../lib/domain/secret/credential-mode";
import { actonConnectorIdentity } from "../lib/microsoft/identity-config";
import { ensureAccount } from "../lib/domain/account/ensure-account";
import type { Db } from "../lib/core/db";
import { signInWithPassword } from "../lib/microsoft/admin-session";
import type { IdentityConfig } from "../lib/microsoft/identity-config";
import { approveRun } from "../lib/provisioning/approve-run";
import type { EngineConfig } from "../lib/provisioning/config";
import { driveRunWith, type Engine } from "../lib/provisioning/engine";
import type { DriveResult } from "../lib/provisioning/runner";
import { startRun } from "../lib/provisioning/start-run";
import { ACTON_SERVICES, PORTAL_APP, PORTAL_APP_SECRET, SANDBOX_PASSWORD, TENANTS } from "../emulator/scenarios/ids";

const CONTOSO_ADMIN = "admin@contoso.onmicrosoft.com";

/**
 * The engine's configuration against the sandbox at `origin` (the portal's defaults, generous budgets). For the
 * connector credential the portal is configured with the Act-On Connector as the sandbox made it (its certificate
 * beside the sandbox's TLS material in `.data/sandbox`, where the bench's sandbox process keeps it).
 */
export function benchEngineConfig(origin: string, credential: CredentialMode = "certificate"): EngineConfig {
  const identity: IdentityConfig = {
    authorityHost: origin,
    graphUrl: `${origin}/graph`,
    discoveryUrl: `${origin}/globaldisco`,
    portalClientId: PORTAL_APP.appId,
    portalClientSecret: PORTAL_APP_SECRET,
    ...(credential === "connector" ? { actonConnector: sandboxConnector() } : {}),
  };
  return {
    identity,
    allowedDynamicsHosts: [new URL(origin).host],
    onPremisesAllowedPrivateHosts: [],
    keys: [{ id: "bench", key: randomBytes(32) }],
    budget: { stepBudgetMs: 120_000, maxAttempts: 20 },
    pollIntervalMs: 1_000,
    leaseMs: 30_000,
    replicationWindowMs: 10_000,
    secretLifetimeDays: 365,
    maxInlineWaitMs: 30_000,
    callTimeoutMs: 30_000,
    stepTimeoutMs: 120_000,
    pauseMs: 1_000,
    concurrency: 4,
    adminSessionTtlMs: 60 * 60_000,
  };
}

function sandboxConnector() {
  const parsed = parseConnectorCertificate(readFileSync(join(__dirname, "..", ".data", "sandbox", "acton-connector.pem"), "utf8"));
  if (!parsed.ok) throw new Error(`the sandbox's connector certificate: ${parsed.message}`);
  return actonConnectorIdentity({ appId: ACTON_SERVICES.connector.appId, ...parsed.value })!;
}

export type OnboardingMarks = { start: number; signedIn: number; planned: number; applied: number };

/**
 * Signs in, plans, approves and drives one onboarding; `onPhase` hears when each phase begins (the sequential bench
 * files Microsoft calls under it). @throws when any phase fails or the run does not succeed
 */
export async function onboardOnce(
  db: Db,
  config: EngineConfig,
  owner: string,
  onPhase: (phase: "sign-in" | "plan" | "apply") => void = () => {},
  credential: CredentialMode = "certificate",
  onEvent?: Engine["onEvent"],
): Promise<OnboardingMarks> {
  // The account exists before the admin signs in: Act-On's link creates it when it is opened.
  const account = await ensureAccount(db, { actonAccountId: `bench-${randomBytes(6).toString("hex")}`, name: "Bench" });
  const start = performance.now();
  onPhase("sign-in");
  const session = await signInWithPassword({ config: config.identity, tenant: TENANTS.contoso, username: CONTOSO_ADMIN, password: SANDBOX_PASSWORD });
  const signedIn = performance.now();
  onPhase("plan");
  // As in the portal, the approval wakes the run (its run pool drives it at once) before it builds the admin's view.
  let driving: Promise<DriveResult> | null = null;
  const engine: Engine = { db, config, owner, onEvent, wake: (runId) => void (driving ??= driveRunWith(engine, runId)) };
  const actor = { type: "admin" as const, id: CONTOSO_ADMIN, tenantId: TENANTS.contoso };
  const started = await startRun(engine, {
    accountId: account.id,
    kind: "connect",
    options: { mode: "cloud", environment: "Contoso Sales", requestedBy: CONTOSO_ADMIN, credential },
    session,
    actor,
  });
  if (!started.ok) throw new Error(`plan: ${started.error.userMessage}`);
  const planned = performance.now();
  onPhase("apply");
  const approved = await approveRun(engine, { runId: started.value.id, actor });
  if (!approved.ok) throw new Error(`approval: ${approved.error.userMessage}`);
  const result = await (driving ?? driveRunWith(engine, started.value.id));
  if (result.status !== "succeeded") throw new Error(`run ended ${result.status}`);
  return { start, signedIn, planned, applied: performance.now() };
}
