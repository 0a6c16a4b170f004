import "server-only";
import { addClientSecret, findApplicationByAppId, removeClientSecret } from "../../microsoft/graph";
import { storeSecret } from "../../secrets/store-secret";
import { done, outcomeFromError, requireFact, retryLater, type StepContext } from "./step-context";
import type { StepResult } from "../runner";

/** Secrets this run creates carry its id in their name, so one left behind by a crash is recognised and removed. */
export const secretDisplayName = (runId: string, now: Date) => `Act-On connector ${now.toISOString().slice(0, 10)} run:${runId}`;
const isFromRun = (displayName: string | null, runId: string) => !!displayName?.endsWith(`run:${runId}`);

/**
 * Step 5: a new client secret, stored only encrypted (status pending until the verify step proves it works; older
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
    const known = new Set(
      (await ctx.db.secret.findMany({ where: { connectionId: ctx.connection.id, kind: "clientSecret" }, select: { microsoftKeyId: true } })).map((s) => s.microsoftKeyId),
    );
    for (const orphan of app.secrets.filter((s) => isFromRun(s.displayName, ctx.run.id) && !known.has(s.keyId))) {
      await removeClientSecret(ctx.graph(), { objectId, keyId: orphan.keyId });
    }
    const expires = new Date(ctx.now().getTime() + ctx.config.secretLifetimeDays * 86_400_000);
    const created = await addClientSecret(ctx.graph(), { objectId, displayName: secretDisplayName(ctx.run.id, ctx.now()), endDateTime: expires, justCreated: true });
    const { id } = await storeSecret(ctx.db, {
      connectionId: ctx.connection.id,
      kind: "clientSecret",
      plaintext: created.secretText,
      keys: ctx.config.keys,
      status: "pending",
      microsoftKeyId: created.keyId,
      hint: created.hint,
      expiresAt: new Date(created.endDateTime),
    });
    return done({ secretId: id, keyId: created.keyId, expiresAt: created.endDateTime });
  } catch (error) {
    return outcomeFromError(ctx, error, "Microsoft to create the client secret");
  }
}
