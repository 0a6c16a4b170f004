/**
 * Tenant policies Graph exposes that the onboarding depends on: the default app management policy (a cap on client
 * secret lifetimes, `applicationRestrictions.passwordCredentials[].restrictionType = passwordLifetime`, and a block on
 * new client secrets, `restrictionType = passwordAddition`).
 */
import type { EmuRequest, EmuResponse } from "../core/http";
import { authenticateGraphCaller, isResponse, requirePermission, type Permissions } from "./auth";
import { contextUrl, graphJson } from "./responses";

/** The tenant-wide default policy's id as Graph returns it. */
export const DEFAULT_APP_MANAGEMENT_POLICY_ID = "00000000-0000-0000-0000-000000000000";

const READ_POLICY: Permissions = {
  delegated: ["Policy.Read.All", "Policy.Read.ApplicationConfiguration", "Policy.ReadWrite.ApplicationConfiguration"],
  application: ["Policy.Read.All", "Policy.Read.ApplicationConfiguration", "Policy.ReadWrite.ApplicationConfiguration"],
};

/** `P180D`, `PT12H`, `P1Y` (365 days), `P4DT12H30M5S` → milliseconds; null for anything else. */
export function isoDurationMs(duration: string): number | null {
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(duration);
  if (!m || duration === "P" || duration.endsWith("T")) return null;
  const [y, mo, w, d, h, mi, s] = m.slice(1).map((v) => (v ? Number(v) : 0));
  return ((((y * 365 + mo * 30 + w * 7 + d) * 24 + h) * 60 + mi) * 60 + s) * 1000;
}

/** GET /policies/defaultAppManagementPolicy */
export async function getDefaultAppManagementPolicy(req: EmuRequest): Promise<EmuResponse> {
  const caller = await authenticateGraphCaller(req);
  if (isResponse(caller)) return caller;
  const denied = requirePermission(req, caller, READ_POLICY);
  if (denied) return denied;
  const max = caller.tenant.passwordMaxLifetime ?? null;
  const blocked = caller.tenant.passwordAdditionBlocked === true;
  const since = "2019-01-01T00:00:00Z";
  return graphJson(req, 200, {
    "@odata.context": contextUrl(req, "policies/defaultAppManagementPolicy/$entity"),
    id: DEFAULT_APP_MANAGEMENT_POLICY_ID,
    description: "Default tenant policy that enforces app management restrictions on applications and service principals.",
    displayName: "Default app management tenant policy",
    isEnabled: max !== null || blocked,
    applicationRestrictions: {
      passwordCredentials: [
        ...(blocked
          ? [{ restrictionType: "passwordAddition", state: "enabled", maxLifetime: null, restrictForAppsCreatedAfterDateTime: since }]
          : []),
        ...(max ? [{ restrictionType: "passwordLifetime", state: "enabled", maxLifetime: max, restrictForAppsCreatedAfterDateTime: since }] : []),
      ],
      keyCredentials: [],
    },
    servicePrincipalRestrictions: { passwordCredentials: [], keyCredentials: [] },
  });
}
