/**
 * The probe sweep bench's sandbox, in its own process: the consented scenario, plus on request (an IPC message) N
 * copies of one onboarded connection's Microsoft objects — app with its secret, service principal, consent grant,
 * application user and its role — each with its own ids, so every copy is its own application user at Dataverse
 * (service protection counts per user). Built in the sandbox's memory: through Graph, 10,000 apps would take hours.
 */
import { randomUUID } from "node:crypto";
import { startSandbox } from "../emulator/core/server";
import { getState } from "../emulator/core/store";

export type CloneRequest = { appId: string; environmentUrlName: string; count: number };
export type Clone = { appId: string; applicationObjectId: string; servicePrincipalId: string; applicationUserId: string; keyId: string };

function cloneConnection(request: CloneRequest): Clone[] {
  const state = getState();
  const app = state.applications.find((a) => a.appId === request.appId)!;
  const sp = state.servicePrincipals.find((s) => s.appId === request.appId)!;
  const grants = state.oauth2PermissionGrants.filter((g) => g.clientId === sp.id);
  const env = state.environments.find((e) => e.urlName === request.environmentUrlName)!;
  const user = env.systemUsers.find((u) => u.applicationid === request.appId)!;
  const roles = env.systemUserRoles.filter((r) => r.systemuserid === user.systemuserid);
  const clones: Clone[] = [];
  for (let i = 0; i < request.count; i++) {
    const appId = randomUUID();
    const keyId = randomUUID();
    const newApp = { ...structuredClone(app), id: randomUUID(), appId, passwordCredentials: app.passwordCredentials.map((c) => ({ ...c, keyId })) };
    const newSp = { ...structuredClone(sp), id: randomUUID(), appId, servicePrincipalNames: [appId] };
    const newUser = { ...structuredClone(user), systemuserid: randomUUID(), applicationid: appId, azureactivedirectoryobjectid: newSp.id };
    state.applications.push(newApp);
    state.servicePrincipals.push(newSp);
    for (const g of grants) state.oauth2PermissionGrants.push({ ...g, id: randomUUID(), clientId: newSp.id });
    env.systemUsers.push(newUser);
    for (const r of roles) env.systemUserRoles.push({ ...r, systemuserid: newUser.systemuserid });
    clones.push({ appId, applicationObjectId: newApp.id, servicePrincipalId: newSp.id, applicationUserId: newUser.systemuserid, keyId });
  }
  return clones;
}

async function main() {
  const sandbox = await startSandbox({ port: 0, scenario: "consented" });
  process.on("message", (message: CloneRequest) => process.send!({ clones: cloneConnection(message) }));
  process.send!({ origin: sandbox.origin });
  process.on("disconnect", () => void sandbox.close().then(() => process.exit(0)));
}

void main();
