/**
 * Legacy OAuth, on-premises (Windows sign-in, NTLMv2), migration from a password connection to OAuth, and disconnect, end to end against the sandbox on
 * SQLite and PostgreSQL, asserting the sandbox's own state.
 */
import { beforeAll, describe, expect, it, vi } from "vitest";
import { ensureAccount } from "../domain/account/ensure-account";
import {
  CONTOSO_ADMIN,
  CONTOSO_MFA_ADMIN,
  PORTAL_APP,
  TENANTS,
  SANDBOX_PASSWORD,
  signInAs,
  useMicrosoftSandbox,
} from "@/test/support/microsoft-sandbox";
import { PORTAL_APP_SECRET } from "@/emulator/scenarios/ids";
import { storeSecret } from "../domain/secret/store-secret";
import { providersUnderTest, useTestDatabase } from "@/test/support/test-databases";
import { approveRun } from "./approve-run";
import { driveRunWith, type Engine } from "./engine";
import { connectionObjects } from "@/test/support/sandbox-objects";
import type { RunView } from "../domain/run/run-view";
import { cancelRun } from "./retry-run";
import { startDisconnect } from "./start-disconnect";
import { startRun, type StartRunInput } from "./start-run";
import { TEST_KEYS, testEngine } from "@/test/support/engine-fixture";

// Whole runs against the sandbox on a shared two-core machine: allow more than the default 30 s.
vi.setConfig({ testTimeout: 90_000 });
const providers = await providersUnderTest();
const fx = useMicrosoftSandbox();
const actor = { type: "admin" as const, id: CONTOSO_ADMIN, tenantId: TENANTS.contoso };

describe.each(providers)("provisioning modes on %s", (provider) => {
  const t = useTestDatabase(provider);
  let engine: Engine;
  beforeAll(() => {
    engine = testEngine(t.db, fx);
  });

  const newAccount = () => ensureAccount(t.db, { actonAccountId: `acct-${Math.random().toString(36).slice(2)}`, name: "Contoso" });

  async function runToEnd(started: { ok: true; value: RunView } | { ok: false; error: { code: string; userMessage: string } }) {
    if (!started.ok) throw new Error(`${started.error.code}: ${started.error.userMessage}`);
    expect(started.value.plan?.blockers).toEqual([]);
    const approved = await approveRun(engine, { runId: started.value.id, actor });
    if (!approved.ok) throw new Error(approved.error.userMessage);
    return driveRunWith(engine, started.value.id);
  }

  async function start(input: Omit<StartRunInput, "actor" | "accountId"> & { accountId?: string }) {
    const accountId = input.accountId ?? (await newAccount()).id;
    return startRun(engine, { ...input, accountId, actor });
  }

  it("connects in legacy mode: public client and implicit flags on, verified with the integration user's password", async () => {
    const started = await start({
      kind: "connect",
      options: {
        mode: "legacy",
        environment: "Contoso Sales",
        integrationUsername: CONTOSO_ADMIN,
        role: "systemAdministrator",
        requestedBy: CONTOSO_ADMIN,
      },
      session: await signInAs(fx),
      password: SANDBOX_PASSWORD,
    });
    const result = await runToEnd(started);
    expect(result.status).toBe("succeeded");
    const view = started.ok ? started.value : null;
    expect(view?.steps.map((s) => s.name)).toEqual(["environment", "preconditions", "appRegistration", "adminConsent", "applicationUser", "verify"]);
    const objects = connectionObjects(await fx.control.getState(), view!.connection.id);
    expect(objects.apps).toHaveLength(1);
    expect(objects.apps[0]).toMatchObject({
      isFallbackPublicClient: true,
      web: { implicitGrantSettings: { enableIdTokenIssuance: true, enableAccessTokenIssuance: false } },
    });
    expect(objects.secrets).toHaveLength(0);
    expect(objects.users).toHaveLength(1);
    const role = objects.env.roles.find((r) => r.roleid === objects.roleLinks[0].roleid)!;
    expect(role.roletemplateid).toBe("627090ff-40a3-4053-8790-584edc5be201");
    const connection = await t.db.connection.findUniqueOrThrow({ where: { id: view!.connection.id } });
    expect(connection).toMatchObject({
      status: "active",
      authMode: "legacy",
      integrationUsername: CONTOSO_ADMIN,
      securityRole: "systemAdministrator",
    });
    const stored = await t.db.secret.findMany({ where: { connectionId: connection.id, kind: "password" } });
    expect(stored).toHaveLength(1);
    expect(stored[0].status).toBe("active");
    expect(stored[0].ciphertext).not.toContain(SANDBOX_PASSWORD);
  });

  it("legacy: an MFA-enforced integration user is blocked before any write; cancelling the plan forgets the password", async () => {
    const before = await fx.control.getState();
    const started = await start({
      kind: "connect",
      options: { mode: "legacy", environment: "Contoso Sales", integrationUsername: CONTOSO_MFA_ADMIN, requestedBy: CONTOSO_ADMIN },
      session: await signInAs(fx),
      password: SANDBOX_PASSWORD,
    });
    if (!started.ok) throw new Error(started.error.userMessage);
    expect(started.value.plan?.blockers.map((b) => [b.code, b.reason])).toEqual([["mfa_required", "mfa_enforced"]]);
    const connectionId = started.value.connection.id;
    expect(await t.db.secret.findMany({ where: { connectionId, kind: "password" }, select: { status: true } })).toEqual([{ status: "pending" }]);

    const cancelled = await cancelRun(engine, { runId: started.value.id, actor });
    expect(cancelled.ok).toBe(true);
    const stored = await t.db.secret.findMany({ where: { connectionId, kind: "password" } });
    expect(stored.map((s) => [s.status, s.ciphertext])).toEqual([["revoked", ""]]);
    expect((await t.db.connection.findUniqueOrThrow({ where: { id: connectionId } })).status).toBe("draft");
    const after = await fx.control.getState();
    expect(after.applications.length).toBe(before.applications.length);
    expect(after.oauth2PermissionGrants.length).toBe(before.oauth2PermissionGrants.length);
  });

  it("legacy: a Conditional Access policy requiring MFA that may cover the integration user is warned about in the plan, before any write", async () => {
    const state = await fx.control.getState();
    const contoso = state.tenants.find((x) => x.id === TENANTS.contoso)!;
    const admin = state.users.find((u) => u.userPrincipalName === CONTOSO_ADMIN)!;
    contoso.conditionalAccessPolicies = [
      {
        id: "c0000000-0000-4000-8000-000000000002",
        displayName: "MFA for everyone but break-glass",
        state: "enabled",
        conditions: {
          users: { includeUsers: ["All"], excludeUsers: [admin.id], includeGroups: [], excludeGroups: [], includeRoles: [], excludeRoles: [] },
          applications: { includeApplications: ["All"], excludeApplications: [] },
          clientAppTypes: ["all"],
        },
        grantControls: { operator: "OR", builtInControls: ["mfa"] },
      },
    ];
    // The control API returns no password or secret digests: a state loaded back carries them in clear text.
    const loadable = {
      ...state,
      users: state.users.map((u) => ({ ...u, password: SANDBOX_PASSWORD })),
      applications: state.applications.map((a) =>
        a.appId === PORTAL_APP.appId
          ? {
              ...a,
              passwordCredentials: a.passwordCredentials.map((c) =>
                c.hint === PORTAL_APP_SECRET.slice(0, 3) ? { ...c, secretText: PORTAL_APP_SECRET } : c,
              ),
            }
          : a,
      ),
    };
    await fx.control.reset({ state: loadable });
    const started = await start({
      kind: "connect",
      options: { mode: "legacy", environment: "Contoso Sales", integrationUsername: CONTOSO_ADMIN, requestedBy: CONTOSO_ADMIN },
      session: await signInAs(fx),
      password: SANDBOX_PASSWORD,
    });
    if (!started.ok) throw new Error(started.error.userMessage);
    expect(started.value.plan?.blockers).toEqual([]);
    expect(started.value.plan?.notes).toContainEqual(
      expect.stringMatching(
        /Conditional Access policy “MFA for everyone but break-glass” requires multi-factor authentication and may apply to the integration user/,
      ),
    );
    expect((await fx.control.getState()).applications.length).toBe(state.applications.length);
  });

  it("connects an on-premises server with Windows sign-in (NTLM), without any Entra step, and refuses a wrong password", async () => {
    const url = fx.environmentUrl("contoso-onprem");
    const before = await fx.control.getState();
    const wrong = await start({
      kind: "connect",
      options: { mode: "onprem", environment: url, integrationUsername: "CONTOSO\\crmadmin", requestedBy: "admin" },
      password: "wrong-password",
    });
    const failed = await runToEnd(wrong);
    expect(failed.status).toBe("failed");
    expect(failed.run?.steps.find((s) => s.name === "verify")).toMatchObject({ status: "failed", errorCode: "invalid_credentials" });
    expect((await t.db.connection.findUniqueOrThrow({ where: { id: failed.run!.connectionId } })).status).toBe("failed");

    const started = await start({
      kind: "connect",
      options: { mode: "onprem", environment: url, integrationUsername: "CONTOSO\\crmadmin", requestedBy: "admin" },
      password: SANDBOX_PASSWORD,
    });
    expect(started.ok && started.value.steps.map((s) => s.name)).toEqual(["environment", "verify"]);
    const result = await runToEnd(started);
    expect(result.status).toBe("succeeded");
    const connection = await t.db.connection.findUniqueOrThrow({ where: { id: result.run!.connectionId } });
    expect(connection).toMatchObject({ status: "active", authMode: "onprem", environmentUrl: url, clientId: null });
    const after = await fx.control.getState();
    expect(after.applications.length).toBe(before.applications.length);
    expect(after.oauth2PermissionGrants.length).toBe(before.oauth2PermissionGrants.length);
  });

  it("migrates a Basic-auth connection to OAuth: app, consent, secret, application user, verify; the password is forgotten", async () => {
    const account = await newAccount();
    const basic = await t.db.connection.create({
      data: {
        accountId: account.id,
        authMode: "legacy",
        status: "active",
        environmentUrl: fx.environmentUrl("contoso-sales"),
        integrationUsername: CONTOSO_ADMIN,
      },
    });
    await storeSecret(t.db, { connectionId: basic.id, kind: "password", plaintext: SANDBOX_PASSWORD, keys: TEST_KEYS, status: "active" });
    const started = await start({
      accountId: account.id,
      connectionId: basic.id,
      kind: "migrate",
      options: { mode: "cloud", credential: "secret", requestedBy: CONTOSO_ADMIN },
      session: await signInAs(fx),
    });
    expect(started.ok && started.value.steps.map((s) => s.name)).toEqual([
      "environment",
      "appRegistration",
      "adminConsent",
      "clientSecret",
      "applicationUser",
      "verify",
    ]);
    const result = await runToEnd(started);
    expect(result.status).toBe("succeeded");
    const connection = await t.db.connection.findUniqueOrThrow({ where: { id: basic.id } });
    expect(connection).toMatchObject({ status: "active", authMode: "cloud", integrationUsername: null });
    const secrets = await t.db.secret.findMany({ where: { connectionId: basic.id, kind: { in: ["password", "clientSecret"] } } });
    expect(secrets.map((s) => `${s.kind}:${s.status}`).sort()).toEqual(["clientSecret:active", "password:revoked"]);
    expect(secrets.find((s) => s.kind === "password")!.ciphertext).toBe("");
    const objects = connectionObjects(await fx.control.getState(), basic.id);
    expect([
      objects.apps.length,
      objects.sps.length,
      objects.grants.length,
      objects.users.length,
      objects.roleLinks.length,
      objects.secrets.length,
    ]).toEqual([1, 1, 1, 1, 1, 1]);

    const again = await start({
      accountId: account.id,
      connectionId: basic.id,
      kind: "migrate",
      options: { mode: "cloud", credential: "secret", requestedBy: CONTOSO_ADMIN },
      session: await signInAs(fx),
    });
    expect(again.ok).toBe(false);
    if (!again.ok) expect(again.error.userMessage).toMatch(/user name and password/);
  });

  it("disconnects: removes the secret, disables the application user and deletes the app when asked", async () => {
    const connected = await start({
      kind: "connect",
      options: { mode: "cloud", credential: "secret", environment: "Contoso Sales", requestedBy: CONTOSO_ADMIN },
      session: await signInAs(fx),
    });
    expect((await runToEnd(connected)).status).toBe("succeeded");
    const connectionId = connected.ok ? connected.value.connection.id : "";
    const appId = (await t.db.connection.findUniqueOrThrow({ where: { id: connectionId } })).clientId!;

    const started = await startDisconnect(engine, {
      connectionId,
      scope: { removeApplicationUser: true, deleteAppRegistration: true },
      session: await signInAs(fx),
      actor,
    });
    expect(started.ok && started.value.steps.map((s) => s.name)).toEqual(["revokeSecrets", "removeApplicationUser", "deleteAppRegistration"]);
    expect(started.ok && started.value.plan?.steps.map((s) => s.actions[0].verb)).toEqual(["remove", "disable", "delete"]);
    const result = await runToEnd(started);
    expect(result.status).toBe("succeeded");

    const state = await fx.control.getState();
    expect(state.applications.some((a) => a.appId === appId)).toBe(false);
    const env = state.environments.find((e) => e.urlName === "contoso-sales")!;
    expect(env.systemUsers.find((u) => u.applicationid === appId)?.isdisabled).toBe(true);
    const connection = await t.db.connection.findUniqueOrThrow({ where: { id: connectionId } });
    expect(connection.status).toBe("disconnected");
    expect(connection.disconnectedAt).toBeInstanceOf(Date);
    const live = await t.db.secret.count({ where: { connectionId, status: { in: ["active", "pending"] } } });
    expect(live).toBe(0);
    const events = await t.db.auditEvent.findMany({ where: { connectionId }, orderBy: { occurredAt: "asc" } });
    expect(events.map((e) => e.action)).toEqual(["run.started", "run.approved", "run.started", "run.approved"]);
    expect(JSON.stringify(events)).not.toMatch(/secret[A-Za-z]*":\s*"[^"]{16,}/);
  });

  it("disconnect keeps the app and the application user unless asked, and says so in the plan", async () => {
    const connected = await start({
      kind: "connect",
      options: { mode: "cloud", credential: "secret", environment: "Contoso Sales", requestedBy: CONTOSO_ADMIN },
      session: await signInAs(fx),
    });
    expect((await runToEnd(connected)).status).toBe("succeeded");
    const connectionId = connected.ok ? connected.value.connection.id : "";
    const started = await startDisconnect(engine, {
      connectionId,
      scope: { removeApplicationUser: false, deleteAppRegistration: false },
      session: await signInAs(fx),
      actor,
    });
    expect(started.ok && started.value.plan?.notes.length).toBe(2);
    expect((await runToEnd(started)).status).toBe("succeeded");
    const objects = connectionObjects(await fx.control.getState(), connectionId);
    expect([objects.apps.length, objects.secrets.length, objects.users.filter((u) => !u.isdisabled).length]).toEqual([1, 0, 1]);
  });
});
