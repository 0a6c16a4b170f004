/**
 * Probing an Active connection now, against the sandbox, on SQLite and PostgreSQL: the state and cause each of
 * Microsoft's answers leads to, no flip to failing on a single blip, and `connection.health_changed` once per change.
 */
import { describe, expect, it, vi } from "vitest";
import { ensureAccount } from "../domain/account/ensure-account";
import { SANDBOX_PASSWORD, useMicrosoftSandbox } from "@/test/support/microsoft-sandbox";
import type { SandboxState } from "@/emulator/core/state";
import { readSecret, storeSecret } from "../domain/secret/store-secret";
import { TEST_KEYS, testEngine } from "@/test/support/engine-fixture";
import { connectionObjects } from "@/test/support/sandbox-objects";
import { providersUnderTest, useTestDatabase } from "@/test/support/test-databases";
import { connectContosoThroughEngine } from "@/test/support/hand-made-setup";
import { findConnectionRecord } from "../connections/connection-resource";
import { toConnectionResource } from "../api/v1/connection-resource";
import { connectionSchema } from "../api/v1/schemas";
import { probeConnection, type ProbeDeps } from "./probe-connection";
import { privilegeIdFor } from "@/emulator/dataverse/privileges-catalog";

vi.setConfig({ testTimeout: 90_000 });
const providers = await providersUnderTest();
const fx = useMicrosoftSandbox();

describe.each(providers)("probing a connection on %s", (provider) => {
  const t = useTestDatabase(provider);

  /** A Contoso connection made Active by the engine, and a webhook endpoint listening from then on. */
  async function activeConnection(): Promise<{ deps: ProbeDeps; connectionId: string }> {
    const engine = testEngine(t.db, fx);
    const connectionId = await connectContosoThroughEngine(t.db, engine, fx);
    await t.db.webhookEndpoint.create({ data: { url: "https://hooks.example.com/acton", createdBy: "test" } });
    return { deps: { db: t.db, config: engine.config, call: engine.call }, connectionId };
  }

  /**
   * Puts a changed sandbox state back. The control API shows secrets as metadata only, so the connection's own secret
   * is given back in clear (the sandbox stores its digest again): only the change the test made differs.
   */
  async function resetKeepingSecret(state: SandboxState, connectionId: string) {
    const row = await t.db.secret.findFirstOrThrow({ where: { connectionId, kind: "clientSecret", status: "active" } });
    const opened = await readSecret(t.db, { secretId: row.id, keys: TEST_KEYS });
    if (!opened?.ok) throw new Error("secret unreadable");
    for (const credential of state.applications.flatMap((a) => a.passwordCredentials))
      if (credential.keyId === row.microsoftKeyId) Object.assign(credential, { secretText: opened.value });
    await fx.control.reset({ state });
  }

  async function probe(deps: ProbeDeps, connectionId: string) {
    const result = await probeConnection(deps, { connectionId });
    if (!result.ok) throw new Error(result.error.userMessage);
    return result.value;
  }

  const healthEvents = (connectionId: string) =>
    t.db.webhookEvent.findMany({ where: { connectionId, type: "connection.health_changed" }, orderBy: { createdAt: "asc" } });

  it("a working connection is healthy; a 503 blip only degrades it, the next probe heals it, one event per change", async () => {
    const { deps, connectionId } = await activeConnection();
    const since = new Date();
    const first = await probe(deps, connectionId);
    expect(first).toMatchObject({ ok: true, state: "healthy", cause: null, fix: null, changed: false });
    // It signs in with the stored secret (never a cached token) and asks WhoAmI: nothing else, and nothing written.
    const requests = await fx.control.getRequests(since);
    expect(requests.filter((r) => /\/WhoAmI$/.test(r.path)).map((r) => r.status)).toEqual([200]);
    expect(requests.every((r) => r.method === "GET" || /\/oauth2\/v2\.0\/token$/.test(r.path))).toBe(true);
    expect(await probe(deps, connectionId)).toMatchObject({ state: "healthy", changed: false });

    // Dataverse answers 503 for as long as the probe's retries last.
    const fault = await fx.control.addFault({ service: "dataverse", kind: "unavailable", path: "^/dynamics/[^/]+/api/data/v9\\.2/WhoAmI$" });
    const blip = await probe(deps, connectionId);
    expect(blip).toMatchObject({ ok: false, state: "degraded", previousState: "healthy", cause: "microsoft_unavailable", changed: true });
    expect(blip.detail).toMatch(/HTTP 503/);
    await fx.control.removeFault(fault.id);
    expect(await probe(deps, connectionId)).toMatchObject({ ok: true, state: "healthy", previousState: "degraded", changed: true });

    const connection = await t.db.connection.findUniqueOrThrow({ where: { id: connectionId } });
    expect(connection).toMatchObject({ status: "active", healthState: "healthy", healthCause: null, healthFailures: 0 });
    const history = await t.db.healthProbe.findMany({ where: { connectionId }, orderBy: { at: "asc" } });
    expect(history.map((h) => [h.ok, h.cause])).toEqual([
      [true, null],
      [true, null],
      [false, "microsoft_unavailable"],
      [true, null],
    ]);
    const events = await healthEvents(connectionId);
    expect(events.map((e) => (e.payload as { data: { health: { state: string; cause: string | null } } }).data.health)).toEqual([
      expect.objectContaining({ state: "degraded", cause: "microsoft_unavailable" }),
      expect.objectContaining({ state: "healthy", cause: null }),
    ]);
    expect(events.some((e) => JSON.stringify(e.payload).includes("failing"))).toBe(false);
  });

  it("Dataverse's 429 is waited out as its Retry-After says (healthy, nothing to tell); a storm that outlasts the retries degrades", async () => {
    const { deps, connectionId } = await activeConnection();
    const whoAmIPath = "^/dynamics/[^/]+/api/data/v9\\.2/WhoAmI$";
    await probe(deps, connectionId);
    const since = new Date();
    await fx.control.addFault({ service: "dataverse", kind: "throttle", path: whoAmIPath, retryAfterSeconds: 1, remaining: 1 });
    const waited = await probe(deps, connectionId);
    expect(waited).toMatchObject({ ok: true, state: "healthy", changed: false });
    const whoAmIs = (await fx.control.getRequests(since)).filter((r) => /\/WhoAmI$/.test(r.path));
    expect(whoAmIs.map((r) => r.status)).toEqual([429, 200]);
    expect(Date.parse(whoAmIs[1].at) - Date.parse(whoAmIs[0].at)).toBeGreaterThanOrEqual(900);

    await fx.control.addFault({ service: "dataverse", kind: "throttle", path: whoAmIPath, retryAfterSeconds: 0 });
    expect(await probe(deps, connectionId)).toMatchObject({ ok: false, state: "degraded", cause: "microsoft_unavailable", changed: true });
    await fx.control.clearFaults();
  });

  it("Dataverse's own service protection limit (per application user) is waited out as its Retry-After says; nothing to tell", async () => {
    const { deps, connectionId } = await activeConnection();
    expect(await probe(deps, connectionId)).toMatchObject({ ok: true, state: "healthy" });
    // One request per user per second: a probe is two Dataverse requests (WhoAmI, the privileges), so at least one
    // is refused, whatever the engine and the first probe sent just before.
    await fx.control.setSettings({ serviceProtection: { requests: 1, windowSeconds: 1 } });
    const since = new Date();
    expect(await probe(deps, connectionId)).toMatchObject({ ok: true, state: "healthy", changed: false });
    const dataverse = (await fx.control.getRequests(since)).filter((r) => r.service === "dataverse");
    const refused = dataverse.flatMap((r, i) => (r.status === 429 ? [i] : []));
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const i of refused) {
      // The same request again, once the second Retry-After asked for had passed.
      expect(dataverse[i + 1]).toMatchObject({ path: dataverse[i].path });
      expect(Date.parse(dataverse[i + 1].at) - Date.parse(dataverse[i].at)).toBeGreaterThanOrEqual(900);
    }
    expect(dataverse.at(-1)).toMatchObject({ path: expect.stringMatching(/RetrieveUserSetOfPrivilegesByNames/), status: 200 });
  });

  it("a privilege the connector needs, taken off its role, is privilege_missing naming it and the feature; a role held through a team counts", async () => {
    const { deps, connectionId } = await activeConnection();
    const state = await fx.control.getState();
    const { users, env, roleLinks } = connectionObjects(state, connectionId);
    expect(roleLinks).toHaveLength(1);
    // The role moves from the application user to a team it belongs to: Dataverse counts the team's role as the user's.
    env.systemUserRoles = env.systemUserRoles.filter((r) => r.systemuserid !== users[0].systemuserid);
    (env.teams ??= []).push({
      teamid: "70000000-0000-4000-8000-0000000000a1",
      name: "Act-On integration team",
      businessunitid: users[0].businessunitid,
      teamtype: 0,
      isdefault: false,
      memberIds: [users[0].systemuserid],
      roleIds: [roleLinks[0].roleid],
    });
    await resetKeepingSecret(state, connectionId);
    const since = new Date();
    expect(await probe(deps, connectionId)).toMatchObject({ ok: true, state: "healthy", changed: false });
    const asked = (await fx.control.getRequests(since)).filter((r) => r.path.includes("RetrieveUserSetOfPrivilegesByNames"));
    expect(asked.map((r) => [r.path, r.status])).toEqual([
      [expect.stringContaining(`/systemusers(${users[0].systemuserid})/Microsoft.Dynamics.CRM.RetrieveUserSetOfPrivilegesByNames(`), 200],
    ]);

    // An admin takes "Write" on leads off the role and lowers "Create" on notes to the user's own records.
    const role = env.roles.find((r) => r.roleid === roleLinks[0].roleid)!;
    role.privileges = role.privileges.filter((p) => p.privilegeid !== privilegeIdFor("prvWriteLead"));
    role.privileges.find((p) => p.privilegeid === privilegeIdFor("prvCreateNote"))!.depth = "Basic";
    await resetKeepingSecret(state, connectionId);
    const stripped = await probe(deps, connectionId);
    expect(stripped).toMatchObject({ ok: false, state: "degraded", cause: "privilege_missing", changed: true });
    expect(stripped.detail).toBe(
      "RetrieveUserSetOfPrivilegesByNames: prvWriteLead (not held) → Sync leads both ways, and write their email opt-outs (Do not allow Emails); " +
        "prvCreateNote (held at Basic depth, needs Global) → Log Act-On activity (email opens, clicks, form submissions) on records as notes",
    );
    expect(stripped.fix).toMatch(/Plan the repair/);
    expect((await probe(deps, connectionId)).state).toBe("degraded");
    expect(await probe(deps, connectionId)).toMatchObject({ state: "failing", cause: "privilege_missing", changed: true });

    // Dynamics 365 Sales removed: no lead table, so no lead privilege is missing; the note privilege still is.
    env.withoutSales = true;
    await resetKeepingSecret(state, connectionId);
    const withoutSales = await probe(deps, connectionId);
    expect(withoutSales).toMatchObject({ state: "failing", cause: "privilege_missing", changed: false });
    expect(withoutSales.detail).not.toMatch(/Lead/);
    role.privileges.find((p) => p.privilegeid === privilegeIdFor("prvCreateNote"))!.depth = "Global";
    await resetKeepingSecret(state, connectionId);
    expect(await probe(deps, connectionId)).toMatchObject({ ok: true, state: "healthy", previousState: "failing", changed: true });
  });

  it("an application user that may no longer read users cannot read its own privileges: privilege_missing names prvReadUser", async () => {
    const { deps, connectionId } = await activeConnection();
    const state = await fx.control.getState();
    const { env, roleLinks } = connectionObjects(state, connectionId);
    const role = env.roles.find((r) => r.roleid === roleLinks[0].roleid)!;
    role.privileges = role.privileges.filter((p) => p.privilegeid !== privilegeIdFor("prvReadUser"));
    await resetKeepingSecret(state, connectionId);
    const report = await probe(deps, connectionId);
    expect(report).toMatchObject({ ok: false, state: "degraded", cause: "privilege_missing" });
    expect(report.detail).toMatch(/^RetrieveUserSetOfPrivilegesByNames refused \(0x80040220\): prvReadUser \(not held\) → Resolve record owners/);
  });

  it("a deleted application user fails the connection at once, with the cause and its repair; a re-probe tells nobody again", async () => {
    const { deps, connectionId } = await activeConnection();
    const state = await fx.control.getState();
    const { users } = connectionObjects(state, connectionId);
    expect(users).toHaveLength(1);
    for (const env of state.environments) env.systemUsers = env.systemUsers.filter((u) => u.systemuserid !== users[0].systemuserid);
    await resetKeepingSecret(state, connectionId);

    const report = await probe(deps, connectionId);
    expect(report).toMatchObject({ ok: false, state: "failing", cause: "application_user_missing", changed: true });
    expect(report.fix).toMatch(/repair/i);
    expect(report.detail).toMatch(/0x80072560/);
    expect(await probe(deps, connectionId)).toMatchObject({ state: "failing", cause: "application_user_missing", changed: false });

    // Health is kept apart from the provisioning status: the connection is still Active.
    const connection = await t.db.connection.findUniqueOrThrow({ where: { id: connectionId } });
    expect(connection).toMatchObject({ status: "active", healthState: "failing", healthCause: "application_user_missing", healthFailures: 2 });
    expect(connection.healthSince).toEqual(report.since);
    // Act-On's API carries it, in the documented shape.
    const resource = connectionSchema.parse(toConnectionResource((await findConnectionRecord(t.db, connectionId))!));
    expect(resource.status).toBe("active");
    expect(resource.health).toEqual({
      state: "failing",
      cause: "application_user_missing",
      since: report.since.toISOString(),
      checkedAt: connection.healthCheckedAt!.toISOString(),
    });
    const events = await healthEvents(connectionId);
    expect(events).toHaveLength(1);
    expect(events[0].payload).toMatchObject({
      type: "connection.health_changed",
      data: { connectionId, health: { state: "failing", cause: "application_user_missing" }, previous: null },
    });
  });

  it("a disabled application user degrades the connection (application_user_disabled), and fails it when it persists", async () => {
    const { deps, connectionId } = await activeConnection();
    const state = await fx.control.getState();
    const { users } = connectionObjects(state, connectionId);
    users[0].isdisabled = true;
    await resetKeepingSecret(state, connectionId);

    const reports = [await probe(deps, connectionId), await probe(deps, connectionId), await probe(deps, connectionId)];
    expect(reports.map((r) => [r.state, r.cause, r.changed])).toEqual([
      ["degraded", "application_user_disabled", true],
      ["degraded", "application_user_disabled", false],
      ["failing", "application_user_disabled", true],
    ]);
    expect(reports[0].detail).toMatch(/0x80040225/);
    expect(reports[0].fix).toMatch(/Enable it/);
    expect(await healthEvents(connectionId)).toHaveLength(2);
  });

  it("a client secret removed from the app registration is credential_removed, failing at once; no secret in what is stored", async () => {
    const { deps, connectionId } = await activeConnection();
    const state = await fx.control.getState();
    const { apps } = connectionObjects(state, connectionId);
    expect(apps).toHaveLength(1);
    apps[0].passwordCredentials = [];
    await fx.control.reset({ state });

    const report = await probe(deps, connectionId);
    expect(report).toMatchObject({ ok: false, state: "failing", cause: "credential_removed", changed: true });
    expect(report.detail).toMatch(/AADSTS7000215/);
    expect(report.fix).toMatch(/Reconnect/);
    const history = await t.db.healthProbe.findMany({ where: { connectionId } });
    const secret = await t.db.secret.findFirstOrThrow({ where: { connectionId, kind: "clientSecret", status: "active" } });
    expect(JSON.stringify(history)).not.toContain(secret.ciphertext);
    expect(await healthEvents(connectionId)).toHaveLength(1);
  });

  it("a deleted environment is environment_not_found; its service principal deleted too, consent_revoked: a new cause, a new event", async () => {
    const { deps, connectionId } = await activeConnection();
    const state = await fx.control.getState();
    const { sps, env } = connectionObjects(state, connectionId);
    expect(sps).toHaveLength(1);
    state.environments = state.environments.filter((e) => e.id !== env.id);
    await resetKeepingSecret(state, connectionId);
    const gone = await probe(deps, connectionId);
    expect(gone).toMatchObject({ state: "failing", cause: "environment_not_found", changed: true });
    expect(gone.detail).toMatch(/WhoAmI; HTTP 404/);

    state.servicePrincipals = state.servicePrincipals.filter((sp) => sp.id !== sps[0].id);
    await resetKeepingSecret(state, connectionId);
    const revoked = await probe(deps, connectionId);
    expect(revoked).toMatchObject({ state: "failing", previousState: "failing", cause: "consent_revoked", changed: true });
    expect(revoked.detail).toMatch(/AADSTS7000229/);
    expect(revoked.since.getTime()).toBeGreaterThan(gone.since.getTime());
    const events = await healthEvents(connectionId);
    expect(events.map((e) => (e.payload as { data: { health: { cause: string } } }).data.health.cause)).toEqual([
      "environment_not_found",
      "consent_revoked",
    ]);
  });

  /** An Active on-premises connection to Contoso On-Prem (Windows sign-in, CONTOSO\\crmadmin, v9.1), as the engine leaves one. */
  async function activeOnPremisesConnection(): Promise<{ deps: ProbeDeps; connectionId: string }> {
    const engine = testEngine(t.db, fx);
    const account = await ensureAccount(t.db, { actonAccountId: `acct-${Math.random().toString(36).slice(2)}`, name: "Contoso" });
    const connection = await t.db.connection.create({
      data: {
        accountId: account.id,
        authMode: "onprem",
        status: "active",
        environmentUrl: fx.environmentUrl("contoso-onprem"),
        integrationUsername: "CONTOSO\\crmadmin",
        onPremisesSignIn: "ntlm",
        webApiVersion: "9.1",
      },
    });
    await storeSecret(t.db, { connectionId: connection.id, kind: "password", plaintext: SANDBOX_PASSWORD, keys: TEST_KEYS, status: "active" });
    return { deps: { db: t.db, config: engine.config, call: engine.call }, connectionId: connection.id };
  }

  it("an on-premises connection is probed with its own sign-in (NTLM, on the stored Web API version); a changed password is credential_removed", async () => {
    const { deps, connectionId } = await activeOnPremisesConnection();
    const since = new Date();
    expect(await probe(deps, connectionId)).toMatchObject({ ok: true, state: "healthy", cause: null });
    const requests = await fx.control.getRequests(since);
    // Discovery without credentials, then NTLM's two legs on the stored version: no 9.2 tried.
    expect(requests.map((r) => [r.method, r.path, r.status, r.authorization])).toEqual([
      ["GET", "/dynamics/contoso-onprem/api/data/v9.2/WhoAmI", 401, false],
      ["GET", "/dynamics/contoso-onprem/api/data/v9.1/WhoAmI", 401, true],
      ["GET", "/dynamics/contoso-onprem/api/data/v9.1/WhoAmI", 200, true],
    ]);

    const state = await fx.control.getState();
    const onPrem = state.environments.find((e) => e.urlName === "contoso-onprem")!;
    Object.assign(onPrem.domainUsers[0], { password: "Changed-Passw0rd!" });
    await fx.control.reset({ state });
    const refused = await probe(deps, connectionId);
    expect(refused).toMatchObject({ ok: false, state: "failing", cause: "credential_removed", changed: true });
    expect(refused.detail).toMatch(/HTTP 401/);
    expect(refused.fix).toMatch(/domain user's password/);
  });

  it("an on-premises server the portal may no longer reach (its address now private, not allowed) is tenant_unreachable, degraded", async () => {
    const { deps, connectionId } = await activeOnPremisesConnection();
    const since = new Date();
    const report = await probe({ ...deps, config: { ...deps.config, onPremisesAllowedPrivateHosts: [] } }, connectionId);
    expect(report).toMatchObject({ ok: false, state: "degraded", cause: "tenant_unreachable", changed: true });
    expect(report.detail).toMatch(/^address check: environment_not_allowed/);
    expect(report.fix).toMatch(/Dynamics 365 server/);
    // The password went nowhere.
    expect(await fx.control.getRequests(since)).toEqual([]);
  });

  it("refuses what it cannot probe, recording nothing", async () => {
    const account = await ensureAccount(t.db, { actonAccountId: `acct-${Math.random().toString(36).slice(2)}`, name: "Draft" });
    const draft = await t.db.connection.create({ data: { accountId: account.id, authMode: "cloud" } });
    const deps: ProbeDeps = { db: t.db, config: testEngine(t.db, fx).config };
    expect(await probeConnection(deps, { connectionId: draft.id })).toMatchObject({ ok: false, error: { code: "conflict" } });
    expect(await probeConnection(deps, { connectionId: "no-such-connection" })).toMatchObject({ ok: false, error: { code: "not_found" } });
    expect(await t.db.healthProbe.count({ where: { connectionId: draft.id } })).toBe(0);
  });
});
