/**
 * The manual path's proof against the sandbox. The hand-made setup (app, secret, service principal, application user
 * with the least-privilege role) is made once by the engine, the way an admin following the manual instructions
 * would end up; each test then breaks one part of it in the sandbox's state and checks that the proof names that
 * part and its fix.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { SandboxState } from "@/emulator/core/state";
import { STANDARD_PRIVILEGES } from "@/emulator/dataverse/privileges-catalog";
import { PORTAL_APP_SECRET } from "@/emulator/scenarios/ids";
import { ENVIRONMENTS, FAST_RETRY, PORTAL_APP, TENANTS, useMicrosoftSandbox } from "@/test/support/microsoft-sandbox";
import { LEAST_PRIVILEGE_ROLE_NAME } from "../provisioning/least-privilege-role";
import { testEngine } from "@/test/support/engine-fixture";
import { useTestDatabase } from "@/test/support/test-databases";
import { makeHandMadeSetup } from "@/test/support/hand-made-setup";
import type { ManualConnectionInput } from "./manual-connection-schema";
import { verifyManualConnection } from "./verify-manual-connection";

const fx = useMicrosoftSandbox();

type Setup = { input: ManualConnectionInput; state: SandboxState; systemUserId: string; appId: string };

describe("verifyManualConnection", () => {
  const t = useTestDatabase("sqlite");
  let setup: Setup | undefined;

  async function makeSetup(): Promise<Setup> {
    const made = await makeHandMadeSetup(t.db, testEngine(t.db, fx), fx);
    return {
      input: made.input,
      state: await fx.control.getState(),
      systemUserId: made.connection.applicationUserId!,
      appId: made.connection.clientId!,
    };
  }

  /**
   * The control API never returns secret digests, so a state read back must carry the secrets in clear text
   * (`secretText`) to be loaded again: ours (by its hint) and the portal app's.
   */
  function loadable(state: SandboxState, s: Setup): SandboxState {
    for (const app of state.applications) {
      const text = app.appId === s.appId ? s.input.clientSecret : app.appId === PORTAL_APP.appId ? PORTAL_APP_SECRET : null;
      if (!text) continue;
      app.passwordCredentials = app.passwordCredentials.map((c) => (c.hint === text.slice(0, 3) ? { ...c, secretText: text } : c));
    }
    return state;
  }

  beforeEach(async () => {
    if (!setup) setup = await makeSetup();
    else await fx.control.reset({ state: loadable(structuredClone(setup.state), setup) });
  });

  const verify = (input: Partial<ManualConnectionInput> = {}) =>
    verifyManualConnection({ ...setup!.input, ...input }, { config: fx.config, allowedDynamicsHosts: [new URL(fx.origin).host], retry: FAST_RETRY });

  /** Changes the sandbox's state (as the admin would by hand) and loads it. */
  async function change(edit: (state: SandboxState, s: Setup) => void) {
    const state = structuredClone(setup!.state);
    edit(state, setup!);
    await fx.control.reset({ state: loadable(state, setup!) });
  }
  const salesEnv = (state: SandboxState) => state.environments.find((e) => e.urlName === ENVIRONMENTS.contosoSales.urlName)!;

  it("proves a complete setup: client credentials, WhoAmI, and a read of every connector table", async () => {
    const result = await verify();
    expect(result).toMatchObject({
      ok: true,
      proof: {
        tenantId: TENANTS.contoso,
        environmentUrl: setup!.input.environmentUrl,
        whoAmI: { userId: setup!.systemUserId },
        tablesRead: ["leads", "contacts", "accounts", "annotations", "lists", "systemusers"],
      },
    });
  });

  it("accepts the tenant's domain instead of its id", async () => {
    const result = await verify({ tenant: "contoso.onmicrosoft.com" });
    expect(result).toMatchObject({ ok: true, proof: { tenantId: TENANTS.contoso } });
  });

  it("names the secret when it is wrong", async () => {
    const result = await verify({ clientSecret: "not-the-secret~value" });
    expect(result).toMatchObject({ ok: false, problem: { part: "secret", field: "clientSecret", title: "Wrong client secret" } });
    expect(!result.ok && result.problem.fix).toContain("Value (not its Secret ID)");
  });

  it("names an expired secret", async () => {
    await change((state, s) => {
      const app = state.applications.find((a) => a.appId === s.appId)!;
      for (const c of app.passwordCredentials) c.endDateTime = new Date(Date.now() - 86_400_000).toISOString();
    });
    const result = await verify();
    expect(result).toMatchObject({ ok: false, problem: { part: "secret", title: "Client secret expired" } });
  });

  it("names a tenant that does not exist", async () => {
    const result = await verify({ tenant: "0b9e7d2a-1111-4222-8333-944455556666" });
    expect(result).toMatchObject({ ok: false, problem: { part: "tenant", field: "tenant", title: "Tenant not found" } });
  });

  it("names an app that is not registered in that tenant", async () => {
    const result = await verify({ clientId: "5f1d2c3b-aaaa-4bbb-8ccc-ddddeeeeffff" });
    expect(result).toMatchObject({ ok: false, problem: { part: "app", field: "clientId", title: "App not found in that tenant" } });
  });

  it("names missing consent (no enterprise application in the tenant) with the admin-consent link", async () => {
    await change((state, s) => {
      state.servicePrincipals = state.servicePrincipals.filter((sp) => sp.appId !== s.appId);
    });
    const result = await verify();
    expect(result).toMatchObject({ ok: false, problem: { part: "consent", title: "Consent missing" } });
    expect(!result.ok && result.problem.fix).toContain(`/adminconsent?client_id=${setup!.appId}`);
  });

  it("names a missing application user", async () => {
    await change((state, s) => {
      const env = salesEnv(state);
      env.systemUsers = env.systemUsers.filter((u) => u.systemuserid !== s.systemUserId);
      env.systemUserRoles = env.systemUserRoles.filter((r) => r.systemuserid !== s.systemUserId);
    });
    const result = await verify();
    expect(result).toMatchObject({ ok: false, problem: { part: "applicationUser", title: "No application user for this app" } });
    expect(!result.ok && result.problem.fix).toContain("New app user");
  });

  it("names a disabled application user", async () => {
    await change((state, s) => {
      salesEnv(state).systemUsers.find((u) => u.systemuserid === s.systemUserId)!.isdisabled = true;
    });
    const result = await verify();
    expect(result).toMatchObject({ ok: false, problem: { part: "applicationUser", title: "Application user disabled" } });
  });

  it("names each privilege the role lacks, with the Act-On feature that needs it", async () => {
    await change((state) => {
      const env = salesEnv(state);
      const role = env.roles.find((r) => r.name === LEAST_PRIVILEGE_ROLE_NAME)!;
      const catalogue = env.privileges ?? STANDARD_PRIVILEGES;
      const drop = new Set(catalogue.filter((p) => p.name === "prvReadContact" || p.name === "prvReadAccount").map((p) => p.privilegeid));
      role.privileges = role.privileges.filter((p) => !drop.has(p.privilegeid));
    });
    const result = await verify();
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problem).toMatchObject({ part: "privileges", code: "insufficient_privileges" });
    expect(result.problem.missingPrivileges).toEqual([
      { privilege: "prvReadContact", table: "Contact", feature: expect.stringContaining("Sync contacts") },
      { privilege: "prvReadAccount", table: "Account", feature: expect.stringContaining("account (company)") },
    ]);
  });

  it("an environment without Dynamics 365 Sales (no leads, no lists) connects, skipping those tables and naming the Act-On features they serve", async () => {
    await change((state) => {
      salesEnv(state).withoutSales = true;
    });
    const result = await verify();
    expect(result.ok, JSON.stringify(result)).toBe(true);
    if (!result.ok) return;
    expect(result.proof.tablesRead).toEqual(["contacts", "accounts", "annotations", "systemusers"]);
    expect(result.proof.tablesMissing).toEqual(["leads", "lists"]);
    expect(result.proof.unavailableFeatures).toEqual([
      expect.stringContaining("Sync leads both ways"),
      expect.stringContaining("Import Dynamics marketing lists"),
    ]);
  });

  it("refuses an environment URL on a host that is not a Dynamics host, before any call", async () => {
    const result = await verify({ environmentUrl: "https://evil.example.com" });
    expect(result).toMatchObject({ ok: false, problem: { part: "environmentUrl", field: "environmentUrl" } });
  });
});
