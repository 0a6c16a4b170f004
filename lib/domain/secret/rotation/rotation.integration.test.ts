/**
 * Certificate rotation against the sandbox, with the sandbox's clock moved to 20 days before the certificate expires
 * and the portal's clock (injected into the job) moved as far, so both agree on what is due and on the dates of every
 * signed assertion. The scheduler rotates it with addKey/removeKey and the connection stays Active; a runner stopped
 * dead at every boundary leaves a rotation another runner finishes with exactly one working key; two instances at
 * once rotate once; a failure alerts once and retries; a runner renews its lease through a slow phase and stops before
 * its next Microsoft call once the lease is lost. On SQLite and PostgreSQL.
 */
import { beforeAll, describe, expect, it, vi } from "vitest";
import { TEST_KEYS, testEngine } from "@/test/support/engine-fixture";
import { connectContosoThroughEngine } from "@/test/support/hand-made-setup";
import { CONTOSO_ADMIN, FAST_RETRY, signInAs, TENANTS, useMicrosoftSandbox } from "@/test/support/microsoft-sandbox";
import { connectionObjects } from "@/test/support/sandbox-objects";
import { providersUnderTest, useTestDatabase } from "@/test/support/test-databases";
import { createScheduler, jobKind } from "../../../scheduler/scheduler";
import { credentialRotationsKind } from "../../../scheduler/kinds/credential-rotations";
import { driveRunWith, type Engine } from "../../../provisioning/engine";
import { approveRun } from "../../../provisioning/approve-run";
import { startRun } from "../../../provisioning/start-run";
import { getAppToken } from "../../../microsoft/app-tokens";
import { whoAmI } from "../../../microsoft/dataverse";
import { findConnectionForSupport } from "../../../connections/find-connection-for-support";
import { findConnectionRecord } from "../../../connections/connection-resource";
import { toConnectionResource } from "../../../api/v1/connection-resource";
import { readActiveAppCredential } from "../app-credential";
import { claimDueRotations, scheduleDueRotations } from "./rotation-claims";
import { runClaimedRotation, type RotationCheckpoint, type RotationDeps } from "./run-rotation";

vi.setConfig({ testTimeout: 90_000 });
const fx = useMicrosoftSandbox();
const DAY = 86_400_000;
const providers = await providersUnderTest();

describe.each(providers)("certificate rotation, on %s", (provider) => {
  const t = useTestDatabase(provider);
  let engine: Engine;
  /** How far the portal's clock runs ahead; kept equal to the sandbox's offset. */
  let offsetMs = 0;
  const now = () => new Date(Date.now() + offsetMs);

  beforeAll(() => {
    engine = testEngine(t.db, fx);
  });

  const deps = (overrides: Partial<RotationDeps> = {}): RotationDeps => ({
    db: t.db,
    config: engine.config,
    owner: `rotator-${Math.random().toString(36).slice(2, 8)}`,
    leaseMs: 60_000,
    graceMs: 0,
    now,
    call: { retry: FAST_RETRY },
    ...overrides,
  });

  /** Moves both clocks forward together. */
  const advance = async (ms: number) => {
    offsetMs += ms;
    await fx.control.advanceClock(ms);
  };

  /** Moves both clocks to 20 days before the connection's live certificate expires. */
  const toTwentyDaysBeforeExpiry = async (connectionId: string) => {
    const c = await t.db.connection.findUniqueOrThrow({ where: { id: connectionId } });
    await advance(c.secretExpiresAt!.getTime() - 20 * DAY - now().getTime());
  };

  const connect = async () => {
    offsetMs = 0;
    // The database outlives the sandbox's reset between tests: an earlier test's connection (its app gone) must not be due.
    await t.db.connection.deleteMany();
    await t.db.webhookEndpoint.create({ data: { url: "https://hooks.example.com/acton", createdBy: "test" } });
    return connectContosoThroughEngine(t.db, engine, fx, undefined, "certificate");
  };

  /** The connection signs in with its live certificate (dated on the moved clock) and reaches Dataverse. */
  const expectUsable = async (connectionId: string) => {
    const c = await t.db.connection.findUniqueOrThrow({ where: { id: connectionId } });
    expect(c.status).toBe("active");
    const live = await readActiveAppCredential(t.db, { connectionId, mode: "certificate", keys: TEST_KEYS });
    if (live.status !== "open") throw new Error(`no live certificate: ${live.status}`);
    const token = await getAppToken({
      ...live.credential,
      config: fx.config,
      tenantId: c.tenantId!,
      clientId: c.clientId!,
      resource: { environmentUrl: c.environmentUrl! },
      skipCache: true,
      now,
    });
    const me = await whoAmI({ environmentUrl: c.environmentUrl!, getToken: async () => token });
    expect(me.userId.toLowerCase()).toBe(c.applicationUserId!.toLowerCase());
    return live;
  };

  /** Exactly one certificate on the app, and it is the connection's live one. */
  const expectOneWorkingKey = async (connectionId: string) => {
    const live = await expectUsable(connectionId);
    const { certificates } = connectionObjects(await fx.control.getState(), connectionId);
    expect(certificates).toHaveLength(1);
    const row = await t.db.secret.findUniqueOrThrow({ where: { id: live.id } });
    if (row.microsoftKeyId) expect(certificates[0].keyId).toBe(row.microsoftKeyId);
    expect(await t.db.secret.count({ where: { connectionId, kind: "certificateKey", status: { in: ["active", "pending"] } } })).toBe(1);
  };

  /**
   * A rotation of the connection's live certificate, seeded due now (so the clocks need not move), whose runner dies
   * right after addKey answered, before it recorded the keyId Graph picked. Returns the rotation and the dead runner.
   */
  const rotationWithLostAddKeyAnswer = async (connectionId: string) => {
    const live = await t.db.secret.findFirstOrThrow({
      where: { connectionId, kind: "certificateKey", status: "active" },
      orderBy: { createdAt: "desc" },
    });
    const { id } = await t.db.credentialRotation.create({
      data: { connectionId, oldSecretId: live.id, oldKeyId: live.microsoftKeyId, nextAttemptAt: now() },
    });
    let reached!: () => void;
    const stopped = new Promise<void>((resolve) => (reached = resolve));
    const dying = deps({
      checkpoint: async (p) => {
        if (p !== "addKey") return;
        reached();
        await new Promise<never>(() => {});
      },
    });
    expect(await claimDueRotations(t.db, { owner: dying.owner, leaseMs: dying.leaseMs, limit: 1, now: now() })).toEqual([id]);
    void runClaimedRotation(dying, id);
    await stopped;
    return { id, dying, live };
  };

  /** A repair as admin@contoso (Application.ReadWrite.All), the live certificate kept: it reads the app's certificates. */
  const repair = async (connectionId: string) => {
    const c = await t.db.connection.findUniqueOrThrow({ where: { id: connectionId } });
    const actor = { type: "admin" as const, id: CONTOSO_ADMIN, tenantId: TENANTS.contoso };
    const run = await startRun(engine, {
      accountId: c.accountId,
      connectionId,
      kind: "connect",
      options: {
        mode: "cloud",
        credential: "certificate",
        environment: fx.environmentUrl("contoso-sales"),
        requestedBy: CONTOSO_ADMIN,
        secret: "keep",
      },
      session: await signInAs(fx),
      actor,
    });
    if (!run.ok) throw new Error(run.error.userMessage);
    expect((await approveRun(engine, { runId: run.value.id, actor })).ok).toBe(true);
    expect((await driveRunWith(engine, run.value.id)).status).toBe("succeeded");
  };

  /** Schedules and runs every due rotation with fresh runners until none is left due. */
  const finishDueRotations = async (d: RotationDeps) => {
    await scheduleDueRotations(t.db, { now: now() });
    for (let round = 0; round < 10; round++) {
      const ids = await claimDueRotations(t.db, { owner: d.owner, leaseMs: d.leaseMs, limit: 10, now: now() });
      if (ids.length === 0) return;
      for (const id of ids) await runClaimedRotation(d, id);
    }
  };

  it("the scheduler rotates a certificate 20 days before expiry with addKey and removeKey; the connection stays Active", async () => {
    const connectionId = await connect();
    const [before] = connectionObjects(await fx.control.getState(), connectionId).certificates;
    const oldExpiry = (await t.db.connection.findUniqueOrThrow({ where: { id: connectionId } })).secretExpiresAt!;

    // 31 days before expiry nothing is due on either clock.
    await advance(oldExpiry.getTime() - 31 * DAY - now().getTime());
    expect(await scheduleDueRotations(t.db, { now: now() })).toBe(0);
    await toTwentyDaysBeforeExpiry(connectionId);

    const since = new Date();
    const scheduler = createScheduler({
      size: 2,
      tickMs: 20,
      kinds: [jobKind(credentialRotationsKind(deps({ graceMs: 3600_000 }), { max: 1, pollEveryMs: 60_000 }))],
    });
    scheduler.start();
    await vi.waitFor(async () => expect((await t.db.credentialRotation.findFirstOrThrow({ where: { connectionId } })).phase).toBe("switched"), {
      timeout: 30_000,
      interval: 50,
    });
    await scheduler.idle();
    await scheduler.stop();

    // Switched: the new certificate is live, the old one stays on the app for the grace period.
    const mid = await t.db.connection.findUniqueOrThrow({ where: { id: connectionId } });
    expect(mid.status).toBe("active");
    expect(mid.secretExpiresAt!.getTime()).toBeGreaterThan(oldExpiry.getTime() + 300 * DAY);
    expect(connectionObjects(await fx.control.getState(), connectionId).certificates).toHaveLength(2);
    await expectUsable(connectionId);
    // The API's connection names the new certificate's expiry, and its rotation 30 days before that.
    const resource = toConnectionResource((await findConnectionRecord(t.db, connectionId))!);
    expect(resource.credential).toEqual({
      mode: "certificate",
      expiresAt: mid.secretExpiresAt!.toISOString(),
      rotatesAt: new Date(mid.secretExpiresAt!.getTime() - 30 * DAY).toISOString(),
    });

    // Past the grace period the old certificate is removed, with a proof signed by the new one.
    await advance(3600_000 + 1_000);
    await finishDueRotations(deps({ graceMs: 3600_000 }));
    const rotation = await t.db.credentialRotation.findFirstOrThrow({ where: { connectionId } });
    expect(rotation).toMatchObject({ phase: "done", attempts: 0, leaseOwner: null });
    await expectOneWorkingKey(connectionId);
    const [after] = connectionObjects(await fx.control.getState(), connectionId).certificates;
    expect(after.keyId).not.toBe(before.keyId);
    expect(after.keyId).toBe(rotation.newKeyId);

    const calls = (await fx.control.getRequests(since)).filter((r) => /\/(addKey|removeKey)$/.test(r.path));
    expect(calls.map((r) => `${r.method} ${r.path.split("/").pop()} ${r.status}`)).toEqual(["POST addKey 200", "POST removeKey 204"]);

    const events = await t.db.webhookEvent.findMany({ where: { connectionId, type: { startsWith: "connection.credential_rot" } } });
    expect(events.map((e) => e.payload)).toEqual([
      expect.objectContaining({
        type: "connection.credential_rotated",
        data: expect.objectContaining({
          credential: { kind: "certificate", keyId: after.keyId, expiresAt: mid.secretExpiresAt!.toISOString() },
          previousKeyId: before.keyId,
        }),
      }),
    ]);
    const audit = await t.db.auditEvent.findMany({
      where: { connectionId, action: { startsWith: "credential.rotation." } },
      orderBy: { occurredAt: "asc" },
    });
    expect(audit.map((a) => a.action)).toEqual([
      "credential.rotation.key_stored",
      "credential.rotation.adding",
      "credential.rotation.key_added",
      "credential.rotation.verified",
      "credential.rotation.switched",
      "credential.rotation.old_key_removed",
    ]);
    expect(JSON.stringify(audit)).not.toMatch(/PRIVATE KEY|BEGIN CERTIFICATE|eyJ/);
  });

  it("a runner stopped dead at every boundary leaves a rotation another runner finishes with exactly one working key", async () => {
    const connectionId = await connect();
    const points: RotationCheckpoint[] = ["keyStored", "adding", "keyAdded", "verified", "switched", "removeKey", "done", "addKey"];
    for (const point of points) {
      await toTwentyDaysBeforeExpiry(connectionId);
      let reached!: () => void;
      const stopped = new Promise<void>((resolve) => (reached = resolve));
      const dying = deps({
        // Dead at the boundary: nothing after it runs, and its claim is left to lapse.
        checkpoint: async (p) => {
          if (p !== point) return;
          reached();
          await new Promise<never>(() => {});
        },
      });
      await scheduleDueRotations(t.db, { now: now() });
      const [id] = await claimDueRotations(t.db, { owner: dying.owner, leaseMs: dying.leaseMs, limit: 1, now: now() });
      expect(id, `a rotation is due before ${point}`).toBeTruthy();
      void runClaimedRotation(dying, id);
      await stopped;
      expect((await t.db.connection.findUniqueOrThrow({ where: { id: connectionId } })).status).toBe("active");
      await expectUsable(connectionId);

      // Another instance, once the dead runner's lease has lapsed (and, for an addKey whose answer never came, the
      // directory's replication window: until then a certificate that does not sign in yet may still be replicating).
      await advance(Math.max(dying.leaseMs, engine.config.replicationWindowMs) + 1_000);
      await finishDueRotations(deps());
      const rotation = await t.db.credentialRotation.findUniqueOrThrow({ where: { id } });
      expect(rotation.phase, `after a stop at ${point}: ${rotation.lastErrorCode} ${rotation.lastErrorDetail}`).toBe("done");
      await expectOneWorkingKey(connectionId);
      if (point === "addKey") {
        // addKey's answer was lost: the outcome is explicit to support (the panel and the audit), not silent.
        expect(rotation.newKeyId).toBeNull();
        const added = await t.db.auditEvent.findFirstOrThrow({
          where: { connectionId, action: "credential.rotation.key_added" },
          orderBy: { occurredAt: "desc" },
        });
        expect(added.detail).toMatchObject({ rotationId: id, newKeyId: null, keyIdUnknown: true, mayRemainUntil: expect.any(String) });
        const seen = await findConnectionForSupport(t.db, connectionId);
        if (!seen.ok) throw new Error(seen.error.userMessage);
        expect(seen.value.rotation).toMatchObject({ phase: "done", newKeyIdKnown: false });
      }
    }
    expect(await t.db.credentialRotation.count({ where: { connectionId } })).toBe(points.length);
    expect(await t.db.webhookEvent.count({ where: { connectionId, type: "connection.credential_rotated" } })).toBe(points.length);
  });

  it("two instances at once rotate once; a failure alerts once, keeps the old certificate and is retried", async () => {
    const connectionId = await connect();
    await toTwentyDaysBeforeExpiry(connectionId);
    const fault = await fx.control.addFault({ service: "graph", method: "POST", path: "^/v1.0/applications/[^/]+/addKey$", kind: "unavailable" });

    const instances = [0, 1].map(() =>
      createScheduler({ size: 2, tickMs: 20, kinds: [jobKind(credentialRotationsKind(deps(), { max: 1, pollEveryMs: 60_000 }))] }),
    );
    for (const s of instances) s.start();
    await vi.waitFor(async () => expect((await t.db.credentialRotation.findFirst({ where: { connectionId } }))?.attempts).toBe(1), {
      timeout: 30_000,
      interval: 50,
    });
    await Promise.all(instances.map((s) => s.idle()));
    await Promise.all(instances.map((s) => s.stop()));

    const failed = await t.db.credentialRotation.findFirstOrThrow({ where: { connectionId } });
    expect(failed).toMatchObject({ phase: "adding", lastErrorCode: "upstream_unavailable", leaseOwner: null });
    expect(failed.nextAttemptAt.getTime() - now().getTime()).toBeGreaterThan(4 * 60_000);
    const alerts = await t.db.webhookEvent.findMany({ where: { connectionId, type: "connection.credential_rotation_failed" } });
    expect(alerts).toHaveLength(1);
    expect(alerts[0].payload).toMatchObject({ data: { code: "upstream_unavailable", credential: { kind: "certificate" } } });
    expect(connectionObjects(await fx.control.getState(), connectionId).certificates).toHaveLength(1);
    await expectUsable(connectionId);
    // Support sees the failing rotation, its code and when it is tried again.
    const seen = await findConnectionForSupport(t.db, connectionId);
    if (!seen.ok) throw new Error(seen.error.userMessage);
    expect(seen.value.rotation).toMatchObject({
      phase: "adding",
      attempts: 1,
      lastErrorCode: "upstream_unavailable",
      nextAttemptAt: failed.nextAttemptAt.toISOString(),
      newKeyIdKnown: true,
    });

    // Microsoft answers again; the retry is due five minutes on, and both instances together finish it once.
    await fx.control.removeFault(fault.id).catch(() => undefined);
    await advance(5 * 60_000 + 1_000);
    const again = [0, 1].map(() => deps());
    await Promise.all(again.map((d) => finishDueRotations(d)));
    expect(await t.db.credentialRotation.count({ where: { connectionId } })).toBe(1);
    expect((await t.db.credentialRotation.findFirstOrThrow({ where: { connectionId } })).phase).toBe("done");
    await expectOneWorkingKey(connectionId);
    expect(await t.db.webhookEvent.count({ where: { connectionId, type: "connection.credential_rotated" } })).toBe(1);
    expect(await t.db.webhookEvent.count({ where: { connectionId, type: "connection.credential_rotation_failed" } })).toBe(1);
  });

  it("a runner renews its lease through a phase slower than the lease: a second runner never gets in, one addKey", async () => {
    const connectionId = await connect();
    await toTwentyDaysBeforeExpiry(connectionId);
    const since = new Date();
    const leaseMs = 200;
    const second = deps({ leaseMs });
    const takenOver: string[] = [];
    const slow = deps({
      leaseMs,
      // Two and a half leases long between writing `adding` and sending addKey (Microsoft hanging within its timeout), while a
      // second instance keeps trying to claim the rotation.
      checkpoint: async (p) => {
        if (p !== "adding") return;
        const until = Date.now() + 2.5 * leaseMs;
        while (Date.now() < until) {
          takenOver.push(...(await claimDueRotations(t.db, { owner: second.owner, leaseMs, limit: 1, now: now() })));
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      },
    });
    await scheduleDueRotations(t.db, { now: now() });
    const [id] = await claimDueRotations(t.db, { owner: slow.owner, leaseMs, limit: 1, now: now() });
    const outcome = await runClaimedRotation(slow, id);
    expect(takenOver).toEqual([]);
    expect(outcome).toEqual({ kind: "done" });
    const calls = (await fx.control.getRequests(since)).filter((r) => /\/(addKey|removeKey)$/.test(r.path));
    expect(calls.map((r) => `${r.path.split("/").pop()} ${r.status}`)).toEqual(["addKey 200", "removeKey 204"]);
    await expectOneWorkingKey(connectionId);
  });

  it("a runner whose lease was taken over stops before its next Microsoft call", async () => {
    const connectionId = await connect();
    await toTwentyDaysBeforeExpiry(connectionId);
    const since = new Date();
    const d = deps({
      // Another instance claims the rotation while this one is between writing `adding` and sending addKey.
      checkpoint: async (p) => {
        if (p !== "adding") return;
        await t.db.credentialRotation.updateMany({
          where: { connectionId },
          data: { leaseOwner: "other-instance", leaseUntil: new Date(now().getTime() + 60_000), version: { increment: 1 } },
        });
      },
    });
    await scheduleDueRotations(t.db, { now: now() });
    const [id] = await claimDueRotations(t.db, { owner: d.owner, leaseMs: d.leaseMs, limit: 1, now: now() });
    expect(await runClaimedRotation(d, id)).toEqual({ kind: "lostClaim" });
    expect((await fx.control.getRequests(since)).filter((r) => /addKey|removeKey/.test(r.path))).toEqual([]);
    expect(await t.db.credentialRotation.findUniqueOrThrow({ where: { id } })).toMatchObject({ phase: "adding", leaseOwner: "other-instance" });
    expect(connectionObjects(await fx.control.getState(), connectionId).certificates).toHaveLength(1);
  });

  // The race is the portal's own (a repair's read of the app against a rotation's unrecorded keyId), not the database's.
  it.runIf(provider === "sqlite")(
    "a repair while a rotation's addKey answer is lost keeps the rotation's new certificate, learns its keyId, and the rotation ends with one",
    async () => {
      const connectionId = await connect();
      const { id, dying, live } = await rotationWithLostAddKeyAnswer(connectionId);
      const added = connectionObjects(await fx.control.getState(), connectionId).certificates.find((k) => k.keyId !== live.microsoftKeyId);
      expect(added).toBeTruthy();
      expect(await t.db.credentialRotation.findUniqueOrThrow({ where: { id } })).toMatchObject({ phase: "adding", newKeyId: null });

      // A repair reads the app meanwhile.
      await repair(connectionId);
      // The rotation's new certificate is still on the app, and its keyId is now known to the portal.
      const keyIds = connectionObjects(await fx.control.getState(), connectionId).certificates.map((k) => k.keyId);
      expect(keyIds).toContain(added!.keyId);
      const rotation = await t.db.credentialRotation.findUniqueOrThrow({ where: { id } });
      expect(rotation.newKeyId).toBe(added!.keyId.toLowerCase());
      expect((await t.db.secret.findUniqueOrThrow({ where: { id: rotation.newSecretId! } })).microsoftKeyId).toBe(added!.keyId.toLowerCase());
      expect(await t.db.auditEvent.count({ where: { connectionId, action: "credential.key_id_recovered" } })).toBe(1);

      // The rotation resumes once the dead runner's lease and the replication window have passed, and ends with one key.
      await advance(Math.max(dying.leaseMs, engine.config.replicationWindowMs) + 1_000);
      await finishDueRotations(deps());
      expect((await t.db.credentialRotation.findUniqueOrThrow({ where: { id } })).phase).toBe("done");
      await expectOneWorkingKey(connectionId);
      expect(connectionObjects(await fx.control.getState(), connectionId).certificates.map((k) => k.keyId)).toEqual([added!.keyId]);
    },
  );

  it.runIf(provider === "sqlite")(
    "a certificate whose keyId was never learnt is left by the next rotation (audited) and removed by a repair as a tagged orphan",
    async () => {
      const connectionId = await connect();
      const first = await rotationWithLostAddKeyAnswer(connectionId);
      await advance(Math.max(first.dying.leaseMs, engine.config.replicationWindowMs) + 1_000);
      await finishDueRotations(deps());
      const unknown = connectionObjects(await fx.control.getState(), connectionId).certificates;
      expect(unknown).toHaveLength(1);
      expect((await t.db.credentialRotation.findUniqueOrThrow({ where: { id: first.id } })).newKeyId).toBeNull();

      // The next rotation replaces it but cannot remove it: the audit says it may stay until it expires.
      const live = await t.db.secret.findFirstOrThrow({ where: { connectionId, kind: "certificateKey", status: "active" } });
      expect(live.microsoftKeyId).toBeNull();
      const { id } = await t.db.credentialRotation.create({ data: { connectionId, oldSecretId: live.id, oldKeyId: null, nextAttemptAt: now() } });
      await finishDueRotations(deps());
      expect((await t.db.credentialRotation.findUniqueOrThrow({ where: { id } })).phase).toBe("done");
      const left = await t.db.auditEvent.findFirstOrThrow({ where: { connectionId, action: "credential.rotation.old_key_left" } });
      expect(left.detail).toMatchObject({ rotationId: id, oldKeyId: null, keyIdUnknown: true, mayRemainUntil: live.expiresAt!.toISOString() });
      expect(connectionObjects(await fx.control.getState(), connectionId).certificates).toHaveLength(2);

      // A repair removes it: a certificate the portal tagged, matching no certificate it still holds by keyId or thumbprint.
      await repair(connectionId);
      const after = connectionObjects(await fx.control.getState(), connectionId).certificates.map((k) => k.keyId);
      expect(after).toHaveLength(1);
      expect(after).not.toContain(unknown[0].keyId);
      await expectOneWorkingKey(connectionId);
    },
  );

  it("a connection being disconnected mid-rotation stops its rotation without touching the app", async () => {
    const connectionId = await connect();
    await toTwentyDaysBeforeExpiry(connectionId);
    const d = deps();
    await scheduleDueRotations(t.db, { now: now() });
    const [id] = await claimDueRotations(t.db, { owner: d.owner, leaseMs: d.leaseMs, limit: 1, now: now() });
    await t.db.connection.update({ where: { id: connectionId }, data: { status: "disconnecting" } });
    const since = new Date();
    expect(await runClaimedRotation(d, id)).toEqual({ kind: "done" });
    expect((await fx.control.getRequests(since)).filter((r) => /addKey|removeKey/.test(r.path))).toEqual([]);
    expect(await t.db.auditEvent.count({ where: { connectionId, action: "credential.rotation.abandoned" } })).toBe(1);
    expect(await t.db.secret.count({ where: { connectionId, status: "pending" } })).toBe(0);
  });
});
