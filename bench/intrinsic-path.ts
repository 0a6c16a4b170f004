/**
 * The intrinsic dependency bound of one onboarding: the Microsoft calls a cloud onboarding truly needs (the bench's
 * flow: certificate credential, least-privilege role, consent granted through Graph, a connection's first run), each
 * with the earlier calls whose answers it needs, and the longest chain through them. A perfectly concurrent client
 * that repeats nothing could not finish sooner than that chain × the latency of one call. Pure.
 *
 * What counts, and what does not:
 * - A call is declared only if some answer or effect of it is needed. Reading again what an earlier phase read (the
 *   environment, the admin's permissions, the business unit) is the engine's choice, not a need, and is not declared.
 * - Tokens: the sign-in's token is Graph's; each other resource needs one refresh (Global Discovery, the environment).
 *   The admin's access tokens live an hour, so the apply needs none. MSAL's authority metadata is needed once per
 *   authority per process: the bench's runs after the first need none, so it is not declared.
 * - Idempotency lookups that a first attempt cannot skip count: the security role is looked up by name before it is
 *   created, because every connection to the environment shares it and another one's run may have created it since
 *   the plan read. Lookups that only find this run's own interrupted attempts do not count: a first attempt proves
 *   from its own records that there is nothing to find (an app it has just created has no principal, grant or
 *   application user yet).
 *
 * Phases are separated by people: the plan starts once the admin is signed in, the apply once they approve the whole
 * plan. A phase's chain therefore starts at the phase, and the onboarding's bound is the sum of its phases' chains;
 * a need on an earlier phase's call documents where a value comes from but adds nothing inside the phase.
 */
export type Phase = "sign-in" | "plan" | "apply";
export const PHASES: readonly Phase[] = ["sign-in", "plan", "apply"];

export type Need = { on: string; why: string };
export type DeclaredCall = { id: string; phase: Phase; call: string; needs: Need[] };

export const ONBOARDING_CALLS: readonly DeclaredCall[] = [
  // ---------------------------------------------------------------- sign-in
  { id: "signIn", phase: "sign-in", call: "POST /{tenant}/oauth2/v2.0/token (password, Graph)", needs: [] },

  // ---------------------------------------------------------------- plan: reads only
  {
    id: "discoveryToken",
    phase: "plan",
    call: "POST /{tenant}/oauth2/v2.0/token (refresh, Global Discovery)",
    needs: [{ on: "signIn", why: "redeems the sign-in's refresh token" }],
  },
  { id: "me", phase: "plan", call: "GET /me", needs: [{ on: "signIn", why: "the sign-in's Graph token" }] },
  { id: "organization", phase: "plan", call: "GET /organization", needs: [{ on: "signIn", why: "the sign-in's Graph token" }] },
  {
    id: "dynamicsPrincipal",
    phase: "plan",
    call: "GET /servicePrincipals (Dynamics CRM)",
    needs: [{ on: "signIn", why: "the sign-in's Graph token" }],
  },
  {
    id: "taggedApps",
    phase: "plan",
    call: "GET /applications (this connection's tag)",
    needs: [{ on: "signIn", why: "the sign-in's Graph token" }],
  },
  {
    id: "directoryRoles",
    phase: "plan",
    call: "GET /me/transitiveMemberOf/microsoft.graph.directoryRole",
    needs: [{ on: "signIn", why: "the sign-in's Graph token" }],
  },
  {
    id: "environments",
    phase: "plan",
    call: "GET /api/discovery/v2.0/Instances",
    needs: [{ on: "discoveryToken", why: "Global Discovery's token" }],
  },
  {
    id: "dataverseToken",
    phase: "plan",
    call: "POST /{tenant}/oauth2/v2.0/token (refresh, the environment)",
    needs: [{ on: "environments", why: "the token's audience is the environment's URL, which Discovery names" }],
  },
  { id: "whoAmI", phase: "plan", call: "GET WhoAmI", needs: [{ on: "dataverseToken", why: "the environment's token" }] },
  {
    id: "adminRoles",
    phase: "plan",
    call: "GET systemusers({admin})/systemuserroles_association",
    needs: [{ on: "whoAmI", why: "the admin's systemuserid, which only WhoAmI gives" }],
  },
  { id: "rootBusinessUnit", phase: "plan", call: "GET businessunits (root)", needs: [{ on: "dataverseToken", why: "the environment's token" }] },
  {
    id: "planRoleLookup",
    phase: "plan",
    call: "GET roles (Act-On Integration, root business unit)",
    needs: [{ on: "rootBusinessUnit", why: "roles are per business unit; the one sought is the root's" }],
  },
  {
    id: "privilegeCatalog",
    phase: "plan",
    call: "GET privileges (the role's privileges by name)",
    needs: [{ on: "dataverseToken", why: "the environment's token" }],
  },

  // ---------------------------------------------------------------- apply: writes, then the proof
  { id: "createApp", phase: "apply", call: "POST /applications", needs: [] },
  {
    id: "createPrincipal",
    phase: "apply",
    call: "POST /servicePrincipals",
    needs: [{ on: "createApp", why: "the principal is made for the app's appId" }],
  },
  {
    id: "grantConsent",
    phase: "apply",
    call: "POST /oauth2PermissionGrants",
    needs: [
      { on: "createPrincipal", why: "the grant's clientId is the app's principal" },
      { on: "dynamicsPrincipal", why: "its resourceId is Dynamics CRM's principal" },
    ],
  },
  {
    id: "uploadCertificate",
    phase: "apply",
    call: "PATCH /applications/{id} (keyCredentials)",
    // PATCH replaces the whole collection, but an app this attempt created has none to keep: nothing to read first.
    needs: [{ on: "createApp", why: "the app's object id" }],
  },
  {
    id: "roleLookup",
    phase: "apply",
    call: "GET roles (Act-On Integration, root business unit)",
    needs: [{ on: "rootBusinessUnit", why: "the root business unit's id (read by the plan)" }],
  },
  {
    id: "createRole",
    phase: "apply",
    call: "POST roles",
    needs: [{ on: "roleLookup", why: "created only when the environment has none (a duplicate role would split the grants)" }],
  },
  {
    id: "addPrivileges",
    phase: "apply",
    call: "POST roles({id})/AddPrivilegesRole",
    needs: [
      { on: "createRole", why: "the role's id" },
      { on: "privilegeCatalog", why: "the privileges' ids (read by the plan)" },
    ],
  },
  {
    id: "createApplicationUser",
    phase: "apply",
    call: "POST systemusers (application user)",
    needs: [
      { on: "createPrincipal", why: "Dataverse binds the user to the app's principal in the tenant and refuses an app without one" },
      { on: "rootBusinessUnit", why: "the user's business unit (read by the plan)" },
    ],
  },
  {
    id: "assignRole",
    phase: "apply",
    call: "POST systemusers({id})/systemuserroles_association/$ref",
    needs: [
      { on: "createApplicationUser", why: "the user's id" },
      { on: "createRole", why: "the role's id" },
    ],
  },
  {
    id: "appToken",
    phase: "apply",
    call: "POST /{tenant}/oauth2/v2.0/token (client credentials, the certificate)",
    needs: [
      { on: "uploadCertificate", why: "Entra checks the assertion against the app's certificates" },
      { on: "createPrincipal", why: "Entra issues app-only tokens only to an app with a principal in the tenant" },
    ],
  },
  {
    id: "verifyWhoAmI",
    phase: "apply",
    call: "GET WhoAmI (as the app)",
    needs: [
      { on: "appToken", why: "signs in as Act-On will" },
      { on: "assignRole", why: "the application user acts through its role" },
      { on: "addPrivileges", why: "proving the connection means proving the role it will work with" },
    ],
  },
];

/**
 * The longest chain of needs among `phase`'s calls (needs on earlier phases' calls end the chain: a person stands
 * between the phases). @throws on a need on an unknown call, on a later phase's call, or on a cycle
 */
export function longestChain(calls: readonly DeclaredCall[], phase: Phase): DeclaredCall[] {
  const byId = new Map(calls.map((c) => [c.id, c]));
  const order = (p: Phase) => PHASES.indexOf(p);
  const memo = new Map<string, DeclaredCall[]>();
  const visiting = new Set<string>();
  const chainTo = (call: DeclaredCall): DeclaredCall[] => {
    const known = memo.get(call.id);
    if (known) return known;
    if (visiting.has(call.id)) throw new Error(`intrinsic path: the needs of ${call.id} form a cycle`);
    visiting.add(call.id);
    let longest: DeclaredCall[] = [];
    for (const need of call.needs) {
      const on = byId.get(need.on);
      if (!on) throw new Error(`intrinsic path: ${call.id} needs an undeclared call ${need.on}`);
      if (order(on.phase) > order(call.phase)) throw new Error(`intrinsic path: ${call.id} needs ${on.id}, which comes in a later phase`);
      if (on.phase !== call.phase) continue;
      const chain = chainTo(on);
      if (chain.length > longest.length) longest = chain;
    }
    visiting.delete(call.id);
    const chain = [...longest, call];
    memo.set(call.id, chain);
    return chain;
  };
  let best: DeclaredCall[] = [];
  for (const call of calls) {
    if (call.phase !== phase) continue;
    const chain = chainTo(call);
    if (chain.length > best.length) best = chain;
  }
  return best;
}

/** Each phase's longest chain, and the onboarding's (their sum: the phases follow one another). */
export function intrinsicBound(calls: readonly DeclaredCall[]): { phases: Record<Phase, DeclaredCall[]>; total: number } {
  const phases = Object.fromEntries(PHASES.map((p) => [p, longestChain(calls, p)])) as Record<Phase, DeclaredCall[]>;
  return { phases, total: PHASES.reduce((sum, p) => sum + phases[p].length, 0) };
}
