/**
 * The directory's recycle bin (`/directory/deletedItems`): a deleted application stays there, soft-deleted, for 30
 * days, with `deletedDateTime` set; only its own tenant sees it (another tenant's id is a plain 404).
 */
import type { EmuRequest, EmuResponse } from "../core/http";
import { getState } from "../core/store";
import type { DeletedApplication } from "../core/state";
import { applicationView } from "./applications";
import { authenticateGraphCaller, isResponse, PERMISSIONS, requirePermission } from "./auth";
import { entityResponse, listResponse } from "./collection";
import { notFound } from "./responses";
import { sandboxNow } from "../core/clock";

const RETENTION_MS = 30 * 24 * 3600_000;

function binOf(tenantId: string): DeletedApplication[] {
  const now = sandboxNow();
  return (getState().deletedApplications ?? []).filter(
    (d) => d.application.tenantId === tenantId && now - Date.parse(d.deletedDateTime) < RETENTION_MS,
  );
}

function deletedView(d: DeletedApplication): Record<string, unknown> {
  const tenant = getState().tenants.find((t) => t.id === d.application.tenantId);
  return { "@odata.type": "#microsoft.graph.application", ...applicationView(d.application, tenant), deletedDateTime: d.deletedDateTime };
}

/** GET /directory/deletedItems/{id} */
export async function getDeletedItem(req: EmuRequest): Promise<EmuResponse> {
  const caller = await authenticateGraphCaller(req);
  if (isResponse(caller)) return caller;
  const denied = requirePermission(req, caller, PERMISSIONS.readApplications);
  if (denied) return denied;
  const id = decodeURIComponent(req.params.id).toLowerCase();
  const item = binOf(caller.tenant.id).find((d) => d.application.id === id);
  return item ? entityResponse(req, deletedView(item), "directory/deletedItems") : notFound(req, id);
}

/** GET /directory/deletedItems/microsoft.graph.application */
export async function listDeletedApplications(req: EmuRequest): Promise<EmuResponse> {
  const caller = await authenticateGraphCaller(req);
  if (isResponse(caller)) return caller;
  const denied = requirePermission(req, caller, PERMISSIONS.readApplications);
  if (denied) return denied;
  return listResponse(req, binOf(caller.tenant.id).map(deletedView), {
    contextPath: "directory/deletedItems/microsoft.graph.application",
    typeName: "microsoft.graph.application",
  });
}
