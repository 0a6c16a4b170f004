import "server-only";
import { appError } from "../../core/errors";
import { DYNAMICS_USER_IMPERSONATION, GRAPH_APP_ID } from "../../microsoft/constants";
import { isMicrosoftError } from "../../microsoft/errors";
import {
  createPermissionGrant,
  ensureGrantScope,
  ensurePermissionGrant,
  findDataverseServicePrincipal,
  findServicePrincipal,
  listPermissionGrants,
} from "../../microsoft/graph";
import { reusablePlanFindings } from "./plan-findings";
import { done, needsAdmin, outcomeFromError, requireFact, retryLater, withinReplicationWindow, type StepContext } from "./step-context";
import type { StepResult } from "../runner";

/**
 * Legacy mode signs the integration user in with a password (ROPC), which also asks for the OpenID Connect scopes;
 * Entra models those as Microsoft Graph permissions, so they are consented for the organization too (the Azure
 * portal adds User.Read to every new registration for the same reason).
 */
const LEGACY_GRAPH_SCOPES = "User.Read openid profile offline_access";

/**
 * Microsoft's admin-consent page for the new app, for admins who prefer to approve it themselves
 * (https://learn.microsoft.com/entra/identity-platform/v2-admin-consent).
 */
export function adminConsentUrl(input: {
  authorityHost: string;
  tenantId: string;
  clientId: string;
  environmentUrl: string;
  redirectUri: string;
  state: string;
}): string {
  const url = new URL(`${input.authorityHost.replace(/\/+$/, "")}/${input.tenantId}/v2.0/adminconsent`);
  url.searchParams.set("client_id", input.clientId);
  url.searchParams.set("scope", `${input.environmentUrl}/${DYNAMICS_USER_IMPERSONATION}`);
  url.searchParams.set("redirect_uri", input.redirectUri);
  url.searchParams.set("state", input.state);
  return url.toString();
}

/** Step 4: a tenant-wide (AllPrincipals) grant of Dynamics CRM user_impersonation to the app's service principal. */
/** A tenant without Dynamics CRM's service principal cannot consent to it: the admin signed in to the wrong tenant. */
export function dynamicsNotSetUp(): StepResult {
  return {
    kind: "fail",
    error: appError(
      "not_found",
      "Dynamics 365 is not set up in your Microsoft tenant (its service principal is missing). Check that you signed in to the tenant that owns the environment.",
    ),
  };
}

/**
 * The step waits for the admin on Microsoft's admin-consent page for `clientId` (the run's own `state` brings them
 * back); `what` names what they approve there.
 */
export function sendToConsentPage(ctx: StepContext, clientId: string, what: string): StepResult {
  const url = adminConsentUrl({
    authorityHost: ctx.config.identity.authorityHost,
    tenantId: requireFact(ctx.connection.tenantId, "the tenant id"),
    clientId,
    environmentUrl: requireFact(ctx.connection.environmentUrl, "the environment URL"),
    redirectUri: requireFact(ctx.options.consentRedirectUri, "the consent redirect URI"),
    state: ctx.run.id,
  });
  return needsAdmin(
    ctx,
    { kind: "adminConsent", url },
    appError("consent_required", `Approve ${what} on Microsoft's consent page; this step continues once you have.`, { retryable: true }),
    `you to approve ${what} on Microsoft's consent page`,
  );
}

/**
 * Dynamics CRM's principal when this attempt needs to look up nothing: its first, granting through Graph, for the
 * principal of an app this run created, while the plan's findings are fresh and were read as the same person in the
 * same tenant. The plan read Dynamics CRM's principal then; and a principal made moments ago holds no grant, since
 * grants are this step's to make and no earlier attempt of it ran (a crash or a retry counts as one, and a retried
 * run drops the findings). Null otherwise: the step looks, as it must to find an interrupted attempt's grant again.
 */
function knownWithoutLooking(ctx: StepContext, app: Record<string, unknown> | null): { dynamicsSpId: string } | null {
  // Waiting on Microsoft's consent page, the lookup is how the step learns that the admin approved.
  if (ctx.options.consent === "redirect" || app?.createdByRun !== true) return null;
  const dynamicsSpId = reusablePlanFindings(ctx, "adminConsent")?.dynamicsPrincipalId;
  return dynamicsSpId ? { dynamicsSpId } : null;
}

export async function runAdminConsentStep(ctx: StepContext): Promise<StepResult> {
  const app = ctx.outputOf("appRegistration");
  const clientSpId = requireFact((app?.servicePrincipalId as string | undefined) ?? ctx.connection.servicePrincipalId, "the app's service principal");
  // The service principal may be seconds old: while the window is open, Graph's 400/403/404 mean "not yet".
  const fresh = withinReplicationWindow(ctx);
  try {
    const known = knownWithoutLooking(ctx, app);
    // Independent reads, together: Dynamics CRM's principal, and the grants the app's principal already holds (the
    // lookup that finds an interrupted attempt's grant again) filtered by resource once both are in.
    const [dynamics, grants] = known
      ? [{ objectId: known.dynamicsSpId }, []]
      : await Promise.all([findDataverseServicePrincipal(ctx.graph()), listPermissionGrants(ctx.graph(), { clientSpId })]);
    if (!dynamics) return dynamicsNotSetUp();
    const existing = grants.find((g) => g.resourceSpId === dynamics.objectId) ?? null;
    if (ctx.options.consent === "redirect") {
      if (existing?.scopes.includes(DYNAMICS_USER_IMPERSONATION))
        return done({ grantId: existing.id, resourceSpId: dynamics.objectId, via: "adminConsentPage" });
      return sendToConsentPage(ctx, requireFact((app?.appId as string | undefined) ?? ctx.connection.clientId, "the app id"), "access for Act-On");
    }
    const grant = existing
      ? await ensureGrantScope(ctx.graph(), { grant: existing, scope: DYNAMICS_USER_IMPERSONATION })
      : await createPermissionGrant(ctx.graph(), {
          clientSpId,
          resourceSpId: dynamics.objectId,
          scope: DYNAMICS_USER_IMPERSONATION,
          justCreated: fresh,
        });
    if (ctx.options.mode === "legacy") {
      const graphSp = await findServicePrincipal(ctx.graph(), { appId: GRAPH_APP_ID });
      if (graphSp)
        await ensurePermissionGrant(ctx.graph(), { clientSpId, resourceSpId: graphSp.objectId, scope: LEGACY_GRAPH_SCOPES, justCreated: fresh });
    }
    return done({ grantId: grant.id, resourceSpId: dynamics.objectId, via: "graph" });
  } catch (error) {
    // A duplicate grant means an interrupted attempt's grant exists but is not listed yet: look again shortly.
    if (isMicrosoftError(error, "conflict")) return retryLater(ctx, ctx.config.pollIntervalMs, "Microsoft to record the consent");
    return outcomeFromError(ctx, error, "Microsoft to record the consent");
  }
}
