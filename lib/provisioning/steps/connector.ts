import "server-only";
import { appError } from "../../core/errors";
import { DYNAMICS_USER_IMPERSONATION } from "../../microsoft/constants";
import { isMicrosoftError } from "../../microsoft/errors";
import {
  createServicePrincipal,
  deleteServicePrincipal,
  ensurePermissionGrant,
  findDataverseServicePrincipal,
  findPermissionGrant,
  findServicePrincipal,
} from "../../microsoft/graph";
import type { ActonConnectorIdentity } from "../../microsoft/identity-config";
import { dynamicsNotSetUp, sendToConsentPage } from "./admin-consent";
import { done, outcomeFromError, retryLater, withinReplicationWindow, type StepContext } from "./step-context";
import type { StepResult } from "../runner";

/**
 * Connector mode: the connection signs in as Act-On's own multi-tenant "Act-On Connector" app (Microsoft's
 * "multi-tenant server-to-server authentication" for Dataverse). Nothing is registered in the customer's tenant:
 * their admin's consent adds the connector's service principal there, and the application user is bound to the
 * connector's app id. Its certificate stays with Act-On, in Act-On's tenant.
 */

const CONNECTOR_DISPLAY_NAME = "Act-On Connector";

/** The configured connector; a run planned with it on a portal that has since lost its configuration fails in words. */
export function connectorOf(ctx: Pick<StepContext, "config">): ActonConnectorIdentity | null {
  return ctx.config.identity.actonConnector ?? null;
}

const notConfigured = () =>
  ({
    kind: "fail",
    error: appError("conflict", "This connection uses the Act-On Connector, which is no longer configured on this portal. Contact Act-On support.", {
      detail: "ACTON_CONNECTOR_APP_ID or its certificate is not set",
    }),
  }) satisfies StepResult;

/**
 * Admin consent for the connector: its service principal in the customer's tenant (created with the admin's own
 * sign-in, approved on the plan page; or by the admin on Microsoft's consent page), and the tenant-wide grant of
 * Dynamics CRM user_impersonation its registration asks for, as Microsoft's admin consent makes them.
 */
export async function runConnectorConsentStep(ctx: StepContext): Promise<StepResult> {
  const connector = connectorOf(ctx);
  if (!connector) return notConfigured();
  const fresh = withinReplicationWindow(ctx);
  try {
    const dynamics = await findDataverseServicePrincipal(ctx.graph());
    if (!dynamics) return dynamicsNotSetUp();
    const existing = await findServicePrincipal(ctx.graph(), { appId: connector.appId });
    if (ctx.options.consent === "redirect") {
      const grant = existing ? await findPermissionGrant(ctx.graph(), { clientSpId: existing.objectId, resourceSpId: dynamics.objectId }) : null;
      if (existing && grant?.scopes.includes(DYNAMICS_USER_IMPERSONATION))
        return consented(connector, existing.objectId, grant.id, "adminConsentPage");
      return sendToConsentPage(ctx, connector.appId, "the Act-On Connector");
    }
    await ctx.assertLease();
    const sp = existing ?? (await createServicePrincipal(ctx.graph(), { appId: connector.appId, justCreated: fresh }));
    const grant = await ensurePermissionGrant(ctx.graph(), {
      clientSpId: sp.objectId,
      resourceSpId: dynamics.objectId,
      scope: DYNAMICS_USER_IMPERSONATION,
      justCreated: fresh || !existing,
    });
    return consented(connector, sp.objectId, grant.id, "graph");
  } catch (error) {
    // A duplicate grant means an interrupted attempt's grant exists but is not listed yet: look again shortly.
    if (isMicrosoftError(error, "conflict")) return retryLater(ctx, ctx.config.pollIntervalMs, "Microsoft to record the consent");
    return outcomeFromError(ctx, error, "Microsoft to record the consent");
  }
}

function consented(connector: ActonConnectorIdentity, servicePrincipalId: string, grantId: string, via: string): StepResult {
  return done(
    { appId: connector.appId, servicePrincipalId, grantId, via, connector: true },
    // The connection's app is the connector: it has no app registration of its own in this tenant.
    { connectionPatch: { clientId: connector.appId, applicationObjectId: null, servicePrincipalId } },
  );
}

/**
 * Disconnect, if asked: remove the connector's enterprise application (service principal) from the customer's
 * tenant, which also removes the consent. Only an admin with an application administrator role may; without it the
 * step says where the admin removes it themselves.
 */
export async function runRemoveConnectorServicePrincipalStep(ctx: StepContext): Promise<StepResult> {
  const appId = ctx.connection.clientId;
  if (!appId) return done({ skipped: "no connector service principal" });
  try {
    const sp = await findServicePrincipal(ctx.graph(), { appId });
    if (!sp) return done({ skipped: "the connector's enterprise application is already gone" });
    await ctx.assertLease();
    const proof = await deleteServicePrincipal(ctx.graph(), { objectId: sp.objectId, appId, tenantId: ctx.connection.tenantId });
    return done({ removedServicePrincipal: sp.objectId, proof });
  } catch (error) {
    if (isMicrosoftError(error, "forbidden", "insufficient_privileges")) {
      return {
        kind: "fail",
        error: appError(
          "insufficient_privileges",
          `Your sign-in may not remove enterprise applications. Act-On no longer has access to Dynamics 365 (its application user is disabled); to remove the ${CONNECTOR_DISPLAY_NAME} from your organization too, open Microsoft Entra admin center › Enterprise applications › ${CONNECTOR_DISPLAY_NAME} › Properties › Delete, or ask an Application Administrator.`,
          { detail: error.appError.detail, requestIds: error.requestIds },
        ),
        requestIds: error.requestIds,
      };
    }
    return outcomeFromError(ctx, error, "Microsoft to remove the Act-On Connector's enterprise application");
  }
}
