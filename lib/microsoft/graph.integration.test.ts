import { describe, expect, it } from "vitest";
import { DIRECTORY_ROLE_TEMPLATES, DYNAMICS_CRM_APP_ID, DYNAMICS_USER_IMPERSONATION_SCOPE_ID } from "./constants";
import { isMicrosoftError, MicrosoftError } from "./errors";
import {
  addClientSecret,
  createApplication,
  createPermissionGrant,
  createServicePrincipal,
  deleteApplication,
  ensureGrantScope,
  ensurePermissionGrant,
  findApplicationByAppId,
  findApplicationByTag,
  findDataverseServicePrincipal,
  findPermissionGrant,
  findServicePrincipal,
  getPerUserMfaState,
  getSecurityDefaults,
  getSignedInAdmin,
  listDirectoryRoles,
  listEligibleDirectoryRoles,
  removeClientSecret,
  updateApplicationFlows,
  type GraphContext,
} from "./graph";
import type { CallRecorder, RetryPolicy } from "./http";
import { getAdminToken, signInWithPassword } from "./admin-session";
import {
  callLog,
  consentedScenario,
  CONTOSO_ADMIN,
  CONTOSO_USER,
  FAST_RETRY,
  SANDBOX_PASSWORD,
  signInAs,
  TENANTS,
  useMicrosoftSandbox,
} from "@/test/support/microsoft-sandbox";

const fx = useMicrosoftSandbox();

async function graphAs(
  username = CONTOSO_ADMIN,
  extra: { recorder?: CallRecorder; retry?: Partial<RetryPolicy>; timeoutMs?: number } = {},
): Promise<GraphContext> {
  const session = await signInAs(fx, username);
  return { baseUrl: fx.graphUrl, getToken: () => getAdminToken(session, "graph", { config: fx.config }), retry: FAST_RETRY, ...extra };
}

const TAG = "acton-connection:test-1";

describe("the signed-in admin and the tenant", () => {
  it("reads the admin, their tenant, roles, MFA state and security defaults", async () => {
    const graph = await graphAs();
    const admin = await getSignedInAdmin(graph);
    expect(admin).toMatchObject({
      userPrincipalName: CONTOSO_ADMIN,
      tenantId: TENANTS.contoso,
      tenantName: "Contoso",
      tenantDomain: "contoso.onmicrosoft.com",
    });
    const roles = await listDirectoryRoles(graph);
    expect(roles.map((r) => r.roleTemplateId)).toEqual(
      expect.arrayContaining([DIRECTORY_ROLE_TEMPLATES.globalAdministrator, DIRECTORY_ROLE_TEMPLATES.dynamics365Administrator]),
    );
    const state = await fx.control.getState();
    const mfaAdmin = state.users.find((u) => u.userPrincipalName === "mfa.admin@contoso.onmicrosoft.com")!;
    expect(await getPerUserMfaState(graph, { userId: mfaAdmin.id })).toBe("enforced");
    expect(await getPerUserMfaState(graph, { userId: admin.userId })).toBe("disabled");
    expect(await getSecurityDefaults(graph)).toEqual({ isEnabled: false });
  });

  it("a plain user holds no directory roles", async () => {
    expect(await listDirectoryRoles(await graphAs(CONTOSO_USER))).toEqual([]);
  });

  it("reads an admin's PIM-eligible roles apart from their active ones: Global Administrator eligible, none active", async () => {
    const graph = await graphAs("pim.admin@contoso.onmicrosoft.com");
    expect(await listDirectoryRoles(graph)).toEqual([]);
    expect(await listEligibleDirectoryRoles(graph)).toEqual([DIRECTORY_ROLE_TEMPLATES.globalAdministrator]);
    expect(await listEligibleDirectoryRoles(await graphAs())).toEqual([]);
  });

  it("says eligibility is unknown when the sign-in lacks a permission that may read it", async () => {
    const state = consentedScenario();
    for (const grant of state.oauth2PermissionGrants) {
      grant.scope = grant.scope
        .split(" ")
        .filter((s) => !/^RoleManagement\./i.test(s))
        .join(" ");
    }
    await fx.control.reset({ state });
    expect(await listEligibleDirectoryRoles(await graphAs("pim.admin@contoso.onmicrosoft.com"))).toBeNull();
  });
});

describe("app registration, secret, service principal and consent", () => {
  it("runs the whole registration idempotently and the sandbox holds what we asked for", async () => {
    const graph = await graphAs();
    expect(await findApplicationByTag(graph, { tag: TAG })).toBeNull();

    const app = await createApplication(graph, { displayName: "Act-On Integration", tags: ["acton-dynamics-connector", TAG], legacy: false });
    expect(app).toMatchObject({ displayName: "Act-On Integration", allowsPublicClientFlows: false, requestsDynamicsImpersonation: true });
    expect((await findApplicationByTag(graph, { tag: TAG }))?.objectId).toBe(app.objectId);
    expect((await findApplicationByAppId(graph, { appId: app.appId }))?.objectId).toBe(app.objectId);

    let state = await fx.control.getState();
    const stored = state.applications.find((a) => a.appId === app.appId)!;
    expect(stored).toMatchObject({
      tenantId: TENANTS.contoso,
      signInAudience: "AzureADMyOrg",
      isFallbackPublicClient: false,
      tags: ["acton-dynamics-connector", TAG],
    });
    expect(stored.requiredResourceAccess).toEqual([
      { resourceAppId: DYNAMICS_CRM_APP_ID, resourceAccess: [{ id: DYNAMICS_USER_IMPERSONATION_SCOPE_ID, type: "Scope" }] },
    ]);

    await updateApplicationFlows(graph, { objectId: app.objectId, legacy: true });
    state = await fx.control.getState();
    expect(state.applications.find((a) => a.appId === app.appId)).toMatchObject({
      isFallbackPublicClient: true,
      web: { implicitGrantSettings: { enableIdTokenIssuance: true, enableAccessTokenIssuance: false } },
    });

    const secret = await addClientSecret(graph, { objectId: app.objectId, displayName: "acton-2026", endDateTime: "2027-01-01T00:00:00Z" });
    expect(secret.secretText.length).toBeGreaterThanOrEqual(16);
    state = await fx.control.getState();
    expect(state.applications.find((a) => a.appId === app.appId)!.passwordCredentials.map((p) => p.keyId)).toEqual([secret.keyId]);
    expect(await removeClientSecret(graph, { objectId: app.objectId, keyId: secret.keyId, tenantId: TENANTS.contoso })).toBe("removed");
    // Already gone: proven by re-reading the application, which no longer lists the key.
    expect(await removeClientSecret(graph, { objectId: app.objectId, keyId: secret.keyId, tenantId: TENANTS.contoso })).toBe("alreadyGone");
    state = await fx.control.getState();
    expect(state.applications.find((a) => a.appId === app.appId)!.passwordCredentials).toEqual([]);

    const sp = await createServicePrincipal(graph, { appId: app.appId });
    const again = await createServicePrincipal(graph, { appId: app.appId }); // 409 → the existing one
    expect(again.objectId).toBe(sp.objectId);
    expect((await findServicePrincipal(graph, { appId: app.appId }))?.objectId).toBe(sp.objectId);

    const dataverse = await findDataverseServicePrincipal(graph);
    expect(dataverse?.appId).toBe(DYNAMICS_CRM_APP_ID);
    const grant = await createPermissionGrant(graph, { clientSpId: sp.objectId, resourceSpId: dataverse!.objectId, scope: "user_impersonation" });
    expect(grant).toMatchObject({ consentType: "AllPrincipals", scopes: ["user_impersonation"] });
    const dup = await createPermissionGrant(graph, { clientSpId: sp.objectId, resourceSpId: dataverse!.objectId }); // conflict → existing
    expect(dup.id).toBe(grant.id);
    expect((await findPermissionGrant(graph, { clientSpId: sp.objectId, resourceSpId: dataverse!.objectId }))?.id).toBe(grant.id);

    state = await fx.control.getState();
    expect(state.oauth2PermissionGrants.filter((g) => g.clientId === sp.objectId)).toEqual([
      expect.objectContaining({ consentType: "AllPrincipals", principalId: null, resourceId: dataverse!.objectId, scope: "user_impersonation" }),
    ]);

    expect(await deleteApplication(graph, { objectId: app.objectId, tenantId: TENANTS.contoso })).toBe("removed");
    // Already deleted: proven because the admin acts in the app's own tenant and it is not there.
    expect(await deleteApplication(graph, { objectId: app.objectId, tenantId: TENANTS.contoso })).toBe("alreadyGone");
    // Without the owning tenant a 404 proves nothing.
    await expect(deleteApplication(graph, { objectId: app.objectId })).rejects.toSatisfy((e) => isMicrosoftError(e, "not_found"));
    expect(await findApplicationByAppId(graph, { appId: app.appId })).toBeNull();
  });

  it("a removal seen from another tenant is never taken for proof: the secret and the app stay recorded as live", async () => {
    const graph = await graphAs();
    const app = await createApplication(graph, { displayName: "Act-On Integration", tags: [TAG], legacy: false });
    const secret = await addClientSecret(graph, { objectId: app.objectId, displayName: "acton", endDateTime: "2027-01-01T00:00:00Z" });
    const stranger = await signInWithPassword({
      config: fx.config,
      tenant: TENANTS.actoncorp,
      username: "support.admin@actoncorp.onmicrosoft.com",
      password: SANDBOX_PASSWORD,
    });
    const other: GraphContext = { baseUrl: fx.graphUrl, getToken: () => getAdminToken(stranger, "graph", { config: fx.config }), retry: FAST_RETRY };
    const removal = await removeClientSecret(other, { objectId: app.objectId, keyId: secret.keyId, tenantId: TENANTS.contoso }).catch((e) => e);
    expect(isMicrosoftError(removal)).toBe(true);
    const deletion = await deleteApplication(other, { objectId: app.objectId, tenantId: TENANTS.contoso }).catch((e) => e);
    expect(isMicrosoftError(deletion)).toBe(true);
    const state = await fx.control.getState();
    expect(state.applications.find((a) => a.appId === app.appId)!.passwordCredentials.map((p) => p.keyId)).toEqual([secret.keyId]);
  });

  it("widens a grant that lacks a scope with one PATCH, and leaves a complete one alone", async () => {
    const graph = await graphAs();
    const app = await createApplication(graph, { displayName: "Act-On Integration", tags: [TAG], legacy: false });
    const sp = await createServicePrincipal(graph, { appId: app.appId });
    const state0 = await fx.control.getState();
    const graphSp = state0.servicePrincipals.find((s) => s.tenantId === TENANTS.contoso && s.appId === "00000003-0000-0000-c000-000000000000")!;
    const narrow = await createPermissionGrant(graph, { clientSpId: sp.objectId, resourceSpId: graphSp.id, scope: "User.Read" });
    const log = callLog();
    const widened = await ensureGrantScope({ ...graph, recorder: log }, { grant: narrow, scope: "User.Read Directory.Read.All" });
    expect(widened.scopes).toEqual(["User.Read", "Directory.Read.All"]);
    expect(log.calls.map((c) => c.method)).toEqual(["PATCH"]);
    const state = await fx.control.getState();
    expect(state.oauth2PermissionGrants.find((g) => g.id === narrow.id)?.scope).toBe("User.Read Directory.Read.All");

    const dataverse = (await findDataverseServicePrincipal(graph))!;
    const first = await ensurePermissionGrant(graph, { clientSpId: sp.objectId, resourceSpId: dataverse.objectId });
    log.calls.length = 0;
    const second = await ensurePermissionGrant({ ...graph, recorder: log }, { clientSpId: sp.objectId, resourceSpId: dataverse.objectId });
    expect(second).toEqual(first);
    expect(log.calls.map((c) => c.method)).toEqual(["GET"]);
  });

  it("a user without directory permissions gets insufficient_privileges", async () => {
    const state = consentedScenario();
    for (const t of state.tenants) t.usersCanRegisterApps = false;
    await fx.control.reset({ state });
    const graph = await graphAs(CONTOSO_USER);
    const e = await createApplication(graph, { displayName: "x", tags: [], legacy: false }).catch((x: unknown) => x);
    expect(isMicrosoftError(e, "insufficient_privileges")).toBe(true);
    expect((e as MicrosoftError).requestIds.length).toBeGreaterThan(0);
  });
});

describe("throttling, outages, timeouts and replication lag", () => {
  it("retries a throttled read after Retry-After and succeeds", async () => {
    const log = callLog();
    const graph = await graphAs(CONTOSO_ADMIN, { recorder: log });
    await fx.control.addFault({ service: "graph", method: "GET", path: "/v1.0/applications", kind: "throttle", retryAfterSeconds: 1, remaining: 1 });
    const started = Date.now();
    expect(await findApplicationByTag(graph, { tag: TAG })).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(log.calls.map((c) => c.status)).toEqual([429, 200]);
  });

  it("retries a read through 503s", async () => {
    const log = callLog();
    const graph = await graphAs(CONTOSO_ADMIN, { recorder: log });
    await fx.control.addFault({ service: "graph", method: "GET", path: "/v1.0/me", kind: "unavailable", remaining: 2 });
    const roles = await listDirectoryRoles(graph);
    expect(roles.length).toBeGreaterThan(0);
    expect(log.calls.map((c) => c.status)).toEqual([503, 503, 200]);
  });

  it("retries a throttled write (429), and never replays a write that met a 503 without Retry-After", async () => {
    const log = callLog();
    const graph = await graphAs(CONTOSO_ADMIN, { recorder: log });
    await fx.control.addFault({ service: "graph", method: "POST", path: "/v1.0/applications", kind: "throttle", retryAfterSeconds: 1, remaining: 1 });
    await createApplication(graph, { displayName: "Act-On Integration", tags: [TAG], legacy: false });
    expect(log.calls.map((c) => c.status)).toEqual([429, 201]);

    log.calls.length = 0;
    await fx.control.addFault({ service: "graph", method: "POST", path: "/v1.0/applications", kind: "unavailable", remaining: 1 });
    const e = await createApplication(graph, { displayName: "Act-On Integration 2", tags: ["second"], legacy: false }).catch((x: unknown) => x);
    expect(isMicrosoftError(e, "upstream_unavailable")).toBe(true);
    expect((e as MicrosoftError).appError.retryable).toBe(true);
    expect(log.calls.map((c) => c.status)).toEqual([503]);
    const state = await fx.control.getState();
    expect(state.applications.filter((a) => a.displayName.startsWith("Act-On Integration"))).toHaveLength(1);
  });

  it("times out a slow read, retries it, and reports a slow write as a timeout without replaying it", async () => {
    const log = callLog();
    const graph = await graphAs(CONTOSO_ADMIN, { recorder: log, timeoutMs: 300 });
    await fx.control.addFault({ service: "graph", method: "GET", path: "/v1.0/applications", kind: "latency", latencyMs: 1_000, remaining: 1 });
    expect(await findApplicationByTag(graph, { tag: TAG })).toBeNull();
    expect(log.calls.map((c) => c.status)).toEqual([null, 200]);

    log.calls.length = 0;
    await fx.control.addFault({ service: "graph", method: "POST", path: "/v1.0/applications", kind: "latency", latencyMs: 1_000, remaining: 1 });
    const e = await createApplication(graph, { displayName: "slow", tags: [], legacy: false }).catch((x: unknown) => x);
    expect(isMicrosoftError(e, "timeout")).toBe(true);
    expect(log.calls).toHaveLength(1);
  });

  it("surfaces replication lag after a create as a retryable replication_pending", async () => {
    const graph = await graphAs();
    await fx.control.setSettings({ replicationLagMs: 5_000 });
    const app = await createApplication(graph, { displayName: "Act-On Integration", tags: [TAG], legacy: false });
    const sp = await createServicePrincipal(graph, { appId: app.appId, justCreated: true }).catch((x: unknown) => x);
    expect(isMicrosoftError(sp, "replication_pending")).toBe(true);
    expect((sp as MicrosoftError).appError.retryable).toBe(true);
    const patch = await updateApplicationFlows(graph, { objectId: app.objectId, legacy: true, justCreated: true }).catch((x: unknown) => x);
    expect(isMicrosoftError(patch, "replication_pending")).toBe(true);
    // Without the flag, the same 404 is a plain not_found.
    const plain = await updateApplicationFlows(graph, { objectId: app.objectId, legacy: true }).catch((x: unknown) => x);
    expect(isMicrosoftError(plain, "not_found")).toBe(true);
  });
});
