import { Client, GraphError } from "@microsoft/microsoft-graph-client";
import { sandboxGraph } from "../testing/graph-client";
import { describe, expect, it } from "vitest";
import { useSandbox } from "@/test/support/sandbox";
import { DIRECTORY_ROLES } from "../core/state";
import { getState } from "../core/store";
import { SANDBOX_PASSWORD, SERVICE_PRINCIPALS, TENANTS, USERS } from "../scenarios/ids";
import { DYNAMICS_CRM_APP_ID, GRAPH_APP_ID } from "./first-party";
import { BROAD_CLIENT, buildContractScenario, DAEMON_CLIENT, NARROW_CLIENT } from "../testing/contract-clients";
import { postToken } from "../testing/raw-oauth";
import { appToken, mintAccessToken, userToken } from "../testing/contract-tokens";

const UPN: Record<string, string> = {
  [USERS.contosoAdmin]: "admin@contoso.onmicrosoft.com",
  [USERS.contosoUser]: "user@contoso.onmicrosoft.com",
  [USERS.contosoPimAdmin]: "pim.admin@contoso.onmicrosoft.com",
};

const sandbox = useSandbox({ scenario: buildContractScenario });

const graph = (token: string, version = "v1.0") => sandboxGraph(sandbox.origin, token, version);
/** A Graph token for the user through the broadly consented test client. */
const token = (oid: string) => userToken(sandbox.origin, UPN[oid], ["https://graph.microsoft.com/.default"]);
/** The admin through a client consented for User.Read only. */
const narrowToken = () => userToken(sandbox.origin, UPN[USERS.contosoAdmin], ["https://graph.microsoft.com/User.Read"], NARROW_CLIENT);
async function graphFailure(p: Promise<unknown>): Promise<GraphError> {
  try {
    await p;
  } catch (e) {
    return e as GraphError;
  }
  throw new Error("expected the Graph call to fail");
}

async function createApp(client: Client) {
  return client.api("/applications").post({ displayName: "Act-On Dynamics Connector (contoso)", signInAudience: "AzureADMyOrg" });
}

describe("service principals", () => {
  it("creates one for a new app (201), refuses a second (409), finds it by appId", async () => {
    const client = graph(await token(USERS.contosoAdmin));
    const app = await createApp(client);
    const sp = await client.api("/servicePrincipals").post({ appId: app.appId });
    expect(sp).toMatchObject({
      appId: app.appId,
      appDisplayName: app.displayName,
      appOwnerOrganizationId: TENANTS.contoso,
      accountEnabled: true,
      servicePrincipalNames: [app.appId],
    });
    const dup = await graphFailure(client.api("/servicePrincipals").post({ appId: app.appId }));
    expect(dup.statusCode).toBe(409);
    expect(dup.code).toBe("Request_MultipleObjectsWithSameKeyValue");
    const found = await client.api("/servicePrincipals").filter(`appId eq '${app.appId}'`).select("id,appId").get();
    expect(found.value).toEqual([{ id: sp.id, appId: app.appId }]);
  });

  it("exposes Dataverse's user_impersonation scope on the first-party service principal", async () => {
    const client = graph(await token(USERS.contosoAdmin));
    const res = await client
      .api("/servicePrincipals")
      .filter(`appId eq '${DYNAMICS_CRM_APP_ID}'`)
      .select("id,appId,displayName,oauth2PermissionScopes")
      .get();
    expect(res.value).toHaveLength(1);
    expect(res.value[0].id).toBe(SERVICE_PRINCIPALS.contosoDataverse);
    expect(res.value[0].displayName).toBe("Dataverse");
    expect(res.value[0].oauth2PermissionScopes).toContainEqual(
      expect.objectContaining({ id: "78ce3f0f-a1ce-49c2-8cde-64b5c0896db4", value: "user_impersonation" }),
    );
    const byName = await client.api("/servicePrincipals").filter("displayName eq 'Microsoft Graph'").get();
    expect(byName.value[0].appId).toBe(GRAPH_APP_ID);
  });

  it("answers NoBackingApplicationObject for an unknown app and for one still replicating", async () => {
    const client = graph(await token(USERS.contosoAdmin));
    const unknown = await graphFailure(client.api("/servicePrincipals").post({ appId: "99999999-0000-4000-8000-000000000000" }));
    expect(unknown.statusCode).toBe(400);
    expect(unknown.code).toBe("Request_BadRequest");
    expect(JSON.stringify(unknown.body)).toContain("NoBackingApplicationObject");
    getState().settings.replicationLagMs = 300;
    const app = await createApp(client);
    const early = await graphFailure(client.api("/servicePrincipals").post({ appId: app.appId }));
    expect(early.statusCode).toBe(400);
    await new Promise((r) => setTimeout(r, 350));
    const sp = await client.api("/servicePrincipals").post({ appId: app.appId });
    // The new principal is itself replicating now: reads by id miss it, its create response does not.
    expect((await graphFailure(client.api(`/servicePrincipals/${sp.id}`).get())).statusCode).toBe(404);
  });
});

describe("oauth2PermissionGrants", () => {
  it("grants tenant-wide consent to Dataverse user_impersonation, finds, updates and deletes it", async () => {
    const client = graph(await token(USERS.contosoAdmin));
    const app = await createApp(client);
    const sp = await client.api("/servicePrincipals").post({ appId: app.appId });
    const grant = await client.api("/oauth2PermissionGrants").post({
      clientId: sp.id,
      consentType: "AllPrincipals",
      resourceId: SERVICE_PRINCIPALS.contosoDataverse,
      scope: "user_impersonation",
    });
    expect(grant).toMatchObject({
      clientId: sp.id,
      consentType: "AllPrincipals",
      principalId: null,
      resourceId: SERVICE_PRINCIPALS.contosoDataverse,
      scope: "user_impersonation",
    });
    const found = await client.api("/oauth2PermissionGrants").filter(`clientId eq '${sp.id}' and consentType eq 'AllPrincipals'`).get();
    expect(found.value).toEqual([expect.objectContaining({ id: grant.id })]);
    const dup = await graphFailure(
      client
        .api("/oauth2PermissionGrants")
        .post({ clientId: sp.id, consentType: "AllPrincipals", resourceId: SERVICE_PRINCIPALS.contosoDataverse, scope: "user_impersonation" }),
    );
    expect(dup.statusCode).toBe(409);
    expect(dup.code).toBe("Request_MultipleObjectsWithSameKeyValue");
    const bad = await graphFailure(client.api(`/oauth2PermissionGrants/${grant.id}`).patch({ scope: "user_impersonation Mail.Read" }));
    expect(bad.statusCode).toBe(400);
    await client.api(`/oauth2PermissionGrants/${grant.id}`).delete();
    expect((await client.api("/oauth2PermissionGrants").filter(`clientId eq '${sp.id}'`).get()).value).toEqual([]);
  });

  it("refuses AllPrincipals consent by a user without an admin role, and Principal consent without principalId", async () => {
    const admin = graph(await token(USERS.contosoAdmin));
    const app = await createApp(admin);
    const sp = await admin.api("/servicePrincipals").post({ appId: app.appId });
    const body = { clientId: sp.id, consentType: "AllPrincipals", resourceId: SERVICE_PRINCIPALS.contosoDataverse, scope: "user_impersonation" };
    const denied = await graphFailure(
      graph(await token(USERS.contosoUser))
        .api("/oauth2PermissionGrants")
        .post(body),
    );
    expect(denied.statusCode).toBe(403);
    expect(denied.code).toBe("Authorization_RequestDenied");
    const noPrincipal = await graphFailure(admin.api("/oauth2PermissionGrants").post({ ...body, consentType: "Principal" }));
    expect(noPrincipal.statusCode).toBe(400);
    const noScope = await graphFailure(
      graph(await narrowToken())
        .api("/oauth2PermissionGrants")
        .post(body),
    );
    expect(noScope.statusCode).toBe(403);
  });

  it("answers 404 for a client service principal that is still replicating", async () => {
    const client = graph(await token(USERS.contosoAdmin));
    const app = await createApp(client);
    // The app itself replicated long ago; only the service principal is fresh.
    getState().applications.find((a) => a.id === app.id)!.createdDateTime = "2024-01-01T00:00:00Z";
    getState().settings.replicationLagMs = 5_000;
    const sp = await client.api("/servicePrincipals").post({ appId: app.appId });
    const err = await graphFailure(
      client
        .api("/oauth2PermissionGrants")
        .post({ clientId: sp.id, consentType: "AllPrincipals", resourceId: SERVICE_PRINCIPALS.contosoDataverse, scope: "user_impersonation" }),
    );
    expect(err.statusCode).toBe(404);
    expect(err.code).toBe("Request_ResourceNotFound");
  });
});

describe("signed-in user and tenant checks", () => {
  it("GET /me returns the default property set", async () => {
    const me = await graph(await token(USERS.contosoAdmin))
      .api("/me")
      .get();
    expect(Object.keys(me).sort()).toEqual(
      [
        "@odata.context",
        "businessPhones",
        "displayName",
        "givenName",
        "id",
        "jobTitle",
        "mail",
        "mobilePhone",
        "officeLocation",
        "preferredLanguage",
        "surname",
        "userPrincipalName",
      ].sort(),
    );
    expect(me).toMatchObject({
      id: USERS.contosoAdmin,
      userPrincipalName: "admin@contoso.onmicrosoft.com",
      "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity",
    });
  });

  it("GET /organization is a one-element collection with verified domains", async () => {
    const org = await graph(await token(USERS.contosoAdmin))
      .api("/organization")
      .get();
    expect(org.value).toHaveLength(1);
    expect(org.value[0]).toMatchObject({ id: TENANTS.contoso, displayName: "Contoso", tenantType: "AAD" });
    expect(org.value[0].verifiedDomains).toEqual([
      { capabilities: "Email, OfficeCommunicationsOnline", isDefault: true, isInitial: true, name: "contoso.onmicrosoft.com", type: "Managed" },
    ]);
  });

  it("lists directory roles by roleTemplateId in memberOf, its cast and role assignments", async () => {
    const client = graph(await token(USERS.contosoAdmin));
    const memberOf = await client.api("/me/memberOf").get();
    expect(memberOf.value).toContainEqual(
      expect.objectContaining({
        "@odata.type": "#microsoft.graph.directoryRole",
        roleTemplateId: DIRECTORY_ROLES.globalAdministrator,
        displayName: "Global Administrator",
      }),
    );
    const cast = await client.api("/me/transitiveMemberOf/microsoft.graph.directoryRole").header("ConsistencyLevel", "eventual").count(true).get();
    expect(cast.value.map((r: { roleTemplateId: string }) => r.roleTemplateId).sort()).toEqual(
      [DIRECTORY_ROLES.globalAdministrator, DIRECTORY_ROLES.dynamics365Administrator].sort(),
    );
    const assignments = await client.api("/roleManagement/directory/roleAssignments").filter(`principalId eq '${USERS.contosoAdmin}'`).get();
    expect(assignments.value).toContainEqual(
      expect.objectContaining({ principalId: USERS.contosoAdmin, roleDefinitionId: DIRECTORY_ROLES.globalAdministrator, directoryScopeId: "/" }),
    );
    expect(
      (
        await graph(await token(USERS.contosoUser))
          .api("/me/memberOf")
          .get()
      ).value,
    ).toEqual([]);
  });

  it("refuses a cast on a membership list without the advanced query parameters (400 Request_UnsupportedQuery), answers it with them", async () => {
    const client = graph(await token(USERS.contosoAdmin));
    for (const request of [
      client.api("/me/transitiveMemberOf/microsoft.graph.directoryRole"),
      client.api("/me/memberOf/microsoft.graph.directoryRole").count(true),
      client.api(`/users/${USERS.contosoAdmin}/transitiveMemberOf/microsoft.graph.group`).header("ConsistencyLevel", "eventual"),
    ]) {
      const refused = await graphFailure(request.get());
      expect([refused.statusCode, refused.code]).toEqual([400, "Request_UnsupportedQuery"]);
      expect(refused.message).toMatch(/ConsistencyLevel: eventual/);
    }
    const answered = await client.api("/me/memberOf/microsoft.graph.directoryRole").header("ConsistencyLevel", "eventual").count(true).get();
    expect(answered["@odata.count"]).toBe(2);
    // Without a cast the membership list is no advanced query.
    expect((await client.api("/me/transitiveMemberOf").get()).value.length).toBeGreaterThan(0);
  });

  it("keeps a PIM-eligible role out of memberships, assignments and wids; the user reads it among their eligibilities", async () => {
    const pimToken = await token(USERS.contosoPimAdmin);
    const client = graph(pimToken);
    const cast = await client.api("/me/transitiveMemberOf/microsoft.graph.directoryRole").header("ConsistencyLevel", "eventual").count(true).get();
    expect(cast.value).toEqual([]);
    const assignments = await client.api("/roleManagement/directory/roleAssignments").filter(`principalId eq '${USERS.contosoPimAdmin}'`).get();
    expect(assignments.value).toEqual([]);
    const wids = JSON.parse(Buffer.from(pimToken.split(".")[1], "base64url").toString()).wids as string[];
    expect(wids).not.toContain(DIRECTORY_ROLES.globalAdministrator);
    const eligible = await client.api("/roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')").get();
    expect(eligible.value).toEqual([
      expect.objectContaining({
        principalId: USERS.contosoPimAdmin,
        roleDefinitionId: DIRECTORY_ROLES.globalAdministrator,
        directoryScopeId: "/",
        memberType: "Direct",
      }),
    ]);
    const admins = await graph(await token(USERS.contosoAdmin))
      .api("/roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')")
      .get();
    expect(admins.value).toEqual([]);
    // Reading eligibility needs a RoleManagement or RoleEligibilitySchedule permission: User.Read alone is refused.
    const narrow = await graphFailure(
      graph(await narrowToken())
        .api("/roleManagement/directory/roleEligibilityScheduleInstances/filterByCurrentUser(on='principal')")
        .get(),
    );
    expect([narrow.statusCode, narrow.code]).toEqual([403, "Authorization_RequestDenied"]);
  });

  it("lists Conditional Access policies as Graph documents them (Policy.Read.All and a reader role), and a password sign-in they require MFA for is refused with AADSTS50076", async () => {
    const tenant = getState().tenants.find((t) => t.id === TENANTS.contoso)!;
    const policy = {
      id: "c0000000-0000-4000-8000-000000000001",
      displayName: "Require MFA for all users",
      state: "enabled" as const,
      conditions: {
        users: {
          includeUsers: ["All"],
          excludeUsers: [USERS.contosoAdmin],
          includeGroups: [],
          excludeGroups: [],
          includeRoles: [],
          excludeRoles: [],
        },
        applications: { includeApplications: ["All"], excludeApplications: [] },
        clientAppTypes: ["all"],
      },
      grantControls: { operator: "OR" as const, builtInControls: ["mfa"] },
    };
    tenant.conditionalAccessPolicies = [policy];
    try {
      const listed = await graph(await token(USERS.contosoAdmin))
        .api("/identity/conditionalAccess/policies")
        .get();
      expect(listed.value).toEqual([expect.objectContaining({ id: policy.id, displayName: policy.displayName, state: "enabled" })]);
      // Policy.Read.All alone is not enough for a delegated caller without a role that may read Conditional Access.
      const userOnly = await mintAccessToken({
        tid: TENANTS.contoso,
        aud: "https://graph.microsoft.com",
        oid: USERS.contosoUser,
        scp: "Policy.Read.All",
      });
      expect((await graphFailure(graph(userOnly).api("/identity/conditionalAccess/policies").get())).statusCode).toBe(403);
      expect(
        (
          await graphFailure(
            graph(await narrowToken())
              .api("/identity/conditionalAccess/policies")
              .get(),
          )
        ).statusCode,
      ).toBe(403);
      // The policy targets user@ (all users but the excluded admin): the password alone no longer signs in.
      const refused = await userToken(sandbox.origin, UPN[USERS.contosoUser], ["https://graph.microsoft.com/User.Read"]).then(
        () => null,
        (e: { errorMessage?: string; message?: string }) => e.errorMessage ?? e.message ?? "",
      );
      expect(refused).toMatch(/AADSTS50076/);
      await expect(userToken(sandbox.origin, UPN[USERS.contosoAdmin], ["https://graph.microsoft.com/User.Read"])).resolves.toBeTruthy();
    } finally {
      tenant.conditionalAccessPolicies = [];
    }
  });

  it("revokeSignInSessions invalidates the user's refresh tokens (AADSTS50173) and needs User.RevokeSessions.All", async () => {
    const ropc = () =>
      postToken(sandbox.origin, "contoso.onmicrosoft.com", {
        grant_type: "password",
        client_id: BROAD_CLIENT.appId,
        scope: "https://graph.microsoft.com/User.Read offline_access",
        username: UPN[USERS.contosoUser],
        password: SANDBOX_PASSWORD,
      });
    const refresh = (token: unknown) =>
      postToken(sandbox.origin, "contoso.onmicrosoft.com", {
        grant_type: "refresh_token",
        client_id: BROAD_CLIENT.appId,
        scope: "https://graph.microsoft.com/User.Read offline_access",
        refresh_token: String(token),
      });
    const before = await ropc();
    expect(before.status).toBe(200);
    const app = (roles: string[]) =>
      mintAccessToken({ tid: TENANTS.contoso, aud: "https://graph.microsoft.com", oid: SERVICE_PRINCIPALS.contosoGraph, roles });
    const denied = await graphFailure(
      graph(await app(["User.Read.All"]))
        .api(`/users/${USERS.contosoUser}/revokeSignInSessions`)
        .post({}),
    );
    expect(denied.statusCode).toBe(403);
    const revoked = await graph(await app(["User.RevokeSessions.All"]))
      .api(`/users/${USERS.contosoUser}/revokeSignInSessions`)
      .post({});
    expect(revoked.value).toBe(true);
    const refused = await refresh(before.body.refresh_token);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: "invalid_grant", error_codes: [50173] });
    // A sign-in after the revocation gets a refresh token that works.
    const after = await ropc();
    expect((await refresh(after.body.refresh_token)).status).toBe(200);
  });

  it("reads per-user MFA state (beta) and security defaults; PATCH needs the write permissions", async () => {
    const client = graph(await token(USERS.contosoAdmin), "beta");
    const mfa = await client.api(`/users/${USERS.contosoMfaAdmin}/authentication/requirements`).get();
    expect(mfa.perUserMfaState).toBe("enforced");
    const denied = await graphFailure(
      graph(await narrowToken(), "beta")
        .api(`/users/${USERS.contosoMfaAdmin}/authentication/requirements`)
        .patch({ perUserMfaState: "disabled" }),
    );
    expect(denied.statusCode).toBe(403);
    // Microsoft's reference lists Policy.Read.All (least) or Policy.ReadWrite.AuthenticationMethod for reading another
    // user's per-user MFA state; an authentication-methods permission is not among them.
    // Entra puts every consented scope in a token, so a token holding only one is minted.
    for (const scope of ["UserAuthenticationMethod.Read.All", "Policy.Read.All"]) {
      const only = graph(
        await mintAccessToken({ tid: TENANTS.contoso, aud: "https://graph.microsoft.com", oid: USERS.contosoAdmin, scp: scope }),
        "beta",
      );
      const read = only.api(`/users/${USERS.contosoMfaAdmin}/authentication/requirements`).get();
      if (scope === "Policy.Read.All") expect((await read).perUserMfaState).toBe("enforced");
      else expect((await graphFailure(read)).statusCode, scope).toBe(403);
    }
    const writer = client;
    await writer.api(`/users/admin@contoso.onmicrosoft.com/authentication/requirements`).patch({ perUserMfaState: "enabled" });
    expect(getState().users.find((u) => u.id === USERS.contosoAdmin)!.perUserMfaState).toBe("enabled");
    const v1 = graph(await token(USERS.contosoAdmin));
    const policy = await v1.api("/policies/identitySecurityDefaultsEnforcementPolicy").get();
    expect(policy).toMatchObject({ id: "00000000-0000-0000-0000-000000000005", displayName: "Security Defaults", isEnabled: false });
    // Policy.ReadWrite.ConditionalAccess also allows changing security defaults.
    await v1.api("/policies/identitySecurityDefaultsEnforcementPolicy").patch({ isEnabled: true });
    expect((await v1.api("/policies/identitySecurityDefaultsEnforcementPolicy").get()).isEnabled).toBe(true);
    const noPolicyRead = await graphFailure(
      graph(await narrowToken())
        .api("/policies/identitySecurityDefaultsEnforcementPolicy")
        .get(),
    );
    expect(noPolicyRead.statusCode).toBe(403);
  });

  it("app-only tokens: /me is a 400, application permissions decide the rest", async () => {
    const daemon = graph(await appToken(sandbox.origin, DAEMON_CLIENT, "https://graph.microsoft.com"));
    expect((await graphFailure(daemon.api("/me").get())).statusCode).toBe(400);
    // The daemon holds Application.ReadWrite.All: it can register an app, its principal and a secret...
    const app = await createApp(daemon);
    await daemon.api("/servicePrincipals").post({ appId: app.appId });
    const { secretText } = await daemon.api(`/applications/${app.id}/addPassword`).post({});
    // ...and that new app, holding no Graph application permission, may read nothing.
    const bare = graph(await appToken(sandbox.origin, { appId: app.appId, secret: secretText }, "https://graph.microsoft.com"));
    const err = await graphFailure(bare.api("/applications").get());
    expect(err.statusCode).toBe(403);
    expect(err.code).toBe("Authorization_RequestDenied");
  });
});
