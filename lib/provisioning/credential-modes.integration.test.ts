/**
 * The app's credential by mode, end to end against the sandbox. Certificate mode (the default): the app holds one
 * certificate and no client secret, the private key is stored only encrypted, and the access-token mint, the health
 * probe and the credentials route work from it without ever handing the key out. Secret mode, when asked: a client
 * secret as before.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { decodeJwt } from "jose";
import { TEST_KEYS, testEngine } from "@/test/support/engine-fixture";
import { connectContosoThroughEngine } from "@/test/support/hand-made-setup";
import { CONTOSO_ADMIN, FAST_RETRY, signInAs, TENANTS, useMicrosoftSandbox } from "@/test/support/microsoft-sandbox";
import { connectionObjects } from "@/test/support/sandbox-objects";
import { providersUnderTest, useTestDatabase } from "@/test/support/test-databases";
import type { ApiCaller } from "../api-auth/app-roles";
import { mintConnectionAccessToken } from "../connections/mint-connection-access-token";
import { readConnectionCredentials } from "../connections/read-connection-credentials";
import { probeConnection } from "../health/probe-connection";
import { whoAmI } from "../microsoft/dataverse";
import { approveRun } from "./approve-run";
import { driveRunWith, type Engine } from "./engine";
import { startRun } from "./start-run";
import { startVerification } from "./start-verification";
import { SCENARIOS } from "@/emulator/scenarios";
import { ensureAccount } from "../domain/account/ensure-account";
import { getAdminToken } from "../microsoft/admin-session";
import { addClientSecret, readPasswordPolicy } from "../microsoft/graph";
import { isMicrosoftError } from "../microsoft/errors";
import type { SandboxState } from "@/emulator/core/state";

vi.setConfig({ testTimeout: 90_000 });
const providers = await providersUnderTest();
const fx = useMicrosoftSandbox();
const connector: ApiCaller = {
  kind: "service",
  objectId: "40000000-0000-4000-8000-000000000014",
  tenantId: "10000000-0000-4000-8000-000000000002",
  name: "Act-On Connector",
  roles: ["Connections.Token", "Connections.Credentials.Read"],
};

describe.each(providers)("the app's credential on %s", (provider) => {
  const t = useTestDatabase(provider);
  let engine: Engine;
  beforeAll(() => {
    engine = testEngine(t.db, fx);
  });

  it("certificate mode: one keyCredential and no password on the app; mint, probe and verify sign in with a client assertion", async () => {
    const connectionId = await connectContosoThroughEngine(t.db, engine, fx, undefined, "certificate");
    const objects = connectionObjects(await fx.control.getState(), connectionId);
    expect(objects.apps).toHaveLength(1);
    expect(objects.secrets).toEqual([]);
    expect(objects.certificates).toHaveLength(1);
    const [certificate] = objects.certificates;

    const connection = await t.db.connection.findUniqueOrThrow({ where: { id: connectionId } });
    expect(connection).toMatchObject({ status: "active", credentialMode: "certificate" });
    expect(connection.secretExpiresAt?.toISOString()).toBe(new Date(certificate.endDateTime).toISOString());
    const live = await t.db.secret.findMany({ where: { connectionId, status: { in: ["active", "pending"] } } });
    expect(live.map((s) => ({ kind: s.kind, status: s.status, keyId: s.microsoftKeyId }))).toEqual([
      { kind: "certificateKey", status: "active", keyId: certificate.keyId },
    ]);
    // Only ciphertext is stored: no PEM in the row.
    expect(JSON.stringify(live[0])).not.toMatch(/PRIVATE KEY|BEGIN CERTIFICATE/);

    const minted = await mintConnectionAccessToken({ db: t.db, keys: TEST_KEYS, identity: fx.config }, { connectionId, caller: connector });
    if (!minted.ok) throw new Error(minted.error.userMessage);
    expect(decodeJwt(minted.value.accessToken).appid).toBe(connection.clientId);
    const me = await whoAmI({ environmentUrl: connection.environmentUrl!, getToken: async () => minted.value.accessToken });
    expect(me.userId.toLowerCase()).toBe(connection.applicationUserId!.toLowerCase());

    const probed = await probeConnection({ db: t.db, config: engine.config, call: engine.call }, { connectionId });
    if (!probed.ok) throw new Error(probed.error.userMessage);
    expect(probed.value).toMatchObject({ ok: true, state: "healthy" });

    const handed = await readConnectionCredentials(t.db, { connectionId, caller: connector, keys: TEST_KEYS });
    if (!handed.ok) throw new Error(handed.error.userMessage);
    expect(handed.value).toEqual({
      authMode: "cloud",
      credentialMode: "certificate",
      connectionId,
      tenantId: connection.tenantId,
      environmentUrl: connection.environmentUrl,
      clientId: connection.clientId,
      certificateThumbprint: certificate.customKeyIdentifier,
      certificateExpiresAt: connection.secretExpiresAt!.toISOString(),
      accessTokensPath: `/api/v1/connections/${connectionId}/access-tokens`,
    });
    expect(JSON.stringify(handed.value)).not.toMatch(/PRIVATE KEY/);
  });

  it("a verify-only run of a certificate connection signs in with its certificate and stays Active", async () => {
    const connectionId = await connectContosoThroughEngine(t.db, engine, fx, undefined, "certificate");
    const requested = await startVerification(engine, { connectionId, actor: { type: "support", id: "support@acton" } });
    if (!requested.ok) throw new Error(requested.error.userMessage);
    expect((await driveRunWith(engine, requested.value.runId)).status).toBe("succeeded");
    expect(await t.db.connection.findUniqueOrThrow({ where: { id: connectionId } })).toMatchObject({
      status: "active",
      credentialMode: "certificate",
    });
  });

  it("a certificate removed from the app at Microsoft fails the probe (a fresh assertion, no cached token) as credential_removed", async () => {
    const connectionId = await connectContosoThroughEngine(t.db, engine, fx, undefined, "certificate");
    const state = await fx.control.getState();
    connectionObjects(state, connectionId).apps[0].keyCredentials = [];
    await fx.control.reset({ state });
    const probed = await probeConnection({ db: t.db, config: engine.config, call: engine.call }, { connectionId });
    expect(probed).toMatchObject({ ok: true, value: { ok: false, cause: "credential_removed" } });
  });

  it("secret mode, when asked: one client secret and no certificate; the mint uses the secret", async () => {
    const connectionId = await connectContosoThroughEngine(t.db, engine, fx, undefined, "secret");
    const objects = connectionObjects(await fx.control.getState(), connectionId);
    expect(objects.secrets).toHaveLength(1);
    expect(objects.certificates).toEqual([]);
    expect(await t.db.connection.findUniqueOrThrow({ where: { id: connectionId } })).toMatchObject({ credentialMode: "secret" });
    const minted = await mintConnectionAccessToken({ db: t.db, keys: TEST_KEYS, identity: fx.config }, { connectionId, caller: connector });
    expect(minted.ok).toBe(true);
    const handed = await readConnectionCredentials(t.db, { connectionId, caller: connector, keys: TEST_KEYS });
    expect(handed).toMatchObject({ ok: true, value: { authMode: "cloud", credentialMode: "secret", clientSecret: expect.any(String) } });
  });
});

describe("a tenant whose app management policy blocks client secrets (passwordAddition)", () => {
  const t = useTestDatabase("sqlite");
  let previous: (() => SandboxState) | undefined;
  beforeAll(() => {
    previous = fx.scenario;
    fx.scenario = SCENARIOS["contoso-no-secrets"];
  });
  afterAll(() => {
    fx.scenario = previous;
  });
  const actor = { type: "admin" as const, id: CONTOSO_ADMIN, tenantId: TENANTS.contoso };
  const plan = async (credential: "certificate" | "secret") => {
    const account = await ensureAccount(t.db, { actonAccountId: `acct-${Math.random().toString(36).slice(2)}`, name: "Contoso" });
    const engine = testEngine(t.db, fx);
    const started = await startRun(engine, {
      accountId: account.id,
      kind: "connect",
      options: { mode: "cloud", environment: "Contoso Sales", requestedBy: CONTOSO_ADMIN, credential },
      session: await signInAs(fx),
      actor,
    });
    if (!started.ok) throw new Error(started.error.userMessage);
    return { engine, view: started.value };
  };

  it("the sandbox shows the restriction and refuses addPassword, as Microsoft does", async () => {
    const session = await signInAs(fx);
    const graph = { baseUrl: fx.graphUrl, getToken: () => getAdminToken(session, "graph", { config: fx.config }), retry: FAST_RETRY };
    expect(await readPasswordPolicy(graph)).toEqual({ lifetimeLimitDays: null, additionBlocked: true });
    const { view } = await plan("certificate");
    await approveRun(testEngine(t.db, fx), { runId: view.id, actor });
    expect((await driveRunWith(testEngine(t.db, fx), view.id)).status).toBe("succeeded");
    const [app] = connectionObjects(await fx.control.getState(), view.connection.id).apps;
    const refused = await addClientSecret(graph, { objectId: app.id, displayName: "x", endDateTime: new Date(Date.now() + 86_400_000) }).catch(
      (e: unknown) => e,
    );
    expect(isMicrosoftError(refused) && refused.status).toBe(400);
    expect(connectionObjects(await fx.control.getState(), view.connection.id).secrets).toEqual([]);
  });

  it("secret mode: the plan blocks before any write and steers to certificate mode; nothing is created", async () => {
    const { view } = await plan("secret");
    expect(view.plan?.blockers).toEqual([expect.objectContaining({ code: "client_secrets_blocked", message: expect.stringMatching(/certificate/) })]);
    const approved = await approveRun(testEngine(t.db, fx), { runId: view.id, actor });
    expect(approved.ok).toBe(false);
    expect(connectionObjects(await fx.control.getState(), view.connection.id).apps).toEqual([]);
  });

  it("certificate mode: the plan names the certificate and the connection becomes Active with no secret", async () => {
    const { engine, view } = await plan("certificate");
    expect(view.plan?.blockers).toEqual([]);
    expect(view.plan?.notes).toContain("How the app signs in: A certificate, no client secret (its private key stays with Act-On's portal).");
    const step = view.plan?.steps.find((s) => s.step === "clientSecret");
    expect(step?.actions[0]).toMatchObject({
      verb: "create",
      what: expect.stringMatching(/^A certificate valid until .*No client secret is added$/),
    });
    await approveRun(engine, { runId: view.id, actor });
    expect((await driveRunWith(engine, view.id)).status).toBe("succeeded");
    const objects = connectionObjects(await fx.control.getState(), view.connection.id);
    expect({ secrets: objects.secrets.length, certificates: objects.certificates.length }).toEqual({ secrets: 0, certificates: 1 });
  });
});
