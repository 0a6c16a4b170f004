import "server-only";
import type { Db } from "../../../core/db";
import { appError, type AppError } from "../../../core/errors";
import { getAppToken } from "../../../microsoft/app-tokens";
import { certificateThumbprints, createCertificateCredential } from "../../../microsoft/certificate-credential";
import { buildProofOfPossession } from "../../../microsoft/client-assertion";
import { whoAmI } from "../../../microsoft/dataverse";
import { isMicrosoftError } from "../../../microsoft/errors";
import { addOwnCertificate, removeOwnCertificate, type GraphContext } from "../../../microsoft/graph";
import type { CallSettings } from "../../../microsoft/http";
import type { IdentityConfig } from "../../../microsoft/identity-config";
import { recordAuditEvent } from "../../audit/record-audit-event";
import { recordCredentialRotated } from "../../connection/commands";
import { enqueueCredentialRotatedEvent, enqueueCredentialRotationFailedEvent } from "../../webhook-outbox/enqueue-webhook-events";
import { appCredentialOf, certificateKeyPlaintext } from "../app-credential";
import { CERTIFICATE_LIFETIME_DAYS } from "../credential-mode";
import type { EncryptionKey } from "../secret-box";
import { readSecret, storeSecret } from "../store-secret";
import { holdRotationLease, LostClaim, type RotationLease } from "./rotation-lease";
import { nextRetryAt, type RotationPhase } from "./rotation-schedule";

/**
 * One certificate rotation, phase by phase (the `CredentialRotation` model): a new key pair stored encrypted → added
 * to the app with Graph `addKey` (proof signed by the current certificate) → verified (a token with it and WhoAmI) →
 * the connection switched to it with `connection.credential_rotated` → after a grace period the old certificate
 * removed with `removeKey` (proof signed by the new one). Each phase is written (by compare-and-set on the lease)
 * before the outside effect that follows it, so a crash anywhere resumes without losing a key or adding one twice,
 * and the connection always has a working certificate: the old one stays until the new one is proven and switched to.
 */

export type RotationDeps = {
  db: Db;
  config: { identity: IdentityConfig; keys: EncryptionKey[]; callTimeoutMs: number; replicationWindowMs: number };
  owner: string;
  leaseMs: number;
  /** How long the old certificate stays on the app after the switch (instances still signing with it finish). */
  graceMs: number;
  /** The portal's clock (tests rehearse a rotation months ahead with the sandbox's clock moved as far). */
  now?: () => Date;
  call?: CallSettings;
  /** Called after each durable step (a phase written, a Microsoft write answered): where a crash is rehearsed. */
  checkpoint?: (point: RotationCheckpoint) => Promise<void>;
  /** How often the lease is renewed while a rotation runs (default: a third of `leaseMs`). */
  renewEveryMs?: number;
};

/** The deps of a runner that holds the rotation's lease: its Microsoft calls stop when the lease is lost. */
type Held = RotationDeps & { lease: RotationLease };

export type RotationCheckpoint = "keyStored" | "adding" | "addKey" | "keyAdded" | "verified" | "switched" | "removeKey" | "done";

export type RotationOutcome =
  | { kind: "done" }
  | { kind: "waiting"; until: Date; phase: RotationPhase }
  | { kind: "failed"; error: AppError; nextAttemptAt: Date }
  | { kind: "lostClaim" };

const SYSTEM = { type: "system" as const, id: "credential-rotation" };
/** Certificates the portal uploads carry this name (certificate.ts recognises its own by the prefix). */
const displayName = (now: Date) => `Act-On connector certificate ${now.toISOString().slice(0, 10)} rotation`;

type Rotation = NonNullable<Awaited<ReturnType<typeof loadRotation>>>;

async function loadRotation(db: Db, id: string) {
  return db.credentialRotation.findUnique({
    where: { id },
    include: {
      connection: {
        select: { id: true, accountId: true, status: true, tenantId: true, clientId: true, applicationObjectId: true, environmentUrl: true },
      },
    },
  });
}

/** A failure of the rotation itself (not Microsoft's), carrying what support sees. */
class RotationError extends Error {
  constructor(readonly appError: AppError) {
    super(appError.detail ?? appError.code);
  }
}

const fault = (userMessage: string, detail: string) => new RotationError(appError("internal", userMessage, { detail }));

/** Runs a rotation this instance claimed until it is done, waits (the grace period, a retry) or loses its claim. */
export async function runClaimedRotation(deps: RotationDeps, rotationId: string): Promise<RotationOutcome> {
  const now = deps.now ?? (() => new Date());
  const checkpoint = deps.checkpoint ?? (async () => {});
  let rotation = await loadRotation(deps.db, rotationId);
  if (!rotation || rotation.leaseOwner !== deps.owner) return { kind: "lostClaim" };
  const lease = holdRotationLease(deps.db, { rotationId, owner: deps.owner, leaseMs: deps.leaseMs, now, renewEveryMs: deps.renewEveryMs });
  // Every Microsoft call carries the lease's signal: one in flight when the lease is lost is cut short.
  const held: Held = { ...deps, lease, call: { ...deps.call, signal: lease.signal } };
  try {
    for (;;) {
      const r: Rotation = rotation!;
      if (r.phase === "done") return { kind: "done" };
      if (r.phase === "switched" && r.removeOldAfter && r.removeOldAfter > now()) {
        await advance(deps, r, { phase: "switched", nextAttemptAt: r.removeOldAfter, release: true });
        return { kind: "waiting", until: r.removeOldAfter, phase: r.phase };
      }
      const waited = await runPhase(held, r, now, checkpoint);
      if (waited) return waited;
      rotation = await loadRotation(deps.db, rotationId);
      // The write to `done` gives the lease back with it: a finished rotation is reported as such, not as a lost claim.
      if (rotation?.phase === "done") return { kind: "done" };
      if (!rotation || rotation.leaseOwner !== deps.owner) return { kind: "lostClaim" };
    }
  } catch (error) {
    if (error instanceof LostClaim || lease.signal.aborted) return { kind: "lostClaim" };
    return recordFailure(deps, rotation!, error, now());
  } finally {
    lease.stop();
  }
}

/** One phase's work and the write that moves past it; a wait (replication) comes back as an outcome. */
async function runPhase(
  deps: Held,
  r: Rotation,
  now: () => Date,
  checkpoint: (point: RotationCheckpoint) => Promise<void>,
): Promise<RotationOutcome | null> {
  const c = r.connection;
  if (!c.tenantId || !c.clientId || !c.applicationObjectId || !c.environmentUrl) {
    throw fault("The connection is missing its app registration.", `connection ${c.id} has no app facts`);
  }
  const target = { tenantId: c.tenantId, clientId: c.clientId, objectId: c.applicationObjectId, environmentUrl: c.environmentUrl };
  if (c.status === "disconnected" || c.status === "disconnecting") {
    // A disconnect removes the app's credentials itself: a rotation of a connection being given up stops here.
    await advance(deps, r, { phase: "done", at: now() }, audit(r, "credential.rotation.abandoned", { status: c.status }));
    return { kind: "done" };
  }
  if (c.status !== "active") return wait(deps, r, new Date(now().getTime() + 3600_000));
  switch (r.phase) {
    case "started": {
      const at = now();
      // A minute back: Microsoft compares the certificate's start with its own clock.
      const credential = await createCertificateCredential({
        commonName: `Act-On Dynamics connector ${c.id}`,
        notBefore: new Date(at.getTime() - 60_000),
        notAfter: new Date(at.getTime() + CERTIFICATE_LIFETIME_DAYS * 86_400_000),
      });
      const thumbprint = certificateThumbprints(credential.certificateDer).sha1Hex;
      await deps.db.$transaction(async (tx) => {
        const { id } = await storeSecret(tx, {
          connectionId: c.id,
          kind: "certificateKey",
          plaintext: certificateKeyPlaintext(credential),
          keys: deps.config.keys,
          status: "pending",
          applicationObjectId: target.objectId,
          tenantId: target.tenantId,
          hint: thumbprint.slice(0, 8),
          expiresAt: credential.notAfter,
        });
        await advanceIn(tx, deps, r, { phase: "keyStored", newSecretId: id, at });
        await recordAuditEvent(tx, audit(r, "credential.rotation.key_stored", { newThumbprint: thumbprint.slice(0, 8) }));
      });
      await checkpoint("keyStored");
      return null;
    }
    case "keyStored": {
      await advance(deps, r, { phase: "adding", addKeySentAt: now() }, audit(r, "credential.rotation.adding", {}));
      await checkpoint("adding");
      await addNewKey(deps, r, target, now, checkpoint);
      return null;
    }
    case "adding": {
      // addKey was sent and its answer may be lost: a new certificate that signs in is on the app (its keyId unknown);
      // one that does not is added again once the directory has had time to replicate it.
      const signsIn = await tokenWorks(deps, target, await openCertificate(deps, r.newSecretId), now);
      if (signsIn) {
        // Its keyId is unknown (Graph's answer was lost, unless a repair has since found it by thumbprint); see the README's
        // known limit. The audit says so: the certificate may stay on the app until it expires.
        const expiresAt = (await deps.db.secret.findUnique({ where: { id: r.newSecretId! }, select: { expiresAt: true } }))?.expiresAt ?? null;
        await advance(
          deps,
          r,
          { phase: "keyAdded" },
          audit(r, "credential.rotation.key_added", {
            newKeyId: r.newKeyId,
            ...(r.newKeyId ? {} : { keyIdUnknown: true, mayRemainUntil: expiresAt?.toISOString() ?? null }),
          }),
        );
        await checkpoint("keyAdded");
        return null;
      }
      const sentAt = r.addKeySentAt?.getTime() ?? 0;
      if (now().getTime() - sentAt < deps.config.replicationWindowMs) return wait(deps, r, new Date(sentAt + deps.config.replicationWindowMs));
      await advance(deps, r, { phase: "adding", addKeySentAt: now() }, audit(r, "credential.rotation.adding", { again: true }));
      await addNewKey(deps, r, target, now, checkpoint);
      return null;
    }
    case "keyAdded": {
      const certificate = await openCertificate(deps, r.newSecretId);
      try {
        const token = await appToken(deps, target, certificate, { environmentUrl: target.environmentUrl }, now);
        deps.lease.check();
        await whoAmI({ ...callOf(deps), environmentUrl: target.environmentUrl, getToken: async () => token });
      } catch (error) {
        // A certificate added moments ago may not sign in everywhere yet: wait out the replication window, then fail.
        const sentAt = r.addKeySentAt?.getTime() ?? 0;
        if (isMicrosoftError(error) && now().getTime() - sentAt < deps.config.replicationWindowMs) {
          return wait(deps, r, new Date(Math.min(sentAt + deps.config.replicationWindowMs, now().getTime() + 2_000)));
        }
        throw error;
      }
      await advance(deps, r, { phase: "verified" }, audit(r, "credential.rotation.verified", { newKeyId: r.newKeyId }));
      await checkpoint("verified");
      return null;
    }
    case "verified": {
      const at = now();
      const fresh = await deps.db.secret.findUniqueOrThrow({ where: { id: r.newSecretId! }, select: { expiresAt: true, microsoftKeyId: true } });
      await deps.db.$transaction(async (tx) => {
        await advanceIn(tx, deps, r, { phase: "switched", removeOldAfter: new Date(at.getTime() + deps.graceMs), at });
        // The new certificate becomes the connection's live one (the newest active key is the one tokens use); the old
        // stays active, still on the app, until it is removed.
        await tx.secret.update({ where: { id: r.newSecretId! }, data: { status: "active" } });
        await recordCredentialRotated(tx, { connectionId: c.id, expiresAt: fresh.expiresAt, at });
        await enqueueCredentialRotatedEvent(tx, {
          connectionId: c.id,
          keyId: fresh.microsoftKeyId,
          expiresAt: fresh.expiresAt!,
          previousKeyId: r.oldKeyId,
          at,
        });
        await recordAuditEvent(tx, audit(r, "credential.rotation.switched", { newKeyId: fresh.microsoftKeyId, oldKeyId: r.oldKeyId }));
      });
      await checkpoint("switched");
      return null;
    }
    case "switched": {
      // An old certificate whose keyId was unknown when this rotation began may have been found since by a repair.
      const old = await deps.db.secret.findUnique({ where: { id: r.oldSecretId }, select: { microsoftKeyId: true, expiresAt: true } });
      const oldKeyId = r.oldKeyId ?? old?.microsoftKeyId ?? null;
      const oldExpiry = old?.expiresAt ?? null;
      if (oldKeyId) await removeOldKey(deps, { ...r, oldKeyId }, target, now);
      await checkpoint("removeKey");
      await deps.db.$transaction(async (tx) => {
        await advanceIn(tx, deps, r, { phase: "done", at: now() });
        await tx.secret.updateMany({ where: { id: r.oldSecretId, status: "active" }, data: { status: "revoked", revokedAt: now() } });
        // An old certificate whose keyId was never learnt (addKey's answer lost in an earlier rotation) cannot be removed
        // by the app itself; it is no longer used and expires on its own, unless a repair removes it as a tagged orphan.
        await recordAuditEvent(
          tx,
          oldKeyId
            ? audit(r, "credential.rotation.old_key_removed", { oldKeyId })
            : audit(r, "credential.rotation.old_key_left", { oldKeyId: null, keyIdUnknown: true, mayRemainUntil: oldExpiry?.toISOString() ?? null }),
        );
      });
      await checkpoint("done");
      return null;
    }
    default:
      return { kind: "done" };
  }
}

async function addNewKey(
  deps: Held,
  r: Rotation,
  target: { tenantId: string; clientId: string; objectId: string },
  now: () => Date,
  checkpoint: (point: RotationCheckpoint) => Promise<void>,
): Promise<void> {
  const current = await openCertificate(deps, r.oldSecretId);
  const next = await openCertificate(deps, r.newSecretId);
  const proof = await buildProofOfPossession({ ...current, applicationObjectId: target.objectId, now: now() });
  // Still ours, renewed for the call: an instance that lost the rotation must not add a second certificate.
  await deps.lease.confirm();
  const added = await addOwnCertificate(graphAs(deps, target, current, now), {
    objectId: target.objectId,
    displayName: displayName(now()),
    certificateDer: next.certificateDer,
    proof,
  });
  await checkpoint("addKey");
  await deps.db.$transaction(async (tx) => {
    await advanceIn(tx, deps, r, { phase: "keyAdded", newKeyId: added.keyId, at: now(), expectPhase: "adding" });
    await tx.secret.update({ where: { id: r.newSecretId! }, data: { microsoftKeyId: added.keyId } });
    await recordAuditEvent(tx, audit(r, "credential.rotation.key_added", { newKeyId: added.keyId }));
  });
  await checkpoint("keyAdded");
}

/**
 * Removes the old certificate with a proof signed by the new one. An answer that is not a success (or a lost one, on
 * a resume) is checked the way Microsoft can be asked without reading the app: a token with the old certificate is
 * refused once it is gone.
 */
async function removeOldKey(
  deps: Held,
  r: Rotation,
  target: { tenantId: string; clientId: string; objectId: string },
  now: () => Date,
): Promise<void> {
  const signer = await openCertificate(deps, r.newSecretId);
  const old = await openCertificate(deps, r.oldSecretId);
  try {
    const proof = await buildProofOfPossession({ ...signer, applicationObjectId: target.objectId, now: now() });
    await deps.lease.confirm();
    await removeOwnCertificate(graphAs(deps, target, signer, now), { objectId: target.objectId, keyId: r.oldKeyId!, proof });
  } catch (error) {
    if (error instanceof LostClaim || !isMicrosoftError(error) || error.appError.retryable) throw error;
    if (await tokenWorks(deps, target, old, now)) throw error;
  }
}

type Certificate = { privateKeyPem: string; certificateDer: Buffer };

async function openCertificate(deps: RotationDeps, secretId: string | null): Promise<Certificate> {
  if (!secretId) throw fault("The rotation lost track of a certificate.", "no secret id recorded for this phase");
  const opened = await readSecret(deps.db, { secretId, keys: deps.config.keys });
  if (!opened?.ok) throw fault("A stored certificate cannot be opened with the portal's keys.", `secret ${secretId}`);
  return appCredentialOf("certificateKey", opened.value).certificate!;
}

const callOf = (deps: RotationDeps): CallSettings => ({ ...deps.call, timeoutMs: deps.call?.timeoutMs ?? deps.config.callTimeoutMs });

async function appToken(
  deps: Held,
  target: { tenantId: string; clientId: string },
  certificate: Certificate,
  resource: "graph" | { environmentUrl: string },
  now: () => Date,
): Promise<string> {
  deps.lease.check();
  return getAppToken({
    ...callOf(deps),
    certificate,
    config: deps.config.identity,
    tenantId: target.tenantId,
    clientId: target.clientId,
    resource,
    skipCache: true,
    now,
  });
}

/** The app's own Graph context, signed in with `certificate` (addKey and removeKey need no Graph permission). */
function graphAs(deps: Held, target: { tenantId: string; clientId: string }, certificate: Certificate, now: () => Date): GraphContext {
  return { ...callOf(deps), baseUrl: deps.config.identity.graphUrl, getToken: () => appToken(deps, target, certificate, "graph", now) };
}

/** True when Entra issues a token for the certificate; false when it refuses the client (not known on the app). */
async function tokenWorks(deps: Held, target: { tenantId: string; clientId: string }, certificate: Certificate, now: () => Date): Promise<boolean> {
  try {
    await appToken(deps, target, certificate, "graph", now);
    return true;
  } catch (error) {
    if (isMicrosoftError(error, "client_secret_invalid")) return false;
    throw error;
  }
}

type Advance = {
  phase: RotationPhase;
  newSecretId?: string;
  newKeyId?: string;
  addKeySentAt?: Date;
  removeOldAfter?: Date;
  nextAttemptAt?: Date;
  release?: boolean;
  at?: Date;
  /** The phase the row must still be in (default: the one loaded). */
  expectPhase?: RotationPhase;
};

type RotationTx = Pick<Db, "credentialRotation">;

/** Moves the rotation on if this instance still holds it; throws LostClaim otherwise (nothing after it may run). */
async function advanceIn(tx: RotationTx, deps: RotationDeps, r: Rotation, next: Advance): Promise<void> {
  const at = next.at ?? (deps.now ?? (() => new Date()))();
  const { count } = await tx.credentialRotation.updateMany({
    where: { id: r.id, leaseOwner: deps.owner, phase: next.expectPhase ?? r.phase },
    data: {
      phase: next.phase,
      ...(next.newSecretId ? { newSecretId: next.newSecretId } : {}),
      ...(next.newKeyId ? { newKeyId: next.newKeyId } : {}),
      ...(next.addKeySentAt ? { addKeySentAt: next.addKeySentAt } : {}),
      ...(next.removeOldAfter ? { removeOldAfter: next.removeOldAfter, nextAttemptAt: next.removeOldAfter } : {}),
      ...(next.nextAttemptAt ? { nextAttemptAt: next.nextAttemptAt } : {}),
      ...(next.phase === "done" ? { finishedAt: at, leaseOwner: null, leaseUntil: null, lastErrorCode: null, lastErrorDetail: null } : {}),
      ...(next.release ? { leaseOwner: null, leaseUntil: null } : next.phase === "done" ? {} : { leaseUntil: new Date(at.getTime() + deps.leaseMs) }),
      version: { increment: 1 },
    },
  });
  if (count === 0) throw new LostClaim();
}

/** Moves the rotation on, with the transition's audit entry in the same transaction when it has one. */
const advance = (deps: RotationDeps, r: Rotation, next: Advance, audited?: ReturnType<typeof audit>) =>
  audited
    ? deps.db.$transaction(async (tx) => {
        await advanceIn(tx, deps, r, next);
        await recordAuditEvent(tx, audited);
      })
    : advanceIn(deps.db, deps, r, next);

/** A short wait (replication): the claim is given back with the time to come back at; no failure is counted. */
async function wait(deps: RotationDeps, r: Rotation, until: Date): Promise<RotationOutcome> {
  await advance(deps, r, { phase: r.phase, nextAttemptAt: until, release: true });
  return { kind: "waiting", until, phase: r.phase };
}

function audit(r: Rotation, action: string, detail: Record<string, unknown>, outcome: "success" | "failure" = "success") {
  return { actor: SYSTEM, action, accountId: r.connection.accountId, connectionId: r.connectionId, outcome, detail: { rotationId: r.id, ...detail } };
}

/**
 * A failed attempt: counted, retried with backoff (rotation-schedule.ts), and alerted once per rotation with
 * `connection.credential_rotation_failed` in the same transaction. The connection keeps its current certificate.
 */
async function recordFailure(deps: RotationDeps, r: Rotation, error: unknown, at: Date): Promise<RotationOutcome> {
  const failure: AppError = isMicrosoftError(error)
    ? error.appError
    : error instanceof RotationError
      ? error.appError
      : appError("internal", "The certificate rotation failed unexpectedly.", { detail: error instanceof Error ? error.message : String(error) });
  const attempts = r.attempts + 1;
  const nextAttemptAt = nextRetryAt(at, attempts);
  const old = await deps.db.secret.findUnique({ where: { id: r.oldSecretId }, select: { expiresAt: true } });
  const recorded = await deps.db.$transaction(async (tx) => {
    const { count } = await tx.credentialRotation.updateMany({
      where: { id: r.id, leaseOwner: deps.owner },
      data: {
        attempts,
        nextAttemptAt,
        lastErrorCode: failure.code,
        lastErrorDetail: failure.detail?.slice(0, 500) ?? null,
        leaseOwner: null,
        leaseUntil: null,
        version: { increment: 1 },
        ...(r.failureAlertedAt ? {} : { failureAlertedAt: at }),
      },
    });
    if (count === 0) return false;
    if (!r.failureAlertedAt) {
      await enqueueCredentialRotationFailedEvent(tx, {
        connectionId: r.connectionId,
        code: failure.code,
        expiresAt: old?.expiresAt ?? null,
        nextAttemptAt,
        at,
      });
    }
    await recordAuditEvent(tx, audit(r, "credential.rotation.failed", { phase: r.phase, code: failure.code, attempts }, "failure"));
    return true;
  });
  return recorded ? { kind: "failed", error: failure, nextAttemptAt } : { kind: "lostClaim" };
}
