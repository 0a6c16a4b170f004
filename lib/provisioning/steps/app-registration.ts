import "server-only";
import { randomUUID } from "node:crypto";
import { isMicrosoftError } from "../../microsoft/errors";
import {
  createApplication,
  createServicePrincipal,
  findApplicationByAppId,
  findApplicationByTag,
  findServicePrincipal,
  listApplicationsByTag,
  updateApplicationFlows,
  type AppRegistration,
} from "../../microsoft/graph";
import {
  APP_DISPLAY_NAME,
  connectionTag,
  createTag,
  done,
  outcomeFromError,
  PRODUCT_TAG,
  retryLater,
  withinReplicationWindow,
  type StepContext,
} from "./step-context";
import type { StepResult } from "../runner";
import { dbNow } from "../../domain/run/run-store";

const WAITING_FOR_APP = "Microsoft to finish creating the app registration";

/**
 * This connection's app registration: only one whose client id the portal recorded for this connection (an earlier
 * run's committed output, or this run's own). A tag is never enough: anyone who can read the directory can copy the
 * connection's tag onto an app they registered, and adopting it would hand them the consent, the application user
 * and a secret. Null when nothing is recorded or the recorded app no longer exists.
 */
export async function findConnectionApp(ctx: StepContext): Promise<AppRegistration | null> {
  const own = ctx.outputOf("appRegistration") ?? {};
  const recorded = typeof own.appId === "string" ? own.appId : ctx.connection.clientId;
  if (!recorded) return null;
  return findApplicationByAppId(ctx.graph(), { appId: recorded });
}

/** Apps that carry this connection's tag, whoever registered them. @throws MicrosoftError */
export function findTaggedApps(ctx: StepContext): Promise<AppRegistration[]> {
  return listApplicationsByTag(ctx.graph(), { tag: connectionTag(ctx.connection.id) });
}

/**
 * Of the tagged apps, those the portal did not record for this connection: never used, shown in the plan. Pure, so
 * the tag can be read together with the recorded app instead of after it.
 */
export function unrecordedTaggedApps(tagged: AppRegistration[], recorded: AppRegistration | null): AppRegistration[] {
  return tagged.filter((a) => a.appId !== recorded?.appId);
}

/**
 * The flags must be exactly what the mode needs: legacy (username + password) turns public client flows and ID-token
 * issuance on, as the article says (the password sign-in needs no implicit access tokens, so those stay off); app-only
 * mode has no use for any of them, so a migrated app turns them off. A consent redirect URI, when the admin approves
 * on Microsoft's page, must be registered on the app as a web redirect URI (Entra refuses the page otherwise).
 */
export function flowsMatch(app: AppRegistration, legacy: boolean, consentRedirectUri?: string | null): boolean {
  return (
    app.allowsPublicClientFlows === legacy &&
    app.implicitIdTokenIssuance === legacy &&
    !app.implicitAccessTokenIssuance &&
    (!consentRedirectUri || app.webRedirectUris.includes(consentRedirectUri))
  );
}

/** Step 3: the single-tenant "Act-On Integration" app with Dynamics CRM user_impersonation, and its service principal. */
export async function runAppRegistrationStep(ctx: StepContext): Promise<StepResult> {
  const legacy = ctx.options.mode === "legacy";
  const redirectUri = ctx.options.consent === "redirect" ? (ctx.options.consentRedirectUri ?? null) : null;
  const own = ctx.outputOf("appRegistration") ?? {};
  try {
    let app: AppRegistration | null = null;
    let createdNow = false;
    // This run made the app (now, or in an attempt interrupted before it noted the id): the steps after it know the
    // app and its principal hold nothing they did not give them, and need not look.
    let createdByRun = false;
    if (typeof own.appId === "string") {
      // An earlier attempt created this app and noted its id: it exists, even while directory reads lag behind.
      app = await findApplicationByAppId(ctx.graph(), { appId: own.appId });
      if (!app) return retryLater(ctx, ctx.config.pollIntervalMs, WAITING_FOR_APP);
      createdByRun = typeof own.appCreateNonce === "string";
    } else if (ctx.connection.clientId) {
      // Recorded by an earlier run for this connection; if it was deleted since, a new one is created below.
      app = await findApplicationByAppId(ctx.graph(), { appId: ctx.connection.clientId });
    }
    if (!app && typeof own.appCreateNonce === "string") {
      // An earlier attempt asked Microsoft to create the app and was interrupted before noting its id: it carries the
      // one-time tag recorded before the create (the oldest holder is ours; a later copy is someone else's).
      app = await findApplicationByTag(ctx.graph(), { tag: createTag(own.appCreateNonce) });
      const intent = own.appCreateRequestedAt as string | null | undefined;
      // Judged on the database's clock, as the intent was recorded: another instance's clock may run ahead.
      if (!app && intent && (await dbNow(ctx.db)).getTime() - Date.parse(intent) < ctx.config.replicationWindowMs) {
        // It may just not be visible yet.
        return retryLater(ctx, ctx.config.pollIntervalMs, WAITING_FOR_APP);
      }
      if (app) {
        createdByRun = true;
        await ctx.recordIntent({ appId: app.appId, objectId: app.objectId });
      }
    }
    if (!app) {
      const nonce = randomUUID();
      await ctx.recordIntent({ appCreateRequestedAt: (await dbNow(ctx.db)).toISOString(), appCreateNonce: nonce });
      try {
        app = await createApplication(ctx.graph(), {
          displayName: APP_DISPLAY_NAME,
          tags: [PRODUCT_TAG, connectionTag(ctx.connection.id), `acton-account:${ctx.connection.actonAccountId}`, createTag(nonce)],
          legacy,
          webRedirectUris: redirectUri ? [redirectUri] : [],
          notes: `Created by the Act-On onboarding portal for Act-On account ${ctx.connection.actonAccountId}. Removing it disconnects Act-On.`,
        });
      } catch (error) {
        // Throttled means Microsoft refused the request, so nothing was created: the next attempt need not wait for it.
        if (isMicrosoftError(error, "throttled")) await ctx.recordIntent({ appCreateRequestedAt: null, appCreateNonce: null });
        throw error;
      }
      createdNow = true;
      createdByRun = true;
      await ctx.recordIntent({ appId: app.appId, objectId: app.objectId });
    } else if (!flowsMatch(app, legacy, redirectUri)) {
      await updateApplicationFlows(ctx.graph(), {
        objectId: app.objectId,
        legacy,
        webRedirectUris: redirectUri && !app.webRedirectUris.includes(redirectUri) ? [...app.webRedirectUris, redirectUri] : app.webRedirectUris,
        justCreated: withinReplicationWindow(ctx),
      });
    }
    // createServicePrincipal answers an existing principal (409) with it, or `replication_pending` while it lags. An
    // app this attempt has just created has no principal yet (its appId did not exist a moment ago), so it is not
    // looked up first; should anyone have made one meanwhile, the 409 still finds it.
    const sp =
      (createdNow ? null : await findServicePrincipal(ctx.graph(), { appId: app.appId })) ??
      (await createServicePrincipal(ctx.graph(), { appId: app.appId, justCreated: withinReplicationWindow(ctx) }));
    return done(
      { appId: app.appId, objectId: app.objectId, servicePrincipalId: sp.objectId, legacyFlows: legacy, createdByRun },
      { connectionPatch: { clientId: app.appId, applicationObjectId: app.objectId, servicePrincipalId: sp.objectId } },
    );
  } catch (error) {
    return outcomeFromError(ctx, error, WAITING_FOR_APP);
  }
}
