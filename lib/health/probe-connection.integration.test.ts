/**
 * Probing an Active connection now, against the sandbox, on SQLite and PostgreSQL: the state and cause each of
 * Microsoft's answers leads to, no flip to failing on a single blip, and `connection.health_changed` once per change.
 */
import { describe, expect, it, vi } from "vitest";
import { ensureAccount } from "../domain/account/ensure-account";
import { useMicrosoftSandbox } from "@/test/support/microsoft-sandbox";
import type { SandboxState } from "@/emulator/core/state";
import { readSecret } from "../domain/secret/store-secret";
import { TEST_KEYS, testEngine } from "@/test/support/engine-fixture";
import { connectionObjects } from "@/test/support/sandbox-objects";
import { providersUnderTest, useTestDatabase } from "@/test/support/test-databases";
import { connectContosoThroughEngine } from "@/test/support/hand-made-setup";
import { findConnectionRecord } from "../connections/connection-resource";
import { toConnectionResource } from "../api/v1/connection-resource";
import { connectionSchema } from "../api/v1/schemas";
import { probeConnection, type ProbeDeps } from "./probe-connection";

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

  it("refuses what it cannot probe, recording nothing", async () => {
    const account = await ensureAccount(t.db, { actonAccountId: `acct-${Math.random().toString(36).slice(2)}`, name: "Draft" });
    const draft = await t.db.connection.create({ data: { accountId: account.id, authMode: "cloud" } });
    const deps: ProbeDeps = { db: t.db, config: testEngine(t.db, fx).config };
    expect(await probeConnection(deps, { connectionId: draft.id })).toMatchObject({ ok: false, error: { code: "conflict" } });
    expect(await probeConnection(deps, { connectionId: "no-such-connection" })).toMatchObject({ ok: false, error: { code: "not_found" } });
    expect(await t.db.healthProbe.count({ where: { connectionId: draft.id } })).toBe(0);
  });
});
