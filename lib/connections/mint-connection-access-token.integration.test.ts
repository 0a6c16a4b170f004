/**
 * Minting Dataverse tokens for Act-On's connector against the sandbox: the token works for WhoAmI in the connection's
 * environment, comes from the cache until shortly before it expires, is audited per caller without the token, and a
 * connection that cannot mint (a password connection, not Active, a credential Microsoft refuses, Microsoft down)
 * answers as the API documents.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { connectionObjects } from "@/test/support/sandbox-objects";
import { TEST_KEYS, testEngine } from "@/test/support/engine-fixture";
import { connectContosoThroughEngine } from "@/test/support/hand-made-setup";
import { FAST_RETRY, useMicrosoftSandbox } from "@/test/support/microsoft-sandbox";
import { useTestDatabase } from "@/test/support/test-databases";
import type { ApiCaller } from "../api-auth/app-roles";
import { storeSecret } from "../domain/secret/store-secret";
import { mintConnectionAccessToken, type MintAccessTokenDeps } from "./mint-connection-access-token";

vi.setConfig({ testTimeout: 60_000 });
const fx = useMicrosoftSandbox();
const connector: ApiCaller = {
  kind: "service",
  objectId: "40000000-0000-4000-8000-000000000014",
  tenantId: "10000000-0000-4000-8000-000000000002",
  name: "Act-On Connector",
  roles: ["Connections.Token"],
};

describe("minting a connection's Dataverse token", () => {
  const t = useTestDatabase("sqlite");
  const deps = (): MintAccessTokenDeps => ({ db: t.db, keys: TEST_KEYS, identity: fx.config, retry: FAST_RETRY });
  /**
   * A connection made Active by the engine, on a client secret this process has never signed in with (as after a
   * rotation): the engine's verify step left a token for its first secret in MSAL's cache, which a fresh portal
   * instance would not have.
   */
  async function connectedInstance(): Promise<string> {
    const connectionId = await connectContosoThroughEngine(t.db, testEngine(t.db, fx), fx);
    const state = await fx.control.getState();
    const [app] = connectionObjects(state, connectionId).apps;
    const secretText = `Rt8Q~${randomBytes(18).toString("base64url")}`;
    const keyId = randomUUID();
    const now = new Date();
    const credential = {
      keyId,
      displayName: "Act-On Integration (rotated)",
      hint: secretText.slice(0, 3),
      startDateTime: now.toISOString(),
      endDateTime: new Date(now.getTime() + 180 * 86_400_000).toISOString(),
      secretText,
    };
    app.passwordCredentials = [credential as unknown as (typeof app.passwordCredentials)[number]];
    await fx.control.reset({ state });
    await t.db.secret.updateMany({ where: { connectionId, kind: "clientSecret", status: "active" }, data: { status: "revoked" } });
    await storeSecret(t.db, { connectionId, kind: "clientSecret", plaintext: secretText, keys: TEST_KEYS, status: "active", microsoftKeyId: keyId });
    return connectionId;
  }
  const mint = (connectionId: string) => mintConnectionAccessToken(deps(), { connectionId, caller: connector });

  it("mints a token Dataverse accepts for WhoAmI, hands out the same one from the cache, and audits each answer without it", async () => {
    const connectionId = await connectedInstance();
    const connection = await t.db.connection.findUniqueOrThrow({ where: { id: connectionId } });
    const since = new Date();

    const first = await mint(connectionId);
    if (!first.ok) throw new Error(first.error.userMessage);
    expect(first.value).toMatchObject({ environmentUrl: connection.environmentUrl, tenantId: connection.tenantId });
    expect(new Date(first.value.expiresOn).getTime()).toBeGreaterThan(Date.now() + 5 * 60_000);

    const whoAmI = await fetch(`${first.value.environmentUrl}/api/data/v9.2/WhoAmI`, {
      headers: { authorization: `Bearer ${first.value.accessToken}`, accept: "application/json" },
    });
    expect(whoAmI.status).toBe(200);
    expect(((await whoAmI.json()) as { UserId: string }).UserId).toBe(connection.applicationUserId);

    const second = await mint(connectionId);
    expect(second.ok && second.value.accessToken).toBe(first.value.accessToken);
    const tokenRequests = (await fx.control.getRequests(since)).filter((r) => /\/oauth2\/v2\.0\/token$/.test(r.path));
    expect(tokenRequests).toHaveLength(1);

    const audit = await t.db.auditEvent.findMany({ where: { connectionId, action: "connection.access_token.minted" } });
    expect(audit).toHaveLength(2);
    expect(audit[0]).toMatchObject({
      actorType: "acton",
      actorId: `${connector.tenantId}:${connector.objectId}`,
      outcome: "success",
      detail: { callerKind: "service", callerName: "Act-On Connector", expiresOn: first.value.expiresOn },
    });
    expect(JSON.stringify(audit)).not.toContain(first.value.accessToken);
  });

  it("answers 409 with Microsoft's refusal when the connection's secret was removed, audited as a failure", async () => {
    const connectionId = await connectedInstance();
    const state = await fx.control.getState();
    connectionObjects(state, connectionId).apps[0].passwordCredentials = [];
    await fx.control.reset({ state });

    const refused = await mint(connectionId);
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.error).toMatchObject({ code: "conflict", retryable: false });
    expect(refused.error.userMessage).toMatch(/Microsoft refused this connection's credential/);
    expect(refused.error.detail).toMatch(/AADSTS7000215/);
    const audit = await t.db.auditEvent.findFirstOrThrow({ where: { connectionId, action: "connection.access_token.minted" } });
    expect(audit).toMatchObject({ outcome: "failure", detail: { code: "client_secret_invalid" } });
  });

  it("answers 502 (retryable) while Microsoft's token endpoint is down", async () => {
    const connectionId = await connectedInstance();
    await fx.control.addFault({ service: "identity", method: "POST", kind: "unavailable", path: "^/[^/]+/oauth2/v2\\.0/token$" });
    const down = await mint(connectionId);
    expect(!down.ok && down.error).toMatchObject({ code: "upstream_unavailable", retryable: true });
  });

  it("mints nothing for an unknown id, a connection that is not Active, or one that signs in with a password", async () => {
    const connectionId = await connectedInstance();
    expect(await mint("no-such-connection")).toMatchObject({ ok: false, error: { code: "not_found" } });
    await t.db.connection.update({ where: { id: connectionId }, data: { authMode: "legacy" } });
    const legacy = await mint(connectionId);
    expect(!legacy.ok && legacy.error.userMessage).toMatch(/password \(legacy mode\)/);
    await t.db.connection.update({ where: { id: connectionId }, data: { authMode: "cloud", status: "disconnected" } });
    const disconnected = await mint(connectionId);
    expect(!disconnected.ok && disconnected.error.userMessage).toMatch(/only for an Active connection; this one is disconnected/);
    expect(await t.db.auditEvent.count({ where: { connectionId, action: "connection.access_token.minted" } })).toBe(0);
  });
});
