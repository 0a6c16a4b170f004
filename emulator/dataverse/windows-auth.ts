/**
 * Windows authentication as IIS runs it in front of an internal Dynamics 365 (on-premises) deployment: Negotiate and
 * NTLM offered, Basic off (as IIS ships it). NTLM authenticates the TCP connection, not a request: the challenge
 * this server sent and, once the AUTHENTICATE message checks out, the signed-in account belong to the keep-alive
 * socket. A type 3 message on another connection than its challenge's fails, as it does against IIS; later requests
 * on the authenticated connection need no header at all.
 */
import type { EmuRequest, EmuResponse } from "../core/http";
import type { DomainUser, Environment } from "../core/state";
import { challengeMessage, newServerChallenge, readAuthenticate, readNegotiate, verifyNtlmV2, windowsFileTime } from "./ntlm-server";

/** The Active Directory domain the sandbox's on-premises orgs are joined to. */
export const CONTOSO_AD = { netbios: "CONTOSO", dns: "contoso.local", computer: "CRM01", dnsComputer: "crm01.contoso.local" } as const;

type ConnectionState = { envId: string; pendingChallenge?: Buffer; signedIn?: string };
const connections = new WeakMap<object, ConnectionState>();

const IIS_401_BODY =
  "<html><head><title>401 - Unauthorized</title></head><body><h1>401 - Unauthorized: Access is denied due to invalid credentials.</h1></body></html>";

/** IIS's answer without (acceptable) credentials: one `WWW-Authenticate` per enabled provider. */
function windowsChallenge(env: Environment): EmuResponse {
  return {
    status: 401,
    headers: { "content-type": "text/html; charset=utf-8", server: "Microsoft-IIS/10.0" },
    repeatedHeaders: { "www-authenticate": env.kerberosOnly ? ["Negotiate"] : ["Negotiate", "NTLM"] },
    body: IIS_401_BODY,
  };
}

function ntlmContinue(scheme: string, message: Buffer): EmuResponse {
  return {
    status: 401,
    headers: {
      "content-type": "text/html; charset=utf-8",
      server: "Microsoft-IIS/10.0",
      "www-authenticate": `${scheme} ${message.toString("base64")}`,
    },
    body: IIS_401_BODY,
  };
}

/** The account a type 3 message names: `DOMAIN\user` (NetBIOS or DNS domain) or a UPN with an empty domain. */
function findAccount(env: Environment, user: string, domain: string): DomainUser | undefined {
  const u = user.toLowerCase();
  const d = domain.toLowerCase();
  if (!d && u.includes("@")) return env.domainUsers.find((a) => a.upn.toLowerCase() === u);
  if (d !== CONTOSO_AD.netbios.toLowerCase() && d !== CONTOSO_AD.dns) return undefined;
  return env.domainUsers.find((a) => a.domainName.toLowerCase() === `${CONTOSO_AD.netbios.toLowerCase()}\\${u}`);
}

/** The systemuserid signed in on this request's connection, or the 401 that continues (or restarts) the handshake. */
export function authenticateWindows(req: EmuRequest, env: Environment): { systemuserid: string } | EmuResponse {
  const socket = req.connection;
  const state = socket ? connections.get(socket) : undefined;
  const header = req.headers.authorization ?? "";
  const m = /^(NTLM|Negotiate)\s+([A-Za-z0-9+/=]+)$/i.exec(header);
  if (!header) {
    if (state?.signedIn && state.envId === env.id) return { systemuserid: state.signedIn };
    return windowsChallenge(env);
  }
  // Basic, Bearer, or a Negotiate token that is not NTLM (Kerberos needs a domain-joined client): not accepted here,
  // nor NTLM at all where only Kerberos is enabled.
  if (!m || !socket || env.kerberosOnly) return windowsChallenge(env);
  const scheme = m[1].toUpperCase() === "NTLM" ? "NTLM" : "Negotiate";
  const token = Buffer.from(m[2], "base64");
  const negotiate = readNegotiate(token);
  if (negotiate) {
    const serverChallenge = newServerChallenge();
    connections.set(socket, { envId: env.id, pendingChallenge: serverChallenge });
    return ntlmContinue(
      scheme,
      challengeMessage({
        negotiateFlags: negotiate.flags,
        serverChallenge,
        netbiosDomain: CONTOSO_AD.netbios,
        netbiosComputer: CONTOSO_AD.computer,
        dnsDomain: CONTOSO_AD.dns,
        dnsComputer: CONTOSO_AD.dnsComputer,
        timestamp: windowsFileTime(new Date()),
      }),
    );
  }
  const authenticate = readAuthenticate(token);
  const challenge = state?.envId === env.id ? state.pendingChallenge : undefined;
  connections.delete(socket);
  if (!authenticate || !challenge) return windowsChallenge(env);
  const account = findAccount(env, authenticate.user, authenticate.domain);
  const proven =
    account !== undefined &&
    verifyNtlmV2({
      ntHash: Buffer.from(account.ntHash, "hex"),
      user: authenticate.user,
      domain: authenticate.domain,
      serverChallenge: challenge,
      ntResponse: authenticate.ntResponse,
    });
  if (!account || !proven) return windowsChallenge(env);
  connections.set(socket, { envId: env.id, signedIn: account.systemuserid });
  return { systemuserid: account.systemuserid };
}
