/**
 * Who is calling an environment's Web API (contract §3.1, §3.2). Cloud orgs take v1 Entra tokens whose audience is
 * the environment URL and whose tenant is the environment's: a user token maps to the enabled systemuser with that
 * `azureactivedirectoryobjectid`, an app-only token to the enabled application user with `applicationid` = `appid`
 * that holds at least one role. On-premises orgs take HTTP Basic with a domain account instead.
 */
import { createHash } from "node:crypto";
import { bearerToken, type EmuRequest, type EmuResponse } from "../core/http";
import type { Environment, SystemUser } from "../core/state";
import { verifyAccessToken } from "../core/tokens";
import { getState, scaledLagMs } from "../core/store";
import { DV, dvError, environmentApiUrl, environmentUrl } from "./responses";
import { rolesOf } from "./security";

export type DataverseCaller = { user: SystemUser; kind: "user" | "application" | "basic" };

function bearerChallenge(req: EmuRequest, env: Environment): EmuResponse {
  const header = `Bearer authorization_uri=${req.origin}/${env.tenantId}/oauth2/authorize, resource_id=${environmentUrl(req, env)}/`;
  return { status: 401, headers: { "www-authenticate": header, "odata-version": "4.0", req_id: req.requestId }, body: "" };
}

function basicChallenge(req: EmuRequest, env: Environment): EmuResponse {
  return {
    status: 401,
    headers: {
      "www-authenticate": `Negotiate, NTLM, Basic realm="${new URL(req.origin).host}/${env.urlName}"`,
      "content-type": "text/html; charset=utf-8",
    },
    body: "<html><head><title>401 - Unauthorized</title></head><body><h1>401 - Unauthorized: Access is denied due to invalid credentials.</h1></body></html>",
  };
}

const notMember = (req: EmuRequest) => dvError(req, 403, DV.notMember, "The user is not a member of the organization.");

function sameAudience(aud: unknown, envUrl: string): boolean {
  const norm = (s: string) => s.replace(/\/+$/, "").toLowerCase();
  const auds = Array.isArray(aud) ? aud : [aud];
  return auds.some((a) => typeof a === "string" && norm(a) === norm(envUrl));
}

/** `DOMAIN\user` or `user@domain.fqdn`: both name the same account when user and NetBIOS domain match. */
function sameAccount(supplied: string, domainName: string): boolean {
  const [domain, account] = domainName.toLowerCase().split("\\");
  const s = supplied.toLowerCase();
  if (s.includes("\\")) return s === domainName.toLowerCase();
  const at = s.indexOf("@");
  return at > 0 && s.slice(0, at) === account && s.slice(at + 1).split(".")[0] === domain;
}

function authenticateBasic(req: EmuRequest, env: Environment): DataverseCaller | EmuResponse {
  const h = req.headers.authorization ?? "";
  const m = /^Basic\s+(\S+)$/i.exec(h);
  if (!m) return basicChallenge(req, env);
  const decoded = Buffer.from(m[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return basicChallenge(req, env);
  const name = decoded.slice(0, colon);
  const digest = createHash("sha256")
    .update(decoded.slice(colon + 1), "utf8")
    .digest("hex");
  const account = env.basicAuthUsers.find((u) => sameAccount(name, u.domainName) && u.passwordSha256 === digest);
  if (!account) return basicChallenge(req, env);
  const user = env.systemUsers.find((u) => u.systemuserid === account.systemuserid);
  if (!user || user.isdisabled) return basicChallenge(req, env);
  return { user, kind: "basic" };
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
  if (env.onPremises) return authenticateBasic(req, env);
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
  if (lag > 0 && Date.now() - Date.parse(user.createdon) < lag) return notMember(req);
  if (user.isdisabled) return disabledUser(req, env, user);
  // An application user without any security role is not admitted at all: Dataverse answers as if it did not exist.
  if (rolesOf(env, user).length === 0) return notMember(req);
  return { user, kind: "application" };
}

export function isResponse(x: DataverseCaller | EmuResponse): x is EmuResponse {
  return "status" in x;
}
