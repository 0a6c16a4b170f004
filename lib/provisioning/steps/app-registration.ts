import "server-only";
import { isMicrosoftError } from "../../microsoft/errors";
import {
  createApplication,
  createServicePrincipal,
  findApplicationByAppId,
  findApplicationByTag,
  findServicePrincipal,
  updateApplicationFlows,
  type AppRegistration,
} from "../../microsoft/graph";
import { APP_DISPLAY_NAME, connectionTag, done, outcomeFromError, PRODUCT_TAG, retryLater, type StepContext } from "./step-context";
import type { StepResult } from "../runner";

const WAITING_FOR_APP = "Microsoft to finish creating the app registration";

/**
 * Finds this connection's app registration: by the app id a previous run stored, else by its tag. An app this run
 * may have created moments ago can be invisible for a while (directory replication), so the caller also checks intents.
 */
export async function findConnectionApp(ctx: StepContext): Promise<AppRegistration | null> {
  if (ctx.connection.clientId) {
    const byId = await findApplicationByAppId(ctx.graph(), { appId: ctx.connection.clientId });
    if (byId) return byId;
  }
  return findApplicationByTag(ctx.graph(), { tag: connectionTag(ctx.connection.id) });
}

/**
 * The flags must be exactly what the mode needs: legacy (username + password) turns public client flows and both
 * implicit-flow switches on, as the article says; app-only mode has no use for them, so a migrated app turns them off.
 */
export function flowsMatch(app: AppRegistration, legacy: boolean): boolean {
  return app.allowsPublicClientFlows === legacy && app.implicitIdTokenIssuance === legacy && app.implicitAccessTokenIssuance === legacy;
}

/** Step 3: the single-tenant "Act-On Integration" app with Dynamics CRM user_impersonation, and its service principal. */
export async function runAppRegistrationStep(ctx: StepContext): Promise<StepResult> {
  const legacy = ctx.options.mode === "legacy";
  const own = ctx.outputOf("appRegistration") ?? {};
  try {
    let app: AppRegistration | null;
    if (typeof own.appId === "string") {
      // An earlier attempt created this app and noted its id: it exists, even while directory reads lag behind.
      app = await findApplicationByAppId(ctx.graph(), { appId: own.appId });
      if (!app) return retryLater(ctx, ctx.config.pollIntervalMs, WAITING_FOR_APP);
    } else {
      app = await findConnectionApp(ctx);
    }
    if (!app) {
      const intent = own.appCreateRequestedAt as string | undefined;
      if (intent && ctx.now().getTime() - Date.parse(intent) < ctx.config.replicationWindowMs) {
        // An earlier attempt asked Microsoft to create the app and was interrupted; it may just not be visible yet.
        return retryLater(ctx, ctx.config.pollIntervalMs, WAITING_FOR_APP);
      }
      await ctx.recordIntent({ appCreateRequestedAt: ctx.now().toISOString() });
      try {
        app = await createApplication(ctx.graph(), {
          displayName: APP_DISPLAY_NAME,
          tags: [PRODUCT_TAG, connectionTag(ctx.connection.id), `acton-account:${ctx.connection.actonAccountId}`],
          legacy,
          notes: `Created by the Act-On onboarding portal for Act-On account ${ctx.connection.actonAccountId}. Removing it disconnects Act-On.`,
        });
      } catch (error) {
        // Throttled means Microsoft refused the request, so nothing was created: the next attempt need not wait for it.
        if (isMicrosoftError(error, "throttled")) await ctx.recordIntent({ appCreateRequestedAt: null });
        throw error;
      }
      await ctx.recordIntent({ appId: app.appId, objectId: app.objectId });
    } else if (!flowsMatch(app, legacy)) {
      await updateApplicationFlows(ctx.graph(), { objectId: app.objectId, legacy, justCreated: true });
    }
    // createServicePrincipal answers an existing principal (409) with it, or `replication_pending` while it lags.
    const sp =
      (await findServicePrincipal(ctx.graph(), { appId: app.appId })) ??
      (await createServicePrincipal(ctx.graph(), { appId: app.appId, justCreated: true }));
    return done(
      { appId: app.appId, objectId: app.objectId, servicePrincipalId: sp.objectId, legacyFlows: legacy },
      { connectionPatch: { clientId: app.appId, applicationObjectId: app.objectId, servicePrincipalId: sp.objectId } },
    );
  } catch (error) {
    return outcomeFromError(ctx, error, WAITING_FOR_APP);
  }
}
