/**
 * Which of the tenant's Conditional Access policies would ask the integration user's password sign-in (legacy mode)
 * for multi-factor authentication, said in the plan before anything runs rather than discovered at verify. Pure.
 *
 * Policies name users by object id, and the portal reads no user objects (it holds no User.Read.All), so a policy is
 * certain to apply only when it targets all users and excludes no one; one with targets or exclusions "may apply".
 */
import { DYNAMICS_CRM_APP_ID } from "../microsoft/constants";

/** The fields of Graph's conditionalAccessPolicy this reads (lib/microsoft/graph.ts reads them). */
export type CaPolicy = {
  id: string;
  displayName?: string | null;
  state: string;
  conditions?: {
    users?: {
      includeUsers: string[];
      excludeUsers: string[];
      includeGroups: string[];
      excludeGroups: string[];
      includeRoles: string[];
      excludeRoles: string[];
    } | null;
    applications?: { includeApplications: string[]; excludeApplications: string[] } | null;
    clientAppTypes: string[];
  } | null;
  grantControls?: { builtInControls: string[]; authenticationStrength?: unknown } | null;
};

/** Client app types a password sign-in from Act-On's servers falls under ("all", or the non-browser clients). */
const PASSWORD_CLIENT_TYPES = ["all", "mobileappsanddesktopclients", "other", "exchangeactivesync"];

function asksForMfa(p: CaPolicy): boolean {
  const grant = p.grantControls;
  return !!grant && (grant.builtInControls.some((c) => c.toLowerCase() === "mfa") || !!grant.authenticationStrength);
}

function coversDynamics(p: CaPolicy): boolean {
  const apps = p.conditions?.applications;
  if (!apps) return false;
  const include = apps.includeApplications.map((a) => a.toLowerCase());
  const exclude = apps.excludeApplications.map((a) => a.toLowerCase());
  return (include.includes("all") || include.includes(DYNAMICS_CRM_APP_ID)) && !exclude.includes(DYNAMICS_CRM_APP_ID);
}

function coversPasswordClients(p: CaPolicy): boolean {
  const types = (p.conditions?.clientAppTypes ?? []).map((t) => t.toLowerCase());
  return types.length === 0 || types.some((t) => PASSWORD_CLIENT_TYPES.includes(t));
}

/** "certain" when it targets all users and excludes nobody, "possible" when it targets or excludes some, else null. */
function reach(p: CaPolicy): "certain" | "possible" | null {
  const u = p.conditions?.users;
  if (!u) return null;
  const targetsSome = u.includeUsers.some((x) => x !== "All" && x !== "None") || u.includeGroups.length > 0 || u.includeRoles.length > 0;
  if (!u.includeUsers.includes("All") && !targetsSome) return null;
  const excludesSome = u.excludeUsers.length > 0 || u.excludeGroups.length > 0 || u.excludeRoles.length > 0;
  return u.includeUsers.includes("All") && !excludesSome ? "certain" : "possible";
}

const WAYS_OUT =
  "Use the recommended app-only mode, which needs no password and is not subject to MFA; or exclude a dedicated integration account from the policy.";

/**
 * The plan's warnings about Conditional Access for a legacy connection's integration user: one per enforced policy
 * that requires MFA of it (or may), or one saying the policies could not be read (null).
 */
export function conditionalAccessWarnings(policies: CaPolicy[] | null): string[] {
  if (policies === null)
    return [
      "We could not read your Conditional Access policies (Microsoft lets a Security Reader, Global Reader, Conditional Access Administrator, Security Administrator or Global Administrator read them). If one requires multi-factor authentication for the integration user, the app is still registered but the final check fails with an MFA message; sign in with one of those roles to check up front, or use the recommended app-only mode.",
    ];
  const warnings: string[] = [];
  for (const p of policies) {
    if (p.state !== "enabled" || !asksForMfa(p) || !coversDynamics(p) || !coversPasswordClients(p)) continue;
    const scope = reach(p);
    if (!scope) continue;
    const name = `Conditional Access policy “${p.displayName ?? p.id}”`;
    warnings.push(
      scope === "certain"
        ? `${name} requires multi-factor authentication of every user signing in to Dynamics 365, so Microsoft will refuse Act-On's password sign-in as the integration user. ${WAYS_OUT}`
        : `${name} requires multi-factor authentication and may apply to the integration user (it targets or excludes particular users, groups or roles). Check in the Microsoft Entra admin center that the integration user is excluded from it, or Microsoft will refuse Act-On's password sign-in. ${WAYS_OUT}`,
    );
  }
  return warnings;
}
