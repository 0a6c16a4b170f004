/**
 * Tokens for the contract tests, obtained from the sandbox's own identity endpoints through MSAL (ROPC for users,
 * client credentials for apps), exactly as a client of the real services would get them. `mintAccessToken` exists
 * only for tokens no honest STS would issue (another tenant's, a forged audience).
 */
import { ConfidentialClientApplication, PublicClientApplication } from "@azure/msal-node";
import { signJwt } from "../core/tokens";
import { SANDBOX_PASSWORD, TENANTS } from "../scenarios/ids";
import { BROAD_CLIENT } from "./contract-clients";

function authority(origin: string, tenantId: string) {
  return { authority: `${origin}/${tenantId}`, knownAuthorities: [new URL(origin).host] };
}

const userTokens = new Map<string, Promise<string>>();

/** A user's access token through ROPC with one of the public test clients (memoised: tokens live an hour). */
export function userToken(origin: string, username: string, scopes: string[], client: { appId: string } = BROAD_CLIENT): Promise<string> {
  const key = [origin, username, client.appId, ...scopes].join("|");
  let token = userTokens.get(key);
  if (!token) {
    token = acquireUserToken(origin, username, scopes, client);
    userTokens.set(key, token);
    token.catch(() => userTokens.delete(key));
  }
  return token;
}

async function acquireUserToken(origin: string, username: string, scopes: string[], client: { appId: string }): Promise<string> {
  const pca = new PublicClientApplication({ auth: { clientId: client.appId, ...authority(origin, TENANTS.contoso) } });
  const result = await pca.acquireTokenByUsernamePassword({ scopes, username, password: SANDBOX_PASSWORD });
  if (!result?.accessToken) throw new Error("no access token from the sandbox");
  return result.accessToken;
}

/** An app-only access token through client credentials (`{resource}/.default`). */
export async function appToken(origin: string, client: { appId: string; secret: string }, resource: string): Promise<string> {
  const cca = new ConfidentialClientApplication({
    auth: { clientId: client.appId, clientSecret: client.secret, ...authority(origin, TENANTS.contoso) },
  });
  const result = await cca.acquireTokenByClientCredential({ scopes: [`${resource}/.default`], skipCache: true });
  if (!result?.accessToken) throw new Error("no access token from the sandbox");
  return result.accessToken;
}

/** A v1 access token no sandbox STS flow would issue here (another tenant's user, an arbitrary audience). */
export async function mintAccessToken(o: { tid: string; aud: string; oid: string; scp?: string; roles?: string[]; appid?: string }): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return signJwt({
    aud: o.aud,
    iss: `https://sts.windows.net/${o.tid}/`,
    iat: now,
    nbf: now,
    exp: now + 3600,
    tid: o.tid,
    oid: o.oid,
    sub: o.oid,
    appid: o.appid ?? BROAD_CLIENT.appId,
    ver: "1.0",
    ...(o.scp !== undefined ? { scp: o.scp } : {}),
    ...(o.roles ? { roles: o.roles } : {}),
  });
}
