/** Test support: the Microsoft objects the sandbox holds for one connection (found by its tag, as the engine does). */
import type { SandboxState } from "@/emulator/core/state";
import { ENVIRONMENTS } from "./microsoft-sandbox";
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
  return { apps, sps, grants, users, roleLinks, secrets, env };
}
