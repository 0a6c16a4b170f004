/**
 * Entra's audit log as Graph serves it (`GET /auditLogs/directoryAudits`), for the application management the
 * sandbox's Graph performs: "Delete application", "Remove service principal" and "Update application - Certificates
 * and secrets management" (a removed password), with who did it (`initiatedBy.user` or `.app`) and on what
 * (`targetResources`). Reading it needs AuditLog.Read.All, and a delegated caller also one of the directory roles
 * Microsoft lists for it (Reports Reader the least privileged). `modifiedProperties` stay empty: their wire format
 * is not documented. Newest first; `$filter` on `activityDateTime`, `activityDisplayName`, `targetResources/any(…)`.
 */
import type { EmuRequest, EmuResponse } from "../core/http";
import type { DirectoryAudit } from "../core/state";
import { DIRECTORY_ROLES } from "../core/state";
import { getState, newGuid } from "../core/store";
import { authenticateGraphCaller, hasDirectoryRole, isResponse, requirePermission, SECURITY_ADMIN_ROLE, type GraphCaller } from "./auth";
import { listResponse } from "./collection";
import { accessDenied } from "./responses";
import { sandboxDate } from "../core/clock";

/** Directory roles that may read the audit log in a delegated call (Microsoft's list for directoryAudits). */
const AUDIT_READER_ROLES = [
  "4a5d8f65-41da-4de4-8968-e035b65339cf", // Reports Reader
  "5d6b6bb7-de71-4623-b4af-96380a352509", // Security Reader
  "5f2222b1-57c3-48ba-8ad5-d4759f1fde6f", // Security Operator
  SECURITY_ADMIN_ROLE,
  DIRECTORY_ROLES.globalReader,
  DIRECTORY_ROLES.globalAdministrator,
];

type Change = {
  activity: "Delete application" | "Remove service principal" | "Update application - Certificates and secrets management";
  operationType: DirectoryAudit["operationType"];
  target: { id: string; displayName: string; type: "Application" | "ServicePrincipal" };
};

/** Records a change the caller made in its tenant's audit log. */
export function recordDirectoryAudit(caller: GraphCaller, change: Change): void {
  const state = getState();
  const sp = caller.kind === "application" ? state.servicePrincipals.find((s) => s.id === caller.claims.oid) : undefined;
  (state.directoryAudits ??= []).push({
    id: `Directory_${newGuid()}`,
    tenantId: caller.tenant.id,
    category: "ApplicationManagement",
    correlationId: newGuid(),
    result: "success",
    resultReason: "",
    activityDisplayName: change.activity,
    activityDateTime: sandboxDate().toISOString(),
    loggedByService: "Core Directory",
    operationType: change.operationType,
    initiatedBy: caller.user
      ? {
          user: { id: caller.user.id, displayName: caller.user.displayName, userPrincipalName: caller.user.userPrincipalName, ipAddress: null },
          app: null,
        }
      : {
          user: null,
          app: { appId: caller.clientAppId, displayName: sp?.displayName ?? null, servicePrincipalId: caller.claims.oid, servicePrincipalName: null },
        },
    targetResources: [{ ...change.target, userPrincipalName: null, modifiedProperties: [] }],
    additionalDetails: [],
  });
}

export async function listDirectoryAudits(req: EmuRequest): Promise<EmuResponse> {
  const caller = await authenticateGraphCaller(req);
  if (isResponse(caller)) return caller;
  const denied = requirePermission(req, caller, { delegated: ["AuditLog.Read.All"], application: ["AuditLog.Read.All"] });
  if (denied) return denied;
  if (caller.kind === "delegated" && !hasDirectoryRole(caller, AUDIT_READER_ROLES)) return accessDenied(req);
  const entries = (getState().directoryAudits ?? [])
    .filter((a) => a.tenantId === caller.tenant.id)
    .map(({ tenantId: _tenant, ...view }) => view)
    // Recorded oldest first: reversed, so entries of the same millisecond stay newest first through the stable sort.
    .reverse()
    .sort((a, b) => b.activityDateTime.localeCompare(a.activityDateTime));
  return listResponse(req, entries, { contextPath: "auditLogs/directoryAudits", typeName: "microsoft.graph.directoryAudit" });
}
