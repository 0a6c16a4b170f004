/**
 * The `{tenant}` path segment, as login.microsoftonline.com reads it: a tenant id, any verified domain, or one of the
 * multi-tenant aliases. `consumers` exists in Entra but has no users here (no personal Microsoft accounts).
 */
import { getState } from "../core/store";
import type { Tenant } from "../core/state";

export type TenantSegment = { kind: "tenant"; tenant: Tenant; segment: string } | { kind: "common" | "organizations" | "consumers"; segment: string };

export function resolveTenantSegment(segment: string): TenantSegment | null {
  const lower = decodeURIComponent(segment).toLowerCase();
  if (lower === "common" || lower === "organizations" || lower === "consumers") return { kind: lower, segment };
  const tenant = findTenant(lower);
  return tenant ? { kind: "tenant", tenant, segment } : null;
}

function findTenant(idOrDomain: string): Tenant | undefined {
  const lower = idOrDomain.toLowerCase();
  return getState().tenants.find((t) => t.id === lower || t.domains.some((d) => d.toLowerCase() === lower));
}

export function findTenantById(id: string): Tenant | undefined {
  return getState().tenants.find((t) => t.id === id);
}

/** The tenant a UPN's domain belongs to (how /common and /organizations pick the home tenant). */
export function tenantOfUpn(upn: string): Tenant | undefined {
  const at = upn.lastIndexOf("@");
  return at < 0 ? undefined : findTenant(upn.slice(at + 1));
}

export function tenantName(t: TenantSegment): string {
  return t.kind === "tenant" ? t.tenant.domains[0] : t.segment;
}
