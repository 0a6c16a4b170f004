/**
 * Interleaving, on SQLite and PostgreSQL against the default and the realistic sandbox: runner 1 (its own
 * process) stalls inside verify holding a token for the secret it created; its run is cancelled once its lease has
 * been gone longer than a step can run; a second run on the same connection verifies. Runner 1 then wakes up and
 * changes nothing, and the connection ends Active with exactly one working, recorded secret.
 */
import { createHash } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ensureAccount } from "../domain/account/ensure-account";
import { whoAmI } from "../microsoft/dataverse";
import { getAppToken } from "../microsoft/app-tokens";
import { readSecret } from "../domain/secret/store-secret";
import { startStallingRunner, type StalledRunner } from "@/test/support/crash-runner";
import { testEngine } from "@/test/support/engine-fixture";
import { CONTOSO_ADMIN, signInAs, TENANTS, useMicrosoftSandbox } from "@/test/support/microsoft-sandbox";
import { engineMatrix, useSandboxScenario } from "@/test/support/engine-scenarios";
import { connectionObjects } from "@/test/support/sandbox-objects";
import { providersUnderTest, useTestDatabase } from "@/test/support/test-databases";
import { approveRun } from "./approve-run";
import { driveRunWith } from "./engine";
import { cancelRun } from "./retry-run";
import { startRun } from "./start-run";
import { dbNow } from "../domain/run/run-store";

vi.setConfig({ testTimeout: 180_000 });
const providers = await providersUnderTest();
const fx = useMicrosoftSandbox();
const actor = { type: "admin" as const, id: CONTOSO_ADMIN, tenantId: TENANTS.contoso };
const LEASE_MS = 1_000;
const STEP_TIMEOUT_MS = 5_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(engineMatrix(providers))("two runners on one connection on %s against the %s sandbox", (provider, scenario) => {
  const t = useTestDatabase(provider);
  useSandboxScenario(fx, scenario);
  let runner: StalledRunner | null = null;
  afterEach(() => {
    runner?.kill();
    runner = null;
  });

  /** Everything runner 1 could touch: the connection's Secret rows, the connection, the runs, the sandbox's objects. */
  async function everything(connectionId: string) {
    // Sealed values compared by digest, so a failure never prints them.
    const secrets = (await t.db.secret.findMany({ where: { connectionId }, orderBy: { createdAt: "asc" } })).map(
      ({ ciphertext, iv, authTag, ...row }) => ({ ...row, sealed: createHash("sha256").update(`${ciphertext}.${iv}.${authTag}`).digest("hex") }),
    );
    const connection = await t.db.connection.findUniqueOrThrow({ where: { id: connectionId } });
    const runs = await t.db.provisioningRun.findMany({ where: { connectionId }, include: { steps: true }, orderBy: { createdAt: "asc" } });
    const { apps, sps, grants, users, roleLinks, secrets: keys } = connectionObjects(await fx.control.getState(), connectionId);
    return { secrets, connection, runs, microsoft: { apps, sps, grants, users, roleLinks, keys } };
  }

  it("runner 1 stalled inside verify, cancelled once its lease is gone, a second run verifies: runner 1 changes nothing, one working recorded secret, Active", async () => {
    const engine = testEngine(t.db, fx, { config: { leaseMs: LEASE_MS, stepTimeoutMs: STEP_TIMEOUT_MS } });
    const account = await ensureAccount(t.db, { actonAccountId: `acct-${Math.random().toString(36).slice(2)}`, name: "Contoso" });
    const options = { mode: "cloud" as const, credential: "secret" as const, environment: "Contoso Sales", requestedBy: CONTOSO_ADMIN };
    const first = await startRun(engine, { accountId: account.id, kind: "connect", options, session: await signInAs(fx), actor });
    if (!first.ok) throw new Error(first.error.userMessage);
    const connectionId = first.value.connection.id;
    expect((await approveRun(engine, { runId: first.value.id, actor })).ok).toBe(true);

    // Runner 1 runs in its own process up to verify, signs in with its new secret (the token its drive asked for once
    // the secret was made), calls WhoAmI, and freezes there.
    runner = startStallingRunner({
      databaseUrl: t.url,
      runId: first.value.id,
      owner: "runner-1",
      config: engine.config,
      stallInStep: "verify",
      stallAfterCall: "/WhoAmI",
      timeoutMs: 60_000,
    });
    await runner.stalled;
    const held = await t.db.provisioningRun.findUniqueOrThrow({ where: { id: first.value.id } });
    expect(held).toMatchObject({ status: "running", currentStep: "verify" });
    expect(held.leaseOwner).toMatch(/^runner-1:/);
    const firstSecret = await t.db.secret.findFirstOrThrow({ where: { connectionId, kind: "clientSecret" } });

    // Cancel is refused while the lease may still be live, and taken only once it has been gone longer than a step can run.
    const early = await cancelRun(engine, { runId: first.value.id, actor });
    expect(early.ok === false && early.error.code).toBe("conflict");
    // Each attempt is bracketed by the database's clock: refused ones after the lease expired prove expiry alone is
    // not enough; the accepted one comes only once the lease has been gone for a step's time limit.
    const leaseUntil = held.leaseUntil!.getTime();
    const attempts: { before: number; after: number; ok: boolean }[] = [];
    for (const deadline = Date.now() + LEASE_MS + STEP_TIMEOUT_MS + 30_000; !attempts.at(-1)?.ok && Date.now() < deadline; await sleep(200)) {
      const before = (await dbNow(t.db, { fresh: true })).getTime();
      const ok = (await cancelRun(engine, { runId: first.value.id, actor })).ok;
      attempts.push({ before, after: (await dbNow(t.db, { fresh: true })).getTime(), ok });
    }
    const accepted = attempts.at(-1)!;
    expect(accepted.ok).toBe(true);
    expect(accepted.after).toBeGreaterThanOrEqual(leaseUntil + STEP_TIMEOUT_MS);
    expect(attempts.some((a) => !a.ok && a.before > leaseUntil)).toBe(true);
    expect((await t.db.connection.findUniqueOrThrow({ where: { id: connectionId } })).status).toBe("failed");

    // The second run on the same connection, started and waiting for approval, when runner 1 wakes up.
    const second = await startRun(engine, { accountId: account.id, connectionId, kind: "connect", options, session: await signInAs(fx), actor });
    if (!second.ok) throw new Error(second.error.userMessage);
    const before = await everything(connectionId);
    const woke = await runner.resume();
    expect(woke.code, woke.output).toBe(0);
    expect(woke.output).toContain(JSON.stringify({ status: "notClaimed" }));
    expect(await everything(connectionId)).toEqual(before);

    const approved = await approveRun(engine, { runId: second.value.id, actor });
    expect(approved.ok, approved.ok ? "" : approved.error.userMessage).toBe(true);
    expect((await driveRunWith(engine, second.value.id)).status).toBe("succeeded");

    // Exactly one secret at Microsoft and one live row, the same key, and it works. (The second run may reuse the
    // secret runner 1 created and recorded: it is the portal's own, still on the app, and now proven.)
    const objects = connectionObjects(await fx.control.getState(), connectionId);
    expect(objects.apps).toHaveLength(1);
    expect(objects.secrets).toHaveLength(1);
    const live = await t.db.secret.findMany({ where: { connectionId, kind: "clientSecret", status: { in: ["active", "pending"] } } });
    expect(live).toHaveLength(1);
    expect(live[0]).toMatchObject({ status: "active", microsoftKeyId: objects.secrets[0].keyId });
    if (live[0].id !== firstSecret.id) {
      expect(objects.secrets.map((s) => s.keyId)).not.toContain(firstSecret.microsoftKeyId);
      expect(await t.db.secret.findUniqueOrThrow({ where: { id: firstSecret.id } })).toMatchObject({ status: "revoked", ciphertext: "" });
    }
    const connection = await t.db.connection.findUniqueOrThrow({ where: { id: connectionId } });
    expect(connection.status).toBe("active");
    const plaintext = await readSecret(t.db, { secretId: live[0].id, keys: engine.config.keys });
    if (!plaintext?.ok) throw new Error("the live secret cannot be read");
    const environmentUrl = connection.environmentUrl!;
    const token = await getAppToken({
      config: fx.config,
      tenantId: connection.tenantId!,
      clientId: connection.clientId!,
      clientSecret: plaintext.value,
      resource: { environmentUrl },
      skipCache: true,
    });
    const me = await whoAmI({ environmentUrl, getToken: async () => token });
    expect(me.userId.toLowerCase()).toBe(connection.applicationUserId!.toLowerCase());
  });
});
