/**
 * Who is calling an environment's Web API (contract §3.1, §3.2). Cloud orgs take v1 Entra tokens whose audience is
 * the environment URL and whose tenant is the environment's: a user token maps to the enabled systemuser with that
 * `azureactivedirectoryobjectid`, an app-only token to the enabled application user with `applicationid` = `appid`
 * that holds at least one role. On-premises orgs take a domain account instead: Windows authentication (NTLM on the
 * connection) for an internal deployment, an AD FS bearer token for an Internet-facing one; never HTTP Basic.
 */
import { accessTokenIssuer, verifyAdfsToken } from "../adfs/adfs";
import { bearerToken, type EmuRequest, type EmuResponse } from "../core/http";
import type { Environment, SystemUser } from "../core/state";
import { verifyAccessToken } from "../core/tokens";
import { getState, scaledLagMs } from "../core/store";
import { DV, dvError, environmentApiUrl, environmentUrl } from "./responses";
import { rolesOf } from "./security";
import { authenticateWindows } from "./windows-auth";
import { sandboxNow } from "../core/clock";

export type DataverseCaller = { user: SystemUser; kind: "user" | "application" | "domain" };

function bearerChallenge(req: EmuRequest, env: Environment): EmuResponse {
  const header = `Bearer authorization_uri=${req.origin}/${env.tenantId}/oauth2/authorize, resource_id=${environmentUrl(req, env)}/`;
  return { status: 401, headers: { "www-authenticate": header, "odata-version": "4.0", req_id: req.requestId }, body: "" };
}

const notMember = (req: EmuRequest) => dvError(req, 403, DV.notMember, "The user is not a member of the organization.");

function sameAudience(aud: unknown, envUrl: string): boolean {
  const norm = (s: string) => s.replace(/\/+$/, "").toLowerCase();
  const auds = Array.isArray(aud) ? aud : [aud];
  return auds.some((a) => typeof a === "string" && norm(a) === norm(envUrl));
}

/**
 * An IFD org behind AD FS: a bearer token AD FS signed for this org's URL (`resource`), its user found by UPN among
 * the org's domain users. Anything else gets the challenge naming the AD FS authorize endpoint and the resource, as
 * an IFD server answers.
 */
async function authenticateAdfsBearer(req: EmuRequest, env: Environment): Promise<DataverseCaller | EmuResponse> {
  const challenge = (): EmuResponse => ({
    status: 401,
    headers: {
      "www-authenticate": `Bearer authorization_uri=${req.origin}/adfs/oauth2/authorize, resource_id=${environmentUrl(req, env)}/`,
      "content-type": "text/html; charset=utf-8",
      server: "Microsoft-IIS/10.0",
    },
    body: "",
  });
  const raw = bearerToken(req);
  const claims = raw ? await verifyAdfsToken(raw) : null;
  if (!claims || claims.iss !== accessTokenIssuer(req) || !sameAudience(claims.aud, environmentUrl(req, env))) return challenge();
  const account = env.domainUsers.find((u) => u.upn.toLowerCase() === (claims.upn ?? "").toLowerCase());
  const user = account && env.systemUsers.find((u) => u.systemuserid === account.systemuserid);
  if (!user) return notMember(req);
  return user.isdisabled ? disabledUser(req, env, user) : { user, kind: "domain" };
}

function authenticateWindowsCaller(req: EmuRequest, env: Environment): DataverseCaller | EmuResponse {
  const outcome = authenticateWindows(req, env);
  if ("status" in outcome) return outcome;
  const user = env.systemUsers.find((u) => u.systemuserid === outcome.systemuserid);
  if (!user) return notMember(req);
  return user.isdisabled ? disabledUser(req, env, user) : { user, kind: "domain" };
}

/**
 * A disabled user's call: 403 `0x80040225` with Dataverse's documented text ("Error when executing in the context of
 * a disabled user", learn.microsoft.com; the code is the one Dataverse returns for a disabled user).
 */
function disabledUser(req: EmuRequest, env: Environment, user: SystemUser): EmuResponse {
  return dvError(
    req,
    403,
    DV.userDisabled,
    `The user with SystemUserId=${user.systemuserid} in OrganizationContext=${env.id} is disabled. Disabled users cannot access the system. Consider enabling this user. Also, users are disabled if they don't have a license assigned to them.`,
  );
}

const isLive = (u: SystemUser) => (u.deletedstate ?? 0) === 0;

/** The URLs an environment's Web API answers on; a token for either is accepted on both (one Dataverse resource). */
function environmentAudiences(req: EmuRequest, env: Environment): string[] {
  return env.distinctApiUrl ? [environmentUrl(req, env), environmentApiUrl(req, env)] : [environmentUrl(req, env)];
}

export async function authenticateDataverseCaller(req: EmuRequest, env: Environment): Promise<DataverseCaller | EmuResponse> {
  if (env.onPremises === "windows") return authenticateWindowsCaller(req, env);
  if (env.onPremises === "ifd") return authenticateAdfsBearer(req, env);
  const raw = bearerToken(req);
  if (!raw) return bearerChallenge(req, env);
  const claims = await verifyAccessToken(raw);
  if (!claims || !environmentAudiences(req, env).some((url) => sameAudience(claims.aud, url)) || claims.tid !== env.tenantId)
    return bearerChallenge(req, env);
  const isDelegated = typeof claims.scp === "string";
  if (isDelegated) {
    if (!claims.scp!.split(" ").includes("user_impersonation")) return bearerChallenge(req, env);
    const oid = claims.oid?.toLowerCase();
    const user = env.systemUsers.find((u) => u.azureactivedirectoryobjectid?.toLowerCase() === oid && !u.applicationid && isLive(u));
    if (!user) return notMember(req);
    return user.isdisabled ? disabledUser(req, env, user) : { user, kind: "user" };
  }
  const appId = (claims.appid ?? claims.azp ?? "").toLowerCase();
  const user = env.systemUsers.find((u) => u.applicationid?.toLowerCase() === appId && isLive(u));
  if (!user) return notMember(req);
  // A new application user is not admitted at once: Dataverse answers "not a member" until it has provisioned it.
  const lag = scaledLagMs(getState().settings.applicationUserAdmissionLagMs ?? 0);
  if (lag > 0 && sandboxNow() - Date.parse(user.createdon) < lag) return notMember(req);
  if (user.isdisabled) return disabledUser(req, env, user);
  // An application user without any security role is not admitted at all: Dataverse answers as if it did not exist.
  if (rolesOf(env, user).length === 0) return notMember(req);
  return { user, kind: "application" };
}

export function isResponse(x: DataverseCaller | EmuResponse): x is EmuResponse {
  return "status" in x;
}
