/**
 * The contract tests' world: the default scenario (or another base) plus three test clients in Contoso and their
 * consent, for the Graph, Discovery and Dataverse contract tests to get tokens with (contract-tokens.ts) — start it
 * with `useSandbox({ scenario: buildContractScenario })`.
 */
import { createHash } from "node:crypto";
import type { Application, SandboxState, ServicePrincipal } from "../core/state";
import { newGuid } from "../core/store";
import { buildDefaultScenario } from "../scenarios/default";
import { SERVICE_PRINCIPALS, TENANTS } from "../scenarios/ids";
import { contosoApplicationDefaults } from "./contoso-application";

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
