import "server-only";
import { appError } from "../../core/errors";
import { whoAmI, type WhoAmI } from "../../microsoft/dataverse";
import { verifyOnPremisesSignIn } from "../../microsoft/on-premises-sign-in";
import { isWebApiVersion } from "../../microsoft/web-api-version";
import type { ConnectionPatch } from "../../domain/run/run-store";
import { getAppToken } from "../../microsoft/app-tokens";
import { DATAVERSE_NOT_A_MEMBER_CODE, isMicrosoftError, type MicrosoftError } from "../../microsoft/errors";
import { getUserTokenByPassword } from "../../microsoft/password-sign-in";
import { findApplicationByAppId, type AppRegistration } from "../../microsoft/graph";
import { removeOrphanSecrets } from "./client-secret";
import { removeAppCredential, removeOrphanCertificates } from "./certificate";
import { appCredentialOf, credentialSecretKind } from "../../domain/secret/app-credential";
import type { CredentialMode } from "../../domain/secret/credential-mode";
import { activateSecret, findLiveSecrets, revokeSecret } from "../../domain/secret/secret-commands";
import { readSecret } from "../../domain/secret/store-secret";
import { guardPublicAddress } from "../../core/net/public-address-guard";
import { done, outcomeFromError, requireFact, runCredentialMode, withinReplicationWindow, type StepContext } from "./step-context";
import { connectorOf } from "./connector";
import type { AppCredential } from "../../microsoft/app-tokens";
import type { StepResult } from "../runner";

const WAITING = "Microsoft to accept the new credentials (a new app and secret take up to two minutes to reach Dynamics 365)";

const credentialNoun = (mode: CredentialMode) => (mode === "certificate" ? "certificate" : "client secret");

async function latestSecret(ctx: StepContext, kind: "clientSecret" | "password" | "certificateKey") {
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
  // A re-check (a verify-only run) created nothing, so Microsoft has nothing to catch up on: its refusals mean what
  // they say at once, instead of being waited out for the step budget as replication lag.
  const recheck = ctx.run.kind === "verify";
  const justCreated = !recheck && withinReplicationWindow(ctx);
  try {
    // A connect run verifies the password it was given; a verify-only run the one stored (the same rows).
    const usesPassword = ctx.run.kind === "connect" || ctx.run.kind === "verify";
    if (ctx.options.mode === "onprem" && usesPassword) {
      const password = await latestSecret(ctx, "password");
      if (!password) return { kind: "fail", error: appError("invalid_input", "Enter the domain user's password to connect an on-premises server.") };
      const username = requireFact(ctx.connection.integrationUsername, "the domain user name");
      // Checked again here and pinned: the password goes to the address that passed, whatever DNS says later.
      const target = await guardPublicAddress(environmentUrl, { allowedPrivateHosts: ctx.config.onPremisesAllowedPrivateHosts });
      if (!target.ok) return { kind: "fail", error: target.error };
      const adfsClientId = ctx.options.adfsClientId ?? ctx.connection.adfsClientId;
      const verified = await verifyOnPremisesSignIn(
        { ...ctx.call, environmentUrl: target.value.url, target: target.value, allowedPrivateHosts: ctx.config.onPremisesAllowedPrivateHosts },
        {
          username,
          password: await plaintextOf(ctx, password.id),
          adfsClientId,
          apiVersion: isWebApiVersion(ctx.connection.webApiVersion) ? ctx.connection.webApiVersion : null,
        },
      );
      return activate(
        ctx,
        verified.me,
        { passwordId: password.id },
        {
          onPremisesSignIn: verified.signIn,
          adfsClientId: verified.signIn === "adfs" ? (adfsClientId ?? null) : null,
          webApiVersion: verified.apiVersion,
        },
      );
    }
    const tenantId = requireFact(ctx.connection.tenantId, "the tenant id");
    const clientId = requireFact(ctx.connection.clientId, "the app id");
    if (ctx.options.mode === "legacy" && usesPassword) {
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
      let me: WhoAmI;
      try {
        // The new app may still lag (bounded by the step budget), but the integration user existed before this run,
        // which created no user in the environment: its "not a member" is final, unlike a new application user's.
        me = await whoAmI({ ...ctx.call, environmentUrl, getToken: async () => token }, { justCreated: !recheck });
      } catch (error) {
        if (isMicrosoftError(error) && error.upstreamCode?.toLowerCase() === DATAVERSE_NOT_A_MEMBER_CODE) {
          return { kind: "fail", error: integrationUserNotMember(error, username, environmentUrl), requestIds: error.requestIds };
        }
        throw error;
      }
      return activate(ctx, me, { passwordId: password.id });
    }
    const mode = runCredentialMode(ctx);
    let credential: AppCredential;
    let secret: { id: string; microsoftKeyId: string | null } | null = null;
    let newSecret = false;
    if (mode === "connector") {
      // Act-On's own connector app, with Act-On's certificate: nothing of this connection's is stored to read.
      const connector = connectorOf(ctx);
      if (!connector || connector.appId !== clientId.toLowerCase()) {
        return {
          kind: "fail",
          error: appError(
            "conflict",
            "This connection uses the Act-On Connector, which is not configured on this portal now. Contact Act-On support.",
            {
              detail: connector ? `connection app ${clientId} != configured connector ${connector.appId}` : "ACTON_CONNECTOR_APP_ID is not set",
            },
          ),
        };
      }
      credential = { certificate: connector.certificate };
    } else {
      // The credential this run created (its credential step says which); the latest stored one otherwise (a re-verify).
      const kind = credentialSecretKind(mode);
      const createdId = ctx.outputOf("clientSecret")?.secretId as string | undefined;
      const stored =
        (createdId ? await ctx.db.secret.findFirst({ where: { id: createdId, kind, status: { in: ["pending", "active"] } } }) : null) ??
        (await latestSecret(ctx, kind));
      if (!stored)
        return {
          kind: "fail",
          error: appError("not_found", `No ${credentialNoun(mode)} is stored for this connection. Retry from the credential step.`),
        };
      secret = stored;
      credential = appCredentialOf(kind, await plaintextOf(ctx, stored.id));
      // Replication lag is judged by context, never by Microsoft's wording: right after this run created the secret,
      // a refused app-only token is retried for the whole step budget (Microsoft gives no replication SLA; minutes are
      // common), then the application is re-read before the step fails.
      const createdAt = createdId === stored.id ? stored.createdAt : null;
      newSecret = !!createdAt && ctx.now().getTime() - createdAt.getTime() < ctx.config.budget.stepBudgetMs;
    }
    // The app as it stands, for the orphan sweep after activation: read now, beside the sign-in and WhoAmI, instead of
    // after them (a read; a failed attempt only wasted it).
    const appSnapshot = secret && ctx.session ? findApplicationByAppId(ctx.graph(), { appId: clientId }) : null;
    appSnapshot?.catch(() => undefined);
    // The token this drive began asking for when its credential step made this very credential, if any.
    const prepared = secret ? await ctx.preparedAppToken?.({ secretId: secret.id, tenantId, clientId, environmentUrl }) : null;
    let token: string;
    try {
      token =
        prepared ??
        (await getAppToken({ ...call, ...credential, tenantId, clientId, resource: { environmentUrl }, justCreated: justCreated || newSecret }));
    } catch (error) {
      // The connector's service principal may be seconds old (justCreated maps Microsoft's "not in this directory yet").
      if (!secret || mode === "connector") return outcomeFromError(ctx, error, WAITING);
      return await refusedToken(ctx, error, { keyId: secret.microsoftKeyId, newSecret, mode });
    }
    let me: WhoAmI;
    try {
      me = await whoAmI({ ...ctx.call, environmentUrl, getToken: async () => token }, { justCreated: !recheck }); // Dataverse may take minutes to see a new application user (bounded by the step budget)
    } catch (error) {
      if (recheck && isMicrosoftError(error) && error.upstreamCode?.toLowerCase() === DATAVERSE_NOT_A_MEMBER_CODE) {
        return {
          kind: "fail",
          error: appError(
            "not_found",
            "The Act-On Integration application user is no longer in this Dynamics 365 environment (someone may have deleted it). Plan the repair from the connection's status page to create it again.",
            { detail: `WhoAmI ${error.status ?? ""} ${error.upstreamCode}`.trim(), requestIds: error.requestIds },
          ),
          requestIds: error.requestIds,
        };
      }
      throw error;
    }
    if (prepared && secret && (await credentialRemoved(appSnapshot, secret.microsoftKeyId, mode))) {
      // The prepared token proves the credential worked when it was made; the app, read beside WhoAmI, no longer has it
      // (removed in the Azure portal meanwhile): sign in with it again, as Act-On would now, and let Entra answer.
      try {
        await getAppToken({
          ...call,
          ...credential,
          tenantId,
          clientId,
          resource: { environmentUrl },
          justCreated: justCreated || newSecret,
          skipCache: true,
        });
      } catch (error) {
        return await refusedToken(ctx, error, { keyId: secret.microsoftKeyId, newSecret, mode });
      }
    }
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
    return activate(ctx, me, secret ? { appCredentialId: secret.id, mode } : { connector: true }, {}, appSnapshot);
  } catch (error) {
    return outcomeFromError(ctx, error, WAITING);
  }
}

/** True when the app read (when there is one) does not list the credential `keyId` names. */
async function credentialRemoved(app: Promise<AppRegistration | null> | null, keyId: string | null, mode: CredentialMode): Promise<boolean> {
  const read = await app?.catch(() => null);
  if (!read || !keyId) return false;
  return !(mode === "certificate" ? read.certificates : read.secrets).some((k) => k.keyId.toLowerCase() === keyId.toLowerCase());
}

/** Dataverse does not count the legacy integration user among the environment's users: say so, with the fix. */
function integrationUserNotMember(error: MicrosoftError, username: string, environmentUrl: string) {
  return appError(
    "forbidden",
    `${username} signed in to Microsoft, but is not a user of the Dynamics 365 environment ${environmentUrl} (or has no Dynamics 365 licence or security role there). In the Power Platform admin center, open the environment > Settings > Users + permissions > Users, add the user (assign a Dynamics 365 licence first in the Microsoft 365 admin center) and give it a security role, then retry.`,
    { detail: `WhoAmI ${error.status ?? ""} ${error.upstreamCode}`.trim(), requestIds: error.requestIds },
  );
}

/**
 * The app-only token was refused. A new secret may simply not have reached every Entra replica yet: any refusal that
 * is not plainly retryable is retried while the secret is new, after re-reading the application to see the key is
 * still there; a key that is gone fails at once. Anything else maps as usual.
 */
async function refusedToken(
  ctx: StepContext,
  error: unknown,
  secret: { keyId: string | null; newSecret: boolean; mode: CredentialMode },
): Promise<StepResult> {
  const outcome = outcomeFromError(ctx, error, WAITING);
  // Inside the replication window a refusal already maps to "not replicated yet"; the key may be gone all the same
  // (deleted in the Azure portal meanwhile), and waiting would only end in a misleading "still replicating".
  const waitingOutLag = outcome.kind === "retry" && outcome.error.code === "replication_pending";
  if ((outcome.kind !== "fail" && !waitingOutLag) || !secret.newSecret || !secret.keyId || !ctx.session || !ctx.connection.clientId) return outcome;
  try {
    const app = await findApplicationByAppId(ctx.graph(), { appId: ctx.connection.clientId });
    const keys = secret.mode === "certificate" ? (app?.certificates ?? []) : (app?.secrets ?? []);
    if (app && !keys.some((k) => k.keyId.toLowerCase() === secret.keyId!.toLowerCase())) {
      return {
        kind: "fail",
        error: appError(
          "client_secret_invalid",
          `Microsoft no longer has the ${credentialNoun(secret.mode)} this setup created. Retry to create a new one.`,
          {
            detail: `key ${secret.keyId} is not on the application${"error" in outcome && outcome.error.detail ? `; ${outcome.error.detail}` : ""}`,
            requestIds: outcome.requestIds,
          },
        ),
        requestIds: outcome.requestIds,
      };
    }
    if (waitingOutLag) return outcome;
  } catch (readError) {
    return outcomeFromError(ctx, readError, WAITING);
  }
  return {
    kind: "retry",
    notBefore: new Date(ctx.now().getTime() + ctx.config.pollIntervalMs),
    error: { ...outcome.error, code: "replication_pending", retryable: true },
    waitingFor: WAITING,
    requestIds: outcome.requestIds,
  };
}

/**
 * The credential just proven becomes the live one, and the older ones it supersedes are removed at Microsoft and
 * forgotten here (only now, so a failed attempt never leaves the connection without a working secret). Only OLDER
 * credentials are superseded: a runner that lost its run can never remove a newer run's secret. Each Microsoft
 * removal is preceded by a lease check, and the database writes happen in one lease-checked transaction.
 */
async function activate(
  ctx: StepContext,
  me: WhoAmI,
  proven: { appCredentialId: string; mode: CredentialMode } | { passwordId: string } | { connector: true },
  learned: ConnectionPatch = {},
  appSnapshot: Promise<AppRegistration | null> | null = null,
): Promise<StepResult> {
  const now = ctx.now();
  const appCredential = "appCredentialId" in proven ? proven : null;
  // The Act-On Connector proves itself with Act-On's certificate: every credential stored for the connection is older.
  const connector = "connector" in proven;
  const provenId = connector ? null : (appCredential?.appCredentialId ?? (proven as { passwordId: string }).passwordId);
  const live = await findLiveSecrets(ctx.db, ctx.connection.id);
  const provenRow = provenId ? live.find((s) => s.id === provenId) : null;
  if (!connector && !provenRow) {
    return {
      kind: "fail",
      error: appError("conflict", "This credential was replaced by a newer setup run meanwhile; nothing was changed.", {
        detail: `secret ${provenId}`,
      }),
    };
  }
  const older = provenRow ? live.filter((s) => s.id !== provenId && s.createdAt.getTime() <= provenRow.createdAt.getTime()) : live;
  const removed: string[] = [];
  for (const old of older) {
    if (old.kind !== "password" && old.microsoftKeyId) {
      // Without the admin's sign-in (a verify-only run) or an app to read, an older credential is left for a later run.
      if (!ctx.session || !(old.applicationObjectId ?? ctx.connection.applicationObjectId)) continue;
      await removeAppCredential(ctx, old);
    }
    removed.push(old.id);
  }
  await ctx.inLease(async (tx) => {
    if (provenId && !(await activateSecret(tx, { secretId: provenId }))) throw new Error(`provisioning: secret ${provenId} is no longer live`);
    for (const id of removed) await revokeSecret(tx, { secretId: id, at: now });
  });
  if (appCredential && ctx.connection.clientId && ctx.session) {
    // The snapshot read before the sign-in serves unless credentials were removed since (it would still list them).
    const app =
      appSnapshot && removed.length === 0 ? await appSnapshot : await findApplicationByAppId(ctx.graph(), { appId: ctx.connection.clientId });
    if (app) {
      await removeOrphanSecrets(ctx, app);
      await removeOrphanCertificates(ctx, app);
    }
  }
  return done(
    { userId: me.userId, organizationId: me.organizationId, verifiedAt: now.toISOString(), removedSecrets: removed.length },
    {
      // The run succeeds with this step, which makes the connection Active (machine.ts connectionStatusFor).
      connectionPatch: {
        lastVerifiedAt: now,
        secretExpiresAt: appCredential ? (provenRow?.expiresAt ?? null) : null,
        credentialMode: connector ? "connector" : (appCredential?.mode ?? null),
        lastErrorCode: null,
        lastErrorMessage: null,
        ...learned,
        ...(ctx.run.kind === "migrate" ? { authMode: "cloud" as const, integrationUsername: null } : {}),
      },
    },
  );
}
