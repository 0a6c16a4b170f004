import "server-only";
import { addClientSecret, findApplicationByAppId, removeClientSecret, type AppRegistration } from "../../microsoft/graph";
import { storeSecret } from "../../domain/secret/store-secret";
import { findKeepableCredential, type KeepableCredential } from "./keepable-credential";
import { done, outcomeFromError, requireFact, retryLater, type StepContext } from "./step-context";
import type { StepResult } from "../runner";

/** Secrets the portal creates carry this name, so one left behind by a crash is recognised and removed. */
const SECRET_NAME_PREFIX = "Act-On connector";
const secretDisplayName = (runId: string, now: Date) => `${SECRET_NAME_PREFIX} ${now.toISOString().slice(0, 10)} run:${runId}`;

/**
 * Removes the portal's secrets on this app that the database does not know: their value died with a process that
 * crashed between Microsoft's answer and our commit, so nobody can ever use them. Secrets the admin added by hand
 * (another name) are left alone. @throws MicrosoftError
 */
export async function removeOrphanSecrets(ctx: StepContext, app: Pick<AppRegistration, "objectId" | "secrets">): Promise<number> {
  const known = new Set(
    (
      await ctx.db.secret.findMany({
        where: { connectionId: ctx.connection.id, kind: "clientSecret", status: { in: ["pending", "active"] } },
        select: { microsoftKeyId: true },
      })
    ).map((s) => s.microsoftKeyId),
  );
  const orphans = app.secrets.filter((s) => s.displayName?.startsWith(SECRET_NAME_PREFIX) && !known.has(s.keyId));
  for (const orphan of orphans) {
    // Only the runner holding the run sweeps: one that lost it could take a key the new holder is about to record.
    await ctx.assertLease();
    await removeClientSecret(ctx.graph(), { objectId: app.objectId, keyId: orphan.keyId, tenantId: ctx.connection.tenantId });
  }
  return orphans.length;
}

/**
 * The connection's live client secret when a repair may keep it: active here, still on the app at Microsoft, and valid
 * for at least KEEP_CREDENTIAL_MIN_VALID_MS. Null otherwise (a new one is then created).
 */
export function findKeepableSecret(ctx: StepContext, app: Pick<AppRegistration, "secrets"> | null): Promise<KeepableCredential | null> {
  return findKeepableCredential(ctx, "clientSecret", app ? app.secrets.map((s) => s.keyId) : null);
}

/**
 * Step 5: a new client secret (or, in a repair, the live one kept), stored only encrypted (status pending until the verify step proves it works; older
 * secrets are removed only then). Idempotent: a secret of this run that reached Microsoft but not our database (the
 * process died in between) can never be read again, so it is removed and replaced.
 */
export async function runClientSecretStep(ctx: StepContext): Promise<StepResult> {
  const appId = requireFact(ctx.connection.clientId, "the app id");
  const objectId = requireFact(ctx.connection.applicationObjectId, "the app's object id");
  try {
    const stored = await ctx.db.secret.findFirst({
      where: { connectionId: ctx.connection.id, kind: "clientSecret", status: "pending" },
      orderBy: { createdAt: "desc" },
    });
    const app = await findApplicationByAppId(ctx.graph(), { appId });
    if (!app) return retryLater(ctx, ctx.config.pollIntervalMs, "Microsoft to finish creating the app registration");
    if (stored?.microsoftKeyId && app.secrets.some((s) => s.keyId === stored.microsoftKeyId)) {
      return done({ secretId: stored.id, keyId: stored.microsoftKeyId });
    }
    const kept = await findKeepableSecret(ctx, app);
    if (kept) return done({ secretId: kept.id, keyId: kept.keyId, kept: true });
    await removeOrphanSecrets(ctx, app);
    // Announced before the call (and lease-checked): an interrupted attempt's secret is found by the sweep above.
    await ctx.recordIntent({ secretRequestedAt: ctx.now().toISOString() });
    const expires = new Date(ctx.now().getTime() + ctx.config.secretLifetimeDays * 86_400_000);
    const created = await addClientSecret(ctx.graph(), {
      objectId,
      displayName: secretDisplayName(ctx.run.id, ctx.now()),
      endDateTime: expires,
      justCreated: true,
    });
    // Stored only if this runner still holds the run; otherwise the key is an orphan the next sweep removes.
    const { id } = await ctx.inLease((tx) =>
      storeSecret(tx, {
        connectionId: ctx.connection.id,
        kind: "clientSecret",
        plaintext: created.secretText,
        keys: ctx.config.keys,
        status: "pending",
        microsoftKeyId: created.keyId,
        applicationObjectId: objectId,
        tenantId: ctx.connection.tenantId,
        hint: created.hint,
        expiresAt: new Date(created.endDateTime),
      }),
    );
    return done({ secretId: id, keyId: created.keyId, expiresAt: created.endDateTime });
  } catch (error) {
    return outcomeFromError(ctx, error, "Microsoft to create the client secret");
  }
}
