import "server-only";
import { disableApplicationUser } from "../../microsoft/dataverse";
import { deleteApplication, findApplicationByAppId } from "../../microsoft/graph";
import { removeAppCredential, removeOrphanCertificates } from "./certificate";
import { findLiveSecrets, revokeSecret } from "../../domain/secret/secret-commands";
import { removeOrphanSecrets } from "./client-secret";
import { done, outcomeFromError, type StepContext } from "./step-context";
import type { StepResult } from "../runner";

/** Disconnect, first step: remove the client secrets and certificates Act-On holds at Microsoft and forget every stored credential. */
export async function runRevokeSecretsStep(ctx: StepContext): Promise<StepResult> {
  try {
    const secrets = await findLiveSecrets(ctx.db, ctx.connection.id);
    for (const secret of secrets) {
      // Removal is proven (re-read); a runner that lost the run removes nothing.
      await removeAppCredential(ctx, secret);
      await ctx.inLease((tx) => revokeSecret(tx, { secretId: secret.id, at: ctx.now() }));
    }
    // The Act-On Connector's app is Act-On's, in Act-On's tenant: nothing of it lives in the customer's to clean up here.
    if (ctx.connection.clientId && ctx.options.credential !== "connector") {
      const app = await findApplicationByAppId(ctx.graph(), { appId: ctx.connection.clientId });
      if (app) {
        await removeOrphanSecrets(ctx, app);
        await removeOrphanCertificates(ctx, app);
      }
    }
    // Without its credentials the connection no longer works; it shows `disconnecting` until the optional steps are
    // done too, and `disconnected` once the run succeeds (machine.ts connectionStatusFor).
    return done({ revoked: secrets.length }, { connectionPatch: { disconnectedAt: ctx.now(), secretExpiresAt: null, credentialMode: null } });
  } catch (error) {
    return outcomeFromError(ctx, error, "Microsoft to remove the app's credential");
  }
}

/** Disconnect, if asked: disable the application user (Dataverse keeps users; disabling is how access ends). */
export async function runRemoveApplicationUserStep(ctx: StepContext): Promise<StepResult> {
  if (!ctx.connection.applicationUserId || !ctx.connection.environmentUrl) return done({ skipped: "no application user" });
  try {
    await disableApplicationUser(ctx.dataverse(ctx.connection.environmentUrl), {
      systemUserId: ctx.connection.applicationUserId,
      appId: ctx.connection.clientId,
    });
    return done({ disabled: ctx.connection.applicationUserId });
  } catch (error) {
    return outcomeFromError(ctx, error, "Dynamics 365 to disable the application user");
  }
}

/** Disconnect, if asked: delete the app registration (Entra keeps it 30 days in deleted items). */
export async function runDeleteAppRegistrationStep(ctx: StepContext): Promise<StepResult> {
  if (!ctx.connection.applicationObjectId) return done({ skipped: "no app registration" });
  try {
    await deleteApplication(ctx.graph(), { objectId: ctx.connection.applicationObjectId, tenantId: ctx.connection.tenantId });
    return done({ deleted: ctx.connection.applicationObjectId });
  } catch (error) {
    return outcomeFromError(ctx, error, "Microsoft to delete the app registration");
  }
}
