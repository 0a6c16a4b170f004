import "server-only";
import { randomUUID } from "node:crypto";
import { appCredentialOf, certificateKeyPlaintext } from "../../domain/secret/app-credential";
import { CERTIFICATE_LIFETIME_DAYS } from "../../domain/secret/credential-mode";
import { recordCertificateKeyId, type LiveSecret } from "../../domain/secret/secret-commands";
import { readSecret, storeSecret } from "../../domain/secret/store-secret";
import { recordAuditEvent } from "../../domain/audit/record-audit-event";
import { certificateThumbprints, createCertificateCredential } from "../../microsoft/certificate-credential";
import {
  addCertificateCredential,
  findApplicationByAppId,
  removeCertificateCredential,
  removeClientSecret,
  type AppRegistration,
  type RemovalProof,
} from "../../microsoft/graph";
import { findKeepableCredential, KEEP_CREDENTIAL_MIN_VALID_MS, type KeepableCredential } from "./keepable-credential";
import { done, outcomeFromError, requireFact, retryLater, type StepContext } from "./step-context";
import type { StepResult } from "../runner";

/** Certificates the portal uploads carry this name, so one left behind by an interrupted run is recognised. */
const CERTIFICATE_NAME_PREFIX = "Act-On connector certificate";
const certificateDisplayName = (runId: string, now: Date) => `${CERTIFICATE_NAME_PREFIX} ${now.toISOString().slice(0, 10)} run:${runId}`;

type LiveCertificate = { id: string; keyId: string | null; thumbprint: string | null };

/**
 * The connection's certificates still in use (pending or active), with the SHA-1 thumbprint of each: Graph shows it as
 * the certificate's `customKeyIdentifier` (its documented default), which identifies a certificate whose keyId the
 * portal never learnt (a rotation's addKey answer lost: Graph picks that id and the app cannot read its own key list).
 * Read AFTER the app, so a certificate added meanwhile was stored here before it reached the app.
 */
async function liveCertificates(ctx: StepContext): Promise<LiveCertificate[]> {
  const rows = await ctx.db.secret.findMany({
    where: { connectionId: ctx.connection.id, kind: "certificateKey", status: { in: ["pending", "active"] } },
    select: { id: true, microsoftKeyId: true },
  });
  return Promise.all(
    rows.map(async (row) => {
      const opened = await readSecret(ctx.db, { secretId: row.id, keys: ctx.config.keys });
      const der = opened?.ok ? appCredentialOf("certificateKey", opened.value).certificate?.certificateDer : undefined;
      return { id: row.id, keyId: row.microsoftKeyId?.toLowerCase() ?? null, thumbprint: der ? certificateThumbprints(der).sha1Hex : null };
    }),
  );
}

const isCertificateOf = (c: AppRegistration["certificates"][number], live: LiveCertificate) =>
  live.keyId === c.keyId.toLowerCase() || (live.thumbprint !== null && c.thumbprint?.toUpperCase() === live.thumbprint);

/**
 * Records the keyId of each live certificate the portal holds without one, found on the app by its thumbprint (a
 * repair reads the app with the admin's Application.ReadWrite.All; the app itself cannot), on the secret and on the
 * rotation that added it: the next rotation can then remove it. Returns the live certificates with what was learnt.
 */
async function learnCertificateKeyIds(ctx: StepContext, app: Pick<AppRegistration, "certificates">): Promise<LiveCertificate[]> {
  const live = await liveCertificates(ctx);
  for (const secret of live.filter((s) => s.keyId === null && s.thumbprint !== null)) {
    const matches = app.certificates.filter((c) => isCertificateOf(c, secret));
    if (matches.length !== 1) continue;
    const keyId = matches[0].keyId.toLowerCase();
    await ctx.inLease(async (tx) => {
      await recordCertificateKeyId(tx, { secretId: secret.id, keyId });
      await recordAuditEvent(tx, {
        actor: { type: "system", id: "provisioning" },
        action: "credential.key_id_recovered",
        accountId: ctx.connection.accountId,
        connectionId: ctx.connection.id,
        runId: ctx.run.id,
        outcome: "success",
        detail: { secretId: secret.id, keyId },
      });
    });
    secret.keyId = keyId;
  }
  return live;
}

/**
 * Removes the portal's certificates on this app that the database does not know (a run that stored its key and was
 * then superseded, a certificate of a finished rotation whose keyId was never learnt, or a row forgotten by hand):
 * nobody holds their private key for this connection any more. A certificate the portal still holds is recognised by
 * its keyId or, when that was never learnt (a rotation's new certificate whose addKey answer was lost), by its
 * thumbprint. Certificates the admin uploaded by hand (another name) are left alone. @throws MicrosoftError
 */
export async function removeOrphanCertificates(ctx: StepContext, app: Pick<AppRegistration, "objectId" | "certificates">): Promise<number> {
  const live = await learnCertificateKeyIds(ctx, app);
  const orphans = app.certificates.filter((c) => c.displayName?.startsWith(CERTIFICATE_NAME_PREFIX) && !live.some((s) => isCertificateOf(c, s)));
  for (const orphan of orphans) {
    await ctx.assertLease();
    await removeCertificateCredential(ctx.graph(), { objectId: app.objectId, keyId: orphan.keyId, tenantId: ctx.connection.tenantId });
  }
  return orphans.length;
}

/**
 * Removes a stored app credential (a client secret or a certificate) from the application it was added to; proven by
 * a re-read either way. Passwords have nothing at Microsoft: null. @throws MicrosoftError
 */
export async function removeAppCredential(ctx: StepContext, secret: LiveSecret): Promise<RemovalProof | null> {
  const objectId = secret.applicationObjectId ?? ctx.connection.applicationObjectId;
  if (!secret.microsoftKeyId || !objectId || secret.kind === "password") return null;
  const target = { objectId, keyId: secret.microsoftKeyId, tenantId: secret.tenantId ?? ctx.connection.tenantId };
  await ctx.assertLease();
  return secret.kind === "certificateKey" ? removeCertificateCredential(ctx.graph(), target) : removeClientSecret(ctx.graph(), target);
}

/** The connection's live certificate when a repair may keep it: active, still on the app, and not about to expire. */
export function findKeepableCertificate(ctx: StepContext, app: Pick<AppRegistration, "certificates"> | null): Promise<KeepableCredential | null> {
  return findKeepableCredential(ctx, "certificateKey", app ? app.certificates.map((c) => c.keyId) : null);
}

/**
 * Step 5 in certificate mode: a key pair made here, its certificate uploaded to the app (`keyCredentials`), and the
 * private key stored only encrypted (pending until the verify step proves it). The key is stored BEFORE the upload,
 * under the keyId the upload will use: an interrupted attempt is finished by uploading the same certificate again,
 * so no certificate ever reaches the app whose private key the portal lost. No password is added to the app.
 */
export async function runCertificateStep(ctx: StepContext): Promise<StepResult> {
  const appId = requireFact(ctx.connection.clientId, "the app id");
  const objectId = requireFact(ctx.connection.applicationObjectId, "the app's object id");
  try {
    const untouched = await isUntouchedNewApp(ctx, objectId);
    const app: Pick<AppRegistration, "objectId" | "certificates"> | null = untouched
      ? { objectId, certificates: [] }
      : await findApplicationByAppId(ctx.graph(), { appId });
    if (!app) return retryLater(ctx, ctx.config.pollIntervalMs, "Microsoft to finish creating the app registration");
    await learnCertificateKeyIds(ctx, app);
    const kept = await findKeepableCertificate(ctx, app);
    if (kept) return done({ secretId: kept.id, keyId: kept.keyId, kept: true });
    let pending = await ctx.db.secret.findFirst({
      where: { connectionId: ctx.connection.id, kind: "certificateKey", status: "pending", applicationObjectId: objectId },
      orderBy: { createdAt: "desc" },
      select: { id: true, microsoftKeyId: true, expiresAt: true, createdAt: true },
    });
    // A pending key (this run's, or one an interrupted run stored) is finished rather than replaced: its private key is here.
    if (
      pending &&
      (!pending.microsoftKeyId || (pending.expiresAt && pending.expiresAt.getTime() - ctx.now().getTime() < KEEP_CREDENTIAL_MIN_VALID_MS))
    )
      pending = null;
    if (!pending) {
      await removeOrphanCertificates(ctx, app);
      const now = ctx.now();
      // A minute back: Microsoft compares the certificate's start with its own clock.
      const credential = await createCertificateCredential(
        {
          commonName: `Act-On Dynamics connector ${ctx.connection.id}`,
          notBefore: new Date(now.getTime() - 60_000),
          notAfter: new Date(now.getTime() + CERTIFICATE_LIFETIME_DAYS * 86_400_000),
        },
        await ctx.certificateKeyPair(),
      );
      const keyId = randomUUID();
      const thumbprint = certificateThumbprints(credential.certificateDer).sha1Hex;
      const { id } = await ctx.inLease((tx) =>
        storeSecret(tx, {
          connectionId: ctx.connection.id,
          kind: "certificateKey",
          plaintext: certificateKeyPlaintext(credential),
          keys: ctx.config.keys,
          status: "pending",
          microsoftKeyId: keyId,
          applicationObjectId: objectId,
          tenantId: ctx.connection.tenantId,
          hint: thumbprint.slice(0, 8),
          expiresAt: credential.notAfter,
        }),
      );
      pending = { id, microsoftKeyId: keyId, expiresAt: credential.notAfter, createdAt: now };
    }
    const keyId = pending.microsoftKeyId!;
    if (!app.certificates.some((c) => c.keyId.toLowerCase() === keyId.toLowerCase())) {
      const stored = await readPendingCertificate(ctx, pending.id);
      await ctx.assertLease();
      await addCertificateCredential(ctx.graph(), {
        objectId,
        keyId,
        displayName: certificateDisplayName(ctx.run.id, ctx.now()),
        certificateDer: stored,
        justCreated: true,
        hasNoKeys: untouched,
      });
    }
    return done({ secretId: pending.id, keyId, expiresAt: pending.expiresAt?.toISOString() ?? null, credential: "certificate" });
  } catch (error) {
    return outcomeFromError(ctx, error, "Microsoft to add the certificate to the app registration");
  }
}

/**
 * True when the app is one this run created and the portal has never given a certificate, on this step's first
 * attempt: it has no keyCredentials, so nothing needs reading before the upload (a new app has none, and the step
 * stores every key before it uploads it, so a row names any upload an interrupted attempt may have made). A retry,
 * a crash resumed, a re-run that adopted its app and a rotation all read the app first.
 */
async function isUntouchedNewApp(ctx: StepContext, objectId: string): Promise<boolean> {
  const registration = ctx.outputOf("appRegistration");
  const attempt = ctx.run.steps.find((s) => s.name === ctx.step)?.attempts ?? 0;
  if (registration?.createdByRun !== true || registration.objectId !== objectId || attempt !== 1) return false;
  return (await ctx.db.secret.count({ where: { kind: "certificateKey", applicationObjectId: objectId } })) === 0;
}

/** The public certificate of a stored (pending) key, to upload it. */
async function readPendingCertificate(ctx: StepContext, secretId: string): Promise<Buffer> {
  const opened = await readSecret(ctx.db, { secretId, keys: ctx.config.keys });
  if (!opened?.ok) throw new Error(`provisioning: the stored certificate ${secretId} cannot be opened with the portal's keys`);
  return appCredentialOf("certificateKey", opened.value).certificate!.certificateDer;
}
