/**
 * Test support for the Graph, Discovery and Dataverse contract tests: the real sandbox (`startSandbox`) on an
 * ephemeral port with the default scenario plus three test clients in Contoso, and tokens obtained from the
 * sandbox's own identity endpoints through MSAL (ROPC for users, client credentials for apps), exactly as a client
 * of the real services would get them. `mintAccessToken` exists only for tokens no honest STS would issue (another
 * tenant's, a forged audience).
 */
import { ConfidentialClientApplication, PublicClientApplication } from "@azure/msal-node";
import { createHash } from "node:crypto";
import { startSandbox } from "../core/server";
import type { Application, SandboxState, ServicePrincipal } from "../core/state";
import { getState, newGuid, replaceState } from "../core/store";
import { signJwt } from "../core/tokens";
import { buildDefaultScenario } from "../scenarios/default";
import { SANDBOX_PASSWORD, SERVICE_PRINCIPALS, TENANTS } from "../scenarios/ids";
import { contosoApplicationDefaults } from "../testing/contoso-application";

export type TestSandbox = { origin: string; close: () => Promise<void> };

const SEEDED = "2024-01-01T00:00:00Z";

/** ROPC client consented tenant-wide for everything the contract tests call. */
export const BROAD_CLIENT = {
  appId: "31000000-0000-4000-8000-0000000000a1",
  objectId: "30000000-0000-4000-8000-0000000000a1",
  spId: "40000000-0000-4000-8000-0000000000a1",
};
/** ROPC client consented for `User.Read` only, to provoke Authorization_RequestDenied. */
export const NARROW_CLIENT = {
  appId: "31000000-0000-4000-8000-0000000000a2",
  objectId: "30000000-0000-4000-8000-0000000000a2",
  spId: "40000000-0000-4000-8000-0000000000a2",
};
/** Confidential daemon holding Graph's Application.ReadWrite.All application permission. */
export const DAEMON_CLIENT = {
  appId: "31000000-0000-4000-8000-0000000000a3",
  objectId: "30000000-0000-4000-8000-0000000000a3",
  spId: "40000000-0000-4000-8000-0000000000a3",
  secret: "Dm8Q~sandbox-contract-test-daemon-secret",
};

const BROAD_GRAPH_SCOPES = [
  "User.Read",
  "Application.ReadWrite.All",
  "DelegatedPermissionGrant.ReadWrite.All",
  "Directory.Read.All",
  "Policy.Read.All",
  "RoleManagement.Read.Directory",
  "UserAuthenticationMethod.Read.All",
  "Policy.ReadWrite.AuthenticationMethod",
  "Policy.ReadWrite.ConditionalAccess",
];

function testApp(ids: { appId: string; objectId: string }, displayName: string, isPublic: boolean, secret?: string): Application {
  return {
    id: ids.objectId,
    appId: ids.appId,
    ...contosoApplicationDefaults(),
    displayName,
    isFallbackPublicClient: isPublic,
    passwordCredentials: secret
      ? [
          {
            keyId: newGuid(),
            displayName: "tests",
            hint: secret.slice(0, 3),
            startDateTime: SEEDED,
            endDateTime: "2099-01-01T00:00:00Z",
            secretSha256: createHash("sha256").update(secret).digest("hex"),
          },
        ]
      : [],
    createdDateTime: SEEDED,
  };
}

function testSp(ids: { appId: string; spId: string }, displayName: string): ServicePrincipal {
  return {
    id: ids.spId,
    appId: ids.appId,
    tenantId: TENANTS.contoso,
    displayName,
    appOwnerOrganizationId: TENANTS.contoso,
    servicePrincipalNames: [ids.appId],
    accountEnabled: true,
    appRoleAssignmentRequired: false,
    tags: [],
    createdDateTime: SEEDED,
  };
}

/** The default scenario (or `base`) plus the test clients (and their consent) in Contoso. */
export function buildContractScenario(base: SandboxState = buildDefaultScenario()): SandboxState {
  const state = base;
  state.applications.push(
    testApp(BROAD_CLIENT, "Contract Tests (broad)", true),
    testApp(NARROW_CLIENT, "Contract Tests (narrow)", true),
    testApp(DAEMON_CLIENT, "Contract Tests (daemon)", false, DAEMON_CLIENT.secret),
  );
  state.servicePrincipals.push(
    testSp(BROAD_CLIENT, "Contract Tests (broad)"),
    testSp(NARROW_CLIENT, "Contract Tests (narrow)"),
    testSp(DAEMON_CLIENT, "Contract Tests (daemon)"),
  );
  const grant = (clientId: string, resourceId: string, scope: string) => ({
    id: newGuid(),
    tenantId: TENANTS.contoso,
    clientId,
    consentType: "AllPrincipals" as const,
    principalId: null,
    resourceId,
    scope,
  });
  state.oauth2PermissionGrants.push(
    grant(BROAD_CLIENT.spId, SERVICE_PRINCIPALS.contosoGraph, ["openid", "profile", "offline_access", ...BROAD_GRAPH_SCOPES].join(" ")),
    grant(BROAD_CLIENT.spId, SERVICE_PRINCIPALS.contosoDataverse, "user_impersonation"),
    grant(NARROW_CLIENT.spId, SERVICE_PRINCIPALS.contosoGraph, "openid profile offline_access User.Read"),
  );
  state.appRoleAssignments.push({
    id: newGuid(),
    tenantId: TENANTS.contoso,
    principalId: DAEMON_CLIENT.spId,
    principalType: "ServicePrincipal",
    resourceId: SERVICE_PRINCIPALS.contosoGraph,
    appRoleId: "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9", // Application.ReadWrite.All
    createdDateTime: SEEDED,
  });
  return state;
}

export async function startTestSandbox(): Promise<TestSandbox> {
  const sandbox = await startSandbox({ port: 0, scenario: buildContractScenario() });
  return { origin: sandbox.origin, close: () => sandbox.close() };
}

export function resetScenario(): void {
  replaceState(buildContractScenario());
}

export { getState };

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
