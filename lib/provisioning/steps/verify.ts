import "server-only";
import { appError } from "../../errors";
import { verifyOnPremisesCredentials, whoAmI, type WhoAmI } from "../../microsoft/dataverse";
import { getAppToken, getUserTokenByPassword } from "../../microsoft/identity";
import { findApplicationByAppId, removeClientSecret } from "../../microsoft/graph";
import { removeOrphanSecrets } from "./client-secret";
import { readSecret } from "../../secrets/store-secret";
import { guardPublicAddress } from "../../net/public-address-guard";
import { createPinnedFetch } from "../../net/pinned-https-request";
import { done, outcomeFromError, requireFact, withinReplicationWindow, type StepContext } from "./step-context";
import type { StepResult } from "../runner";

const WAITING = "Microsoft to accept the new credentials (a new app and secret take a minute or two to reach Dynamics 365)";

async function latestSecret(ctx: StepContext, kind: "clientSecret" | "password") {
  for (const status of ["pending", "active"] as const) {
    const row = await ctx.db.secret.findFirst({ where: { connectionId: ctx.connection.id, kind, status }, orderBy: { createdAt: "desc" } });
    if (row) return row;
  }
  return null;
}

async function plaintextOf(ctx: StepContext, secretId: string): Promise<string> {
  const opened = await readSecret(ctx.db, { secretId, keys: ctx.config.keys });
  if (!opened?.ok) throw new Error(opened ? (opened.error.detail ?? "secret unreadable") : "secret missing");
  return opened.value;
}

/** Step 7: sign in as Act-On will and call WhoAmI; then the connection is Active and superseded secrets go. */
export async function runVerifyStep(ctx: StepContext): Promise<StepResult> {
  const environmentUrl = requireFact(ctx.connection.environmentUrl, "the environment URL");
  const call = { ...ctx.call, config: ctx.config.identity };
  const justCreated = withinReplicationWindow(ctx);
  try {
    if (ctx.options.mode === "onprem" && ctx.run.kind === "connect") {
      const password = await latestSecret(ctx, "password");
      if (!password) return { kind: "fail", error: appError("invalid_input", "Enter the domain user's password to connect an on-premises server.") };
      const username = requireFact(ctx.connection.integrationUsername, "the domain user name");
      // Checked again here and pinned: the password goes to the address that passed, whatever DNS says later.
      const target = await guardPublicAddress(environmentUrl, { allowedPrivateHosts: ctx.config.onPremisesAllowedPrivateHosts });
      if (!target.ok) return { kind: "fail", error: target.error };
      const me = await verifyOnPremisesCredentials({
        ...ctx.call,
        fetchImpl: createPinnedFetch(target.value),
        environmentUrl: target.value.url,
        username,
        password: await plaintextOf(ctx, password.id),
      });
      return activate(ctx, me, { passwordId: password.id });
    }
    const tenantId = requireFact(ctx.connection.tenantId, "the tenant id");
    const clientId = requireFact(ctx.connection.clientId, "the app id");
    if (ctx.options.mode === "legacy" && ctx.run.kind === "connect") {
      const password = await latestSecret(ctx, "password");
      if (!password) return { kind: "fail", error: appError("invalid_input", "Enter the integration user's password for legacy mode.") };
      const username = requireFact(ctx.connection.integrationUsername, "the integration user name");
      const token = await getUserTokenByPassword({
        ...call,
        tenantId,
        clientId,
        username,
        password: await plaintextOf(ctx, password.id),
        environmentUrl,
        justCreated,
      });
      const me = await whoAmI({ ...ctx.call, environmentUrl, getToken: async () => token }, { justCreated: true }); // Dataverse may take minutes to see a new application user (bounded by the step budget)
      return activate(ctx, me, { passwordId: password.id });
    }
    // The secret this run created (its client-secret step says which); the latest stored one otherwise (a re-verify).
    const createdId = ctx.outputOf("clientSecret")?.secretId as string | undefined;
    const secret =
      (createdId ? await ctx.db.secret.findFirst({ where: { id: createdId, status: { in: ["pending", "active"] } } }) : null) ??
      (await latestSecret(ctx, "clientSecret"));
    if (!secret)
      return { kind: "fail", error: appError("not_found", "No client secret is stored for this connection. Retry from the client secret step.") };
    const clientSecret = await plaintextOf(ctx, secret.id);
    const token = await getAppToken({ ...call, tenantId, clientId, clientSecret, resource: { environmentUrl }, justCreated });
    const me = await whoAmI({ ...ctx.call, environmentUrl, getToken: async () => token }, { justCreated: true }); // Dataverse may take minutes to see a new application user (bounded by the step budget)
    const expected = ctx.connection.applicationUserId;
    if (expected && me.userId.toLowerCase() !== expected.toLowerCase()) {
      return {
        kind: "fail",
        error: appError(
          "conflict",
          "Dynamics 365 signed the app in as a different user than the application user we created. Contact Act-On support.",
          { detail: `WhoAmI ${me.userId} != ${expected}` },
        ),
      };
    }
    return activate(ctx, me, { clientSecretId: secret.id });
  } catch (error) {
    return outcomeFromError(ctx, error, WAITING);
  }
}

/**
 * The credential just proven becomes the live one; the ones it supersedes are removed at Microsoft and forgotten
 * here (only now, so a failed attempt never leaves the connection without a working secret).
 */
async function activate(ctx: StepContext, me: WhoAmI, proven: { clientSecretId?: string; passwordId?: string }): Promise<StepResult> {
  const now = ctx.now();
  const provenId = proven.clientSecretId ?? proven.passwordId!;
  await ctx.db.secret.update({ where: { id: provenId }, data: { status: "active" } });
  const superseded = await ctx.db.secret.findMany({
    where: {
      connectionId: ctx.connection.id,
      kind: { in: ["clientSecret", "password"] },
      status: { in: ["active", "pending"] },
      id: { not: provenId },
    },
  });
  for (const old of superseded) {
    if (old.kind === "clientSecret" && old.microsoftKeyId && ctx.connection.applicationObjectId) {
      await removeClientSecret(ctx.graph(), {
        objectId: ctx.connection.applicationObjectId,
        keyId: old.microsoftKeyId,
        tenantId: ctx.connection.tenantId,
      });
    }
    await ctx.db.secret.update({ where: { id: old.id }, data: { status: "revoked", revokedAt: now, ciphertext: "", iv: "", authTag: "" } });
  }
  if (proven.clientSecretId && ctx.connection.clientId) {
    const app = await findApplicationByAppId(ctx.graph(), { appId: ctx.connection.clientId });
    if (app) await removeOrphanSecrets(ctx, app);
  }
  const provenRow = await ctx.db.secret.findUniqueOrThrow({ where: { id: provenId }, select: { expiresAt: true } });
  return done(
    { userId: me.userId, organizationId: me.organizationId, verifiedAt: now.toISOString(), removedSecrets: superseded.length },
    {
      // The run succeeds with this step, which makes the connection Active (machine.ts connectionStatusFor).
      connectionPatch: {
        lastVerifiedAt: now,
        secretExpiresAt: proven.clientSecretId ? provenRow.expiresAt : null,
        lastErrorCode: null,
        lastErrorMessage: null,
        ...(ctx.run.kind === "migrate" ? { authMode: "cloud" as const, integrationUsername: null } : {}),
      },
    },
  );
}
