/** Test support: the Microsoft objects the sandbox holds for one connection (found by its tag, as the engine does). */
import { expect } from "vitest";
import type { SandboxState } from "@/emulator/core/state";
import type { Db } from "../../lib/core/db";
import { ENVIRONMENTS, type MicrosoftSandbox } from "./microsoft-sandbox";
import { connectionTag } from "../../lib/provisioning/steps/step-context";

export function connectionObjects(state: SandboxState, connectionId: string, urlName: string = ENVIRONMENTS.contosoSales.urlName) {
  const apps = state.applications.filter((a) => a.tags.includes(connectionTag(connectionId)));
  const appIds = apps.map((a) => a.appId);
  const sps = state.servicePrincipals.filter((sp) => appIds.includes(sp.appId));
  const grants = state.oauth2PermissionGrants.filter((g) => sps.some((sp) => sp.id === g.clientId));
  const env = state.environments.find((e) => e.urlName === urlName)!;
  const users = env.systemUsers.filter((u) => u.applicationid && appIds.includes(u.applicationid));
  const roleLinks = env.systemUserRoles.filter((r) => users.some((u) => u.systemuserid === r.systemuserid));
  const secrets = apps.flatMap((a) => a.passwordCredentials);
  const certificates = apps.flatMap((a) => a.keyCredentials ?? []);
  return { apps, sps, grants, users, roleLinks, secrets, certificates, env };
}

/**
 * The end state every interrupted, raced or handed-over connect run must reach: exactly one app, service principal,
 * grant, application user, role association, role and credential at Microsoft (a client secret or a certificate,
 * whichever the run made), the one live credential stored is that one, and the connection is Active.
 */
export async function expectExactlyOneOfEverything(db: Db, fx: MicrosoftSandbox, connectionId: string): Promise<void> {
  const objects = connectionObjects(await fx.control.getState(), connectionId);
  expect({
    apps: objects.apps.length,
    servicePrincipals: objects.sps.length,
    grants: objects.grants.length,
    applicationUsers: objects.users.length,
    roleAssociations: objects.roleLinks.length,
    credentialsAtMicrosoft: objects.secrets.length + objects.certificates.length,
    roles: objects.env.roles.filter((r) => r.name === "Act-On Integration").length,
  }).toEqual({ apps: 1, servicePrincipals: 1, grants: 1, applicationUsers: 1, roleAssociations: 1, credentialsAtMicrosoft: 1, roles: 1 });
  const live = await db.secret.findMany({
    where: { connectionId, kind: { in: ["clientSecret", "certificateKey"] }, status: { in: ["active", "pending"] } },
  });
  expect(live).toHaveLength(1);
  expect(live[0].microsoftKeyId).toBe([...objects.secrets, ...objects.certificates][0].keyId);
  expect((await db.connection.findUniqueOrThrow({ where: { id: connectionId } })).status).toBe("active");
}
