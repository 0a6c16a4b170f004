/**
 * The interactive sign-in engine shared by /authorize, the device-code page and the admin-consent endpoints:
 * username → password → (MFA) → consent → finish. Each browser flow is an `Interaction` kept server-side and named
 * by the hidden `tx` field of every page, so pages stay simple forms that a test can fill with fetch or Playwright.
 * What "finish" means (a code redirect, approving a device code, an admin-consent redirect) is the flow's own
 * business, expressed by its `Finisher`.
 */
import { randomUUID } from "node:crypto";
import { parseForm, type EmuRequest, type EmuResponse } from "../core/http";
import type { Application, Tenant, User } from "../core/state";
import { sha256Hex } from "../scenarios/default";
import {
  applyConsent,
  assertAppUsableInTenant,
  assignStaticAppRoles,
  evaluateConsent,
  findApplication,
  findUserById,
  findUserByUpn,
  principalInTenant,
  isConsentAdmin,
  requiresMfa,
  type ConsentEvaluation,
} from "./directory";
import { AadFailure, AADSTS, type AadError } from "./errors";
import {
  consentPage,
  errorPage,
  mfaPage,
  needsAdminPage,
  passwordPage,
  pickAccountPage,
  signInPage,
  type ConsentPermission,
  type FormTarget,
} from "./pages";
import { parseScopes, type ParsedScopes } from "./resources";
import { readSession, sessionCookie, type BrowserSession } from "./session-cookie";
import { findTenantById } from "./tenants";
import { sandboxNow } from "../core/clock";

/** How a flow ends: success, an error to hand back to the client, or the user declining consent. */
export type Finisher = {
  /** Called once the user is signed in and consent (if any) is in place. */
  complete(req: EmuRequest, ix: Interaction, signedIn: SignedIn): EmuResponse | Promise<EmuResponse>;
  /** Hands an error back to the client (redirect, or page when there is nowhere to redirect). */
  fail(req: EmuRequest, ix: Interaction, error: AadError): EmuResponse;
  /** Admin consent always shows the consent page and requires an admin; sign-in flows consent only what is missing. */
  adminConsent?: { scope: ParsedScopes; assignAppRoles: boolean };
};

type SignedIn = { user: User; tenant: Tenant; app: Application; session: BrowserSession };

export type Interaction = {
  id: string;
  expiresAt: number;
  /** `{tenant}` path segment of the flow (`common`, a tenant id or domain). */
  tenantSegment: string;
  /** Set when the segment names one tenant: users of other tenants are refused (AADSTS50020). */
  fixedTenant: Tenant | null;
  appId: string;
  scope: string;
  loginHint: string | null;
  prompt: string | null;
  correlationId: string;
  finisher: Finisher;
  pendingUserId?: string;
  passwordVerifiedFor?: string;
  session?: BrowserSession;
  /** Set by the consent step so `complete` knows consent just happened. */
  consented?: boolean;
};

const interactions = new Map<string, Interaction>();
const INTERACTION_LIFETIME_MS = 30 * 60_000;

export function clearInteractions(): void {
  interactions.clear();
}

export function createInteraction(init: Omit<Interaction, "id" | "expiresAt">): Interaction {
  if (interactions.size > 5_000) for (const [k, v] of interactions) if (v.expiresAt < sandboxNow()) interactions.delete(k);
  const ix: Interaction = { ...init, id: randomUUID(), expiresAt: sandboxNow() + INTERACTION_LIFETIME_MS };
  interactions.set(ix.id, ix);
  return ix;
}

function target(ix: Interaction): FormTarget {
  return { action: `/${encodeURIComponent(ix.tenantSegment)}/login`, tx: ix.id };
}

/** First page of a flow: silent when the browser session fits, else the account picker or the sign-in form. */
export async function beginInteraction(req: EmuRequest, ix: Interaction): Promise<EmuResponse> {
  const session = readSession(req);
  const sessionUser = session ? findUserById(session.uid) : undefined;
  const fitsTenant = sessionUser && principalInTenant(sessionUser, ix.fixedTenant?.id ?? null) !== undefined;
  const fitsHint = sessionUser && (!ix.loginHint || ix.loginHint.toLowerCase() === sessionUser.userPrincipalName.toLowerCase());
  if (session && sessionUser && fitsTenant && ix.prompt !== "login") {
    if (ix.prompt === "select_account") {
      return pickAccountPage(target(ix), [{ id: sessionUser.id, upn: sessionUser.userPrincipalName, name: sessionUser.displayName }]);
    }
    if (fitsHint) return afterSignIn(req, ix, session);
  }
  return startSignIn(ix);
}

function startSignIn(ix: Interaction): EmuResponse {
  const app = findApplication(ix.appId);
  if (ix.loginHint) {
    const hinted = findUserByUpn(ix.loginHint);
    if (hinted && principalInTenant(hinted, ix.fixedTenant?.id ?? null)) {
      ix.pendingUserId = hinted.id;
      return passwordPage(target(ix), hinted.userPrincipalName);
    }
  }
  return signInPage(target(ix), { appName: app?.displayName, loginHint: ix.loginHint ?? undefined });
}

/** POST /{tenant}/login: one step of a sign-in, named by the form's `step`. */
export async function handleLoginStep(req: EmuRequest): Promise<EmuResponse> {
  const form = parseForm(req.rawBody);
  const ix = form.tx ? interactions.get(form.tx) : undefined;
  if (!ix || ix.expiresAt < sandboxNow()) {
    return errorPage({
      code: 90100,
      message: "Your sign-in session has expired or is invalid. Go back to the application and sign in again.",
      requestId: req.requestId,
      correlationId: req.requestId,
    });
  }
  switch (form.step) {
    case "username":
      return usernameStep(req, ix, form.login ?? "");
    case "password":
      return passwordStep(req, ix, form.passwd ?? "");
    case "mfa": {
      const user = ix.passwordVerifiedFor ? findUserById(ix.passwordVerifiedFor) : undefined;
      if (!user) return startSignIn(ix);
      return signedIn(req, ix, user, ["pwd", "mfa"]);
    }
    case "pick": {
      const session = readSession(req);
      if (form.account === "other" || !session || session.uid !== form.account) {
        ix.loginHint = null;
        return signInPage(target(ix), { appName: findApplication(ix.appId)?.displayName });
      }
      return afterSignIn(req, ix, session);
    }
    case "consent":
      return consentStep(req, ix, form.action === "accept", form.consent_org === "true");
    case "decline":
      return ix.finisher.fail(req, ix, AADSTS.needsAdminApproval(findApplication(ix.appId)?.displayName ?? ix.appId).detail);
    default:
      return startSignIn(ix);
  }
}

function usernameStep(req: EmuRequest, ix: Interaction, login: string): EmuResponse {
  const user = findUserByUpn(login);
  const appName = findApplication(ix.appId)?.displayName;
  if (!user) {
    return signInPage(target(ix), {
      appName,
      loginHint: login,
      error: "This username may be incorrect. Make sure you typed it correctly. Otherwise, contact your admin.",
    });
  }
  if (ix.fixedTenant && !principalInTenant(user, ix.fixedTenant.id)) {
    const e = AADSTS.userNotInTenant(user.userPrincipalName, ix.fixedTenant.displayName).detail;
    return errorPage({ code: e.code, message: e.message, requestId: req.requestId, correlationId: ix.correlationId });
  }
  ix.pendingUserId = user.id;
  return passwordPage(target(ix), user.userPrincipalName);
}

function passwordStep(req: EmuRequest, ix: Interaction, password: string): EmuResponse | Promise<EmuResponse> {
  const user = ix.pendingUserId ? findUserById(ix.pendingUserId) : undefined;
  if (!user) return startSignIn(ix);
  if (sha256Hex(password) !== user.passwordSha256) {
    return passwordPage(
      target(ix),
      user.userPrincipalName,
      "Your account or password is incorrect. If you don't remember your password, reset it now.",
    );
  }
  if (!user.accountEnabled) {
    return passwordPage(
      target(ix),
      user.userPrincipalName,
      "Your account has been locked. Contact your support person to unlock it, then try again.",
    );
  }
  const tenant = findTenantById(user.tenantId)!;
  if (requiresMfa(user, tenant)) {
    ix.passwordVerifiedFor = user.id;
    return mfaPage(target(ix), user.userPrincipalName);
  }
  return signedIn(req, ix, user, ["pwd"]);
}

async function signedIn(req: EmuRequest, ix: Interaction, user: User, amr: string[]): Promise<EmuResponse> {
  const session: BrowserSession = { uid: user.id, tid: user.tenantId, amr, authTime: Math.floor(sandboxNow() / 1000), sid: randomUUID() };
  const res = await afterSignIn(req, ix, session);
  res.headers = { ...res.headers, "set-cookie": sessionCookie(session) };
  return res;
}

/** The session is the home account's; in a tenant that invited it, the flow acts as its guest object there. */
function resolveSignedIn(ix: Interaction, session: BrowserSession): SignedIn {
  const account = findUserById(session.uid);
  const user = account ? principalInTenant(account, ix.fixedTenant?.id ?? null) : undefined;
  const tenant = user ? findTenantById(user.tenantId) : undefined;
  const app = findApplication(ix.appId);
  if (!user || !tenant) throw AADSTS.userNotFound(ix.fixedTenant?.id ?? ix.tenantSegment);
  if (!app) throw AADSTS.appNotFound(ix.appId, tenant.domains[0]);
  return { user, tenant, app, session };
}

function evaluate(req: EmuRequest, ix: Interaction, s: SignedIn): ConsentEvaluation {
  const parsed = ix.finisher.adminConsent?.scope ?? parseScopes(ix.scope, req.origin, s.tenant.domains[0]);
  return evaluateConsent(s.tenant, s.user, s.app, parsed, req.origin);
}

/** The user is known: decide between the consent page, "need admin approval", or finishing the flow. */
async function afterSignIn(req: EmuRequest, ix: Interaction, session: BrowserSession): Promise<EmuResponse> {
  ix.session = session;
  try {
    const s = resolveSignedIn(ix, session);
    if (ix.finisher.adminConsent) {
      if (!isConsentAdmin(s.user)) return ix.finisher.fail(req, ix, AADSTS.notAnAdmin().detail);
      return renderConsent(req, ix, s, evaluate(req, ix, s), true);
    }
    assertAppUsableInTenant(s.app, s.tenant);
    const evaluation = evaluate(req, ix, s);
    if (ix.prompt === "none" && evaluation.missing.length > 0)
      return ix.finisher.fail(req, ix, AADSTS.consentRequiredSilent(s.app.appId, s.app.displayName).detail);
    if (evaluation.missing.length > 0 || ix.prompt === "consent") {
      if (evaluation.requiresAdmin && !isConsentAdmin(s.user)) {
        const detail = AADSTS.needsAdminApproval(s.app.displayName).detail;
        return needsAdminPage(target(ix), {
          appName: s.app.displayName,
          upn: s.user.userPrincipalName,
          detail: `AADSTS${detail.code}: ${detail.message}`,
        });
      }
      return renderConsent(req, ix, s, evaluation, false);
    }
    return await ix.finisher.complete(req, ix, s);
  } catch (error) {
    if (error instanceof AadFailure) return failInteractively(req, ix, error.detail);
    throw error;
  }
}

/** Errors about the app itself go on a page (there is no trustworthy place to send them); the rest to the client. */
function failInteractively(req: EmuRequest, ix: Interaction, e: AadError): EmuResponse {
  if (e.code === 700016 || e.code === 50020 || e.code === 50034) {
    return errorPage({ code: e.code, message: e.message, requestId: req.requestId, correlationId: ix.correlationId });
  }
  return ix.finisher.fail(req, ix, e);
}

function renderConsent(req: EmuRequest, ix: Interaction, s: SignedIn, evaluation: ConsentEvaluation, orgWideOnly: boolean): EmuResponse {
  // Show everything the app asks for on a prompt=consent or admin-consent page; otherwise only what is missing.
  const shown = orgWideOnly || ix.prompt === "consent" ? evaluation.needed : evaluation.missing;
  const permissions: ConsentPermission[] = shown.flatMap((gap) =>
    gap.scopes.map((scope) => ({
      resourceName: gap.resource.displayName,
      value: scope.value,
      description: scope.adminConsentDisplayName,
      adminOnly: scope.type === "Admin",
    })),
  );
  const home = findTenantById(s.app.tenantId);
  return consentPage(target(ix), {
    appName: s.app.displayName,
    publisher: home ? `${home.displayName} (${home.domains[0]})` : "unverified",
    upn: s.user.userPrincipalName,
    permissions,
    offerOrgConsent: !orgWideOnly && isConsentAdmin(s.user),
    orgWideOnly,
  });
}

async function consentStep(req: EmuRequest, ix: Interaction, accepted: boolean, orgWide: boolean): Promise<EmuResponse> {
  if (!ix.session) return startSignIn(ix);
  if (!accepted) return ix.finisher.fail(req, ix, AADSTS.userDeclined().detail);
  try {
    const s = resolveSignedIn(ix, ix.session);
    const evaluation = evaluate(req, ix, s);
    const admin = isConsentAdmin(s.user);
    const isAdminConsentFlow = Boolean(ix.finisher.adminConsent);
    if ((isAdminConsentFlow || orgWide) && !admin) return ix.finisher.fail(req, ix, AADSTS.notAnAdmin().detail);
    if (!isAdminConsentFlow && evaluation.requiresAdmin && !admin)
      return ix.finisher.fail(req, ix, AADSTS.needsAdminApproval(s.app.displayName).detail);
    const clientSp = applyConsent(s.tenant, s.user, s.app, evaluation.needed, isAdminConsentFlow || orgWide);
    if (ix.finisher.adminConsent?.assignAppRoles) assignStaticAppRoles(s.tenant, s.app, clientSp, req.origin);
    ix.consented = true;
    return await ix.finisher.complete(req, ix, s);
  } catch (error) {
    if (error instanceof AadFailure) return failInteractively(req, ix, error.detail);
    throw error;
  }
}

/** Silent check for prompt=none: a session is required and nothing may need the user. */
export async function continueSilently(req: EmuRequest, ix: Interaction): Promise<EmuResponse> {
  const session = readSession(req);
  const user = session ? findUserById(session.uid) : undefined;
  if (!session || !user || !principalInTenant(user, ix.fixedTenant?.id ?? null)) return ix.finisher.fail(req, ix, AADSTS.loginRequired().detail);
  if (ix.loginHint && ix.loginHint.toLowerCase() !== user.userPrincipalName.toLowerCase())
    return ix.finisher.fail(req, ix, AADSTS.loginRequired().detail);
  return afterSignIn(req, ix, session);
}
