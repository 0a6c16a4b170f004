/**
 * Integration-test support for lib/ on the one sandbox fixture (sandbox.ts): the sandbox reset before every test to the
 * default world in which Contoso has already consented to the portal (as after a first admin sign-in) and the portal
 * app allows public client flows, so tests sign admins in with ROPC instead of a browser; the portal's identity
 * configuration pointing at it. Used only by `*.integration.test.ts`.
 */
import { beforeAll } from "vitest";
import type { SandboxState } from "@/emulator/core/state";
import { buildConsentedScenario } from "@/emulator/scenarios/consented";
import { ADFS_REGISTERED_CLIENT, ENVIRONMENTS, PORTAL_APP, PORTAL_APP_SECRET, SANDBOX_PASSWORD, TENANTS } from "@/emulator/scenarios/ids";
import type { CallRecord, CallRecorder } from "../../lib/microsoft/http";
import { signInWithPassword, type AdminSession } from "../../lib/microsoft/admin-session";
import { actonConnectorIdentity, type ActonConnectorIdentity, type IdentityConfig } from "../../lib/microsoft/identity-config";
import { parseConnectorCertificate } from "../../lib/core/connector-certificate";
import { ACTON_SERVICES } from "@/emulator/scenarios/ids";
import { readFileSync } from "node:fs";
import { useSandbox, type SandboxFixture } from "./sandbox";

export { ADFS_REGISTERED_CLIENT, ENVIRONMENTS, PORTAL_APP, SANDBOX_PASSWORD, TENANTS };

export const CONTOSO_ADMIN = "admin@contoso.onmicrosoft.com";
export const CONTOSO_MFA_ADMIN = "mfa.admin@contoso.onmicrosoft.com";
export const CONTOSO_USER = "user@contoso.onmicrosoft.com";
/** The default scenario after Contoso's admin consented to the portal (see emulator/scenarios/consented.ts). */
export const consentedScenario = buildConsentedScenario;

/** The sandbox as lib/ sees it: the portal's identity configuration and each service's base URL. */
export type MicrosoftSandbox = SandboxFixture & {
  config: IdentityConfig;
  graphUrl: string;
  discoveryUrl: string;
  environmentUrl: (urlName: string) => string;
};

/** The sandbox for the test file (sandbox.ts), reset to `scenario` (default: consentedScenario) before each test. */
export function useMicrosoftSandbox(scenario: () => SandboxState = consentedScenario): MicrosoftSandbox {
  // The same object the base fixture fills in its beforeAll, which runs before this one.
  const fixture = useSandbox({ scenario }) as MicrosoftSandbox;
  beforeAll(() => {
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

/**
 * The sandbox's "Act-On Connector" as a portal configured with it sees it (ACTON_CONNECTOR_APP_ID and the PEM file
 * the sandbox made beside its TLS material): for tests of connector mode.
 */
export function sandboxActonConnector(fx: SandboxFixture): ActonConnectorIdentity {
  const parsed = parseConnectorCertificate(readFileSync(fx.sandbox.certificates.actonConnector, "utf8"));
  if (!parsed.ok) throw new Error(`the sandbox's connector certificate: ${parsed.message}`);
  return actonConnectorIdentity({ appId: ACTON_SERVICES.connector.appId, ...parsed.value })!;
}
