/**
 * The provisioning engine end to end against the Microsoft sandbox, on SQLite and PostgreSQL: every mode's happy
 * path, asserting the sandbox's own state (not only the portal's).
 */
import { describe, expect, it, vi } from "vitest";
import { ensureAccount } from "../domain/account/ensure-account";
import { CONTOSO_ADMIN, TENANTS, signInAs, useMicrosoftSandbox, type MicrosoftSandbox } from "@/test/support/microsoft-sandbox";
import { engineMatrix, useSandboxScenario } from "@/test/support/engine-scenarios";
import { providersUnderTest, useTestDatabase } from "@/test/support/test-databases";
import { approveRun } from "./approve-run";
import { driveRunWith } from "./engine";
import { startRun, type StartRunInput } from "./start-run";
import { testEngine } from "@/test/support/engine-fixture";
import { LEAST_PRIVILEGE_ROLE_PRIVILEGES } from "./least-privilege-role";
import { connectionObjects } from "@/test/support/sandbox-objects";

// Whole runs against the sandbox on a shared two-core machine: allow more than the default 30 s.
vi.setConfig({ testTimeout: 90_000 });
const providers = await providersUnderTest();
const fx: MicrosoftSandbox = useMicrosoftSandbox();
const actor = { type: "admin" as const, id: CONTOSO_ADMIN, tenantId: TENANTS.contoso };

describe.each(engineMatrix(providers))("provisioning engine on %s against the %s sandbox", (provider, scenario) => {
  const t = useTestDatabase(provider);
  useSandboxScenario(fx, scenario);

  async function connect(options: Partial<StartRunInput["options"]> & { mode: "cloud" | "legacy" | "onprem" }, extra: Partial<StartRunInput> = {}) {
    const account = await ensureAccount(t.db, { actonAccountId: `acct-${Math.random().toString(36).slice(2)}`, name: "Contoso" });
    const engine = testEngine(t.db, fx);
    const session = options.mode === "onprem" ? null : await signInAs(fx);
    const started = await startRun(engine, {
      accountId: account.id,
      kind: "connect",
      // The engine's guarantees are asserted on client secrets here; certificate mode has its own suite (credential-modes).
      options: { requestedBy: CONTOSO_ADMIN, environment: "Contoso Sales", credential: "secret", ...options },
      session,
      actor,
      ...extra,
    });
    if (!started.ok) throw new Error(`startRun failed: ${started.error.code} ${started.error.userMessage}`);
    return { engine, account, view: started.value };
  }

  it("connects in cloud mode with the least-privilege role: plan, approve, run, and exactly one of everything at Microsoft", async () => {
    const { engine, view } = await connect({ mode: "cloud" });
    expect(view.status).toBe("awaitingApproval");
    expect(view.plan?.blockers).toEqual([]);
    expect(view.plan?.environment?.url).toBe(fx.environmentUrl("contoso-sales"));
    const verbs = view.plan!.steps.flatMap((s) => s.actions.map((a) => `${s.step}:${a.verb}`));
    expect(verbs).toEqual(
      expect.arrayContaining(["appRegistration:create", "adminConsent:create", "clientSecret:create", "applicationUser:create", "verify:check"]),
    );
    // The dry run wrote nothing at Microsoft.
    expect(connectionObjects(await fx.control.getState(), view.connection.id).apps).toHaveLength(0);

    const approved = await approveRun(engine, { runId: view.id, actor });
    expect(approved.ok && approved.value.status).toBe("pending");
    const result = await driveRunWith(engine, view.id);
    expect(result.status).toBe("succeeded");

    const objects = connectionObjects(await fx.control.getState(), view.connection.id);
    expect(objects.apps).toHaveLength(1);
    const app = objects.apps[0];
    expect(app).toMatchObject({ displayName: "Act-On Integration", signInAudience: "AzureADMyOrg", isFallbackPublicClient: false });
    expect(app.requiredResourceAccess).toEqual([
      { resourceAppId: "00000007-0000-0000-c000-000000000000", resourceAccess: [{ id: "78ce3f0f-a1ce-49c2-8cde-64b5c0896db4", type: "Scope" }] },
    ]);
    expect(objects.sps).toHaveLength(1);
    expect(objects.grants).toHaveLength(1);
    expect(objects.grants[0]).toMatchObject({ consentType: "AllPrincipals", principalId: null, scope: "user_impersonation" });
    expect(objects.users).toHaveLength(1);
    expect(objects.users[0]).toMatchObject({ isdisabled: false, accessmode: 4 });
    expect(objects.roleLinks).toHaveLength(1);
    const role = objects.env.roles.find((r) => r.roleid === objects.roleLinks[0].roleid)!;
    expect(role.name).toBe("Act-On Integration");
    expect(role.allPrivileges).toBe(false);
    expect(role.privileges.map((p) => p.depth)).toEqual(LEAST_PRIVILEGE_ROLE_PRIVILEGES.map(() => "Global"));
    expect(objects.secrets).toHaveLength(1);

    const connection = await t.db.connection.findUniqueOrThrow({ where: { id: view.connection.id } });
    expect(connection).toMatchObject({
      status: "active",
      authMode: "cloud",
      clientId: app.appId,
      applicationUserId: objects.users[0].systemuserid,
      securityRole: "leastPrivilege",
    });
    expect(connection.lastVerifiedAt).toBeInstanceOf(Date);
    // A year, unless the tenant's app management policy caps credential lifetimes (the realistic sandbox: 180 days).
    const cap = (await fx.control.getState()).tenants.find((x) => x.id === TENANTS.contoso)!.passwordMaxLifetime;
    const days = Math.min(365, cap ? Number(/^P(\d+)D$/.exec(cap)![1]) : 365);
    expect(connection.secretExpiresAt!.getTime()).toBeGreaterThan(Date.now() + (days - 5) * 86_400_000);
    expect(connection.secretExpiresAt!.getTime()).toBeLessThanOrEqual(Date.now() + days * 86_400_000);
    const secrets = await t.db.secret.findMany({ where: { connectionId: connection.id } });
    expect(secrets.filter((s) => s.kind === "clientSecret" && s.status === "active")).toHaveLength(1);
    expect(secrets.find((s) => s.kind === "clientSecret")!.microsoftKeyId).toBe(objects.secrets[0].keyId);
    // The admin's sign-in is forgotten once the run succeeded.
    expect(secrets.filter((s) => s.kind === "adminTokenCache" && s.status === "active")).toHaveLength(0);
  });
});
