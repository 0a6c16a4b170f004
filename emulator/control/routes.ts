/**
 * The sandbox's control API under `/__emulator/`: where everything is (`endpoints`), reset to a scenario or a given
 * state, read the state, inject faults, tune latency and replication lag. Never subject to faults or latency.
 */
import { json, parseJsonBody, INVALID_JSON, type EmuRequest, type EmuResponse, type Route } from "../core/http";
import type { Fault } from "../core/state";
import { getState, newGuid, replaceState } from "../core/store";
import { resetIdentityRuntime } from "../identity/routes";
import { buildScenario, SCENARIOS } from "../scenarios/index";
import { ACTON_SERVICES, FABRIKAM, PORTAL_APP, PORTAL_APP_SECRET, ROLE_TEMPLATES } from "../scenarios/ids";
import { signJwt } from "../core/tokens";
import { effectiveDirectoryRoles } from "../core/directory-roles";
import { requestsSince } from "../core/request-log";
import { DIRECTORY_ROLES } from "../core/state";
import {
  adfsClientInputSchema,
  faultInputSchema,
  firstIssue,
  resetInputSchema,
  selfElevateInputSchema,
  settingsPatchSchema,
  clockAdvanceSchema,
  signTokenInputSchema,
} from "./schemas";
import { normaliseIncomingState, redactState } from "./state-view";
import { advanceSandboxClock, sandboxDate } from "../core/clock";

export type ControlContext = { caBundle: string; caSpkiSha256: string; actonConnectorFile: string };

const badRequest = (message: string) => json(400, { error: { code: "invalid_input", message } });

function readJson(req: EmuRequest): unknown | EmuResponse {
  const body = parseJsonBody(req.rawBody);
  if (body === INVALID_JSON) return badRequest("The body is not valid JSON.");
  return body;
}

const isResponse = (x: unknown): x is EmuResponse =>
  typeof x === "object" && x !== null && "status" in x && typeof (x as EmuResponse).status === "number";

function endpoints(req: EmuRequest, ctx: ControlContext): EmuResponse {
  const { origin } = req;
  const state = getState();
  const portal = state.applications.find((a) => a.appId === PORTAL_APP.appId);
  return json(200, {
    origin,
    identity: {
      authorityHost: origin,
      commonAuthority: `${origin}/common`,
      organizationsAuthority: `${origin}/organizations`,
      deviceLogin: `${origin}/devicelogin`,
      knownAuthority: new URL(origin).host,
      tenants: state.tenants.map((t) => ({
        id: t.id,
        displayName: t.displayName,
        domains: t.domains,
        authority: `${origin}/${t.id}`,
        openidConfiguration: `${origin}/${t.id}/v2.0/.well-known/openid-configuration`,
      })),
    },
    graph: { baseUrl: `${origin}/graph`, v1: `${origin}/graph/v1.0`, beta: `${origin}/graph/beta`, resource: "https://graph.microsoft.com" },
    discovery: {
      baseUrl: `${origin}/globaldisco`,
      instances: `${origin}/globaldisco/api/discovery/v2.0/Instances`,
      resource: `${origin}/globaldisco`,
    },
    dataverse: {
      environments: state.environments.map((e) => ({
        id: e.id,
        environmentId: e.environmentId,
        tenantId: e.tenantId,
        friendlyName: e.friendlyName,
        urlName: e.urlName,
        url: `${origin}/dynamics/${e.urlName}`,
        webApiUrl: `${origin}/dynamics/${e.urlName}/api/data/v${e.webApiVersion}`,
        onPremises: e.onPremises,
        region: e.region,
        version: e.version,
      })),
    },
    control: { baseUrl: `${origin}/__emulator` },
    // The portal's sandbox registration: its secret is a published test value that only the sandbox accepts.
    portalApp: portal
      ? {
          clientId: portal.appId,
          clientSecret: PORTAL_APP_SECRET,
          homeTenantId: portal.tenantId,
          redirectUris: portal.web.redirectUris,
          spaRedirectUris: portal.spa.redirectUris,
          identifierUri: PORTAL_APP.identifierUri,
          supportScope: `${PORTAL_APP.identifierUri}/${PORTAL_APP.supportAccessScope}`,
          appRoles: portal.appRoles.map((r) => ({ value: r.value, id: r.id, allowedMemberTypes: r.allowedMemberTypes })),
          jwksUri: `${origin}/${portal.tenantId}/discovery/v2.0/keys`,
          issuer: `${origin}/${portal.tenantId}/v2.0`,
        }
      : null,
    // Act-On's multi-tenant connector app: the portal's ACTON_CONNECTOR_APP_ID and ACTON_CONNECTOR_CERTIFICATE_FILE
    // (the file holds the private key the portal signs with; the sandbox only reads the certificate from it).
    actonConnector: {
      appId: ACTON_SERVICES.connector.appId,
      homeTenantId: state.applications.find((a) => a.appId === ACTON_SERVICES.connector.appId)?.tenantId ?? null,
      certificateFile: ctx.actonConnectorFile,
    },
    // Act-On's daemon apps (client credentials against the portal API in Act-On's tenant) and Fabrikam's probe.
    services: [
      ...[ACTON_SERVICES.connector, ACTON_SERVICES.statusReader, ACTON_SERVICES.noRoles].map((s) => ({
        name: s.displayName,
        tenantId: portal?.tenantId ?? null,
        clientId: s.appId,
        clientSecret: s.secret,
      })),
      {
        name: FABRIKAM.probe.displayName,
        tenantId: state.tenants.find((t) => t.domains[0] === "fabrikam.onmicrosoft.com")?.id ?? null,
        clientId: FABRIKAM.probe.appId,
        clientSecret: FABRIKAM.probe.secret,
      },
    ],
    trust: { caBundle: ctx.caBundle, nodeExtraCaCerts: `NODE_EXTRA_CA_CERTS=${ctx.caBundle}`, caSpkiSha256: ctx.caSpkiSha256 },
    scenarios: Object.keys(SCENARIOS),
  });
}

function reset(req: EmuRequest): EmuResponse {
  const body = req.rawBody ? readJson(req) : { scenario: "default" };
  if (isResponse(body)) return body;
  const parsed = resetInputSchema.safeParse(body ?? { scenario: "default" });
  if (!parsed.success) return badRequest(`Send {"scenario":"<name>"} or {"state":{...}}. ${firstIssue(parsed.error)}`);
  let next;
  if ("scenario" in parsed.data) {
    next = buildScenario(parsed.data.scenario);
    if (!next) return badRequest(`Unknown scenario '${parsed.data.scenario}'. Known: ${Object.keys(SCENARIOS).join(", ")}.`);
  } else {
    next = normaliseIncomingState(parsed.data.state as Record<string, unknown>);
  }
  replaceState(next);
  resetIdentityRuntime();
  return json(200, { scenario: next.scenario });
}

function addFault(req: EmuRequest): EmuResponse {
  const body = readJson(req);
  if (isResponse(body)) return body;
  const parsed = faultInputSchema.safeParse(body);
  if (!parsed.success) return badRequest(firstIssue(parsed.error));
  const fault: Fault = { id: newGuid(), ...parsed.data };
  getState().faults.push(fault);
  return json(201, fault);
}

function deleteFault(req: EmuRequest): EmuResponse {
  const state = getState();
  const before = state.faults.length;
  state.faults = state.faults.filter((f) => f.id !== req.params.id);
  return state.faults.length < before ? { status: 204 } : json(404, { error: { code: "not_found", message: `No fault with id ${req.params.id}.` } });
}

/** The sandbox's clock: the machine's plus the offset the control API moved it by. */
const clockView = () => ({ now: sandboxDate().toISOString(), offsetMs: getState().clockOffsetMs ?? 0 });

function advanceClock(req: EmuRequest): EmuResponse {
  const body = readJson(req);
  if (isResponse(body)) return body;
  const parsed = clockAdvanceSchema.safeParse(body);
  if (!parsed.success) return badRequest(firstIssue(parsed.error));
  advanceSandboxClock(parsed.data.advanceByMs);
  return json(200, clockView());
}

function patchSettings(req: EmuRequest): EmuResponse {
  const body = readJson(req);
  if (isResponse(body)) return body;
  const parsed = settingsPatchSchema.safeParse(body);
  if (!parsed.success) return badRequest(firstIssue(parsed.error));
  const state = getState();
  state.settings = { ...state.settings, ...parsed.data };
  return json(200, state.settings);
}

/**
 * Signs arbitrary claims with the sandbox's token key (the key in every tenant's JWKS). Not a Microsoft endpoint: it
 * lets tests build tokens Entra would never hand out on demand, such as one that expired an hour ago.
 */
async function signToken(req: EmuRequest): Promise<EmuResponse> {
  const body = readJson(req);
  if (isResponse(body)) return body;
  const parsed = signTokenInputSchema.safeParse(body);
  if (!parsed.success) return badRequest(firstIssue(parsed.error));
  return json(200, { token: await signJwt(parsed.data.claims) });
}

/**
 * `POST /__emulator/adfs/clients {"clientId","name","redirectUri"}`: what the customer's AD FS administrator does with
 * `Add-AdfsClient`. A client id already registered is refused, as AD FS refuses a duplicate.
 */
function addAdfsClient(req: EmuRequest): EmuResponse {
  const body = readJson(req);
  if (isResponse(body)) return body;
  const parsed = adfsClientInputSchema.safeParse(body);
  if (!parsed.success) return badRequest(firstIssue(parsed.error));
  const state = getState();
  state.adfsClients ??= [];
  if (state.adfsClients.some((c) => c.clientId.toLowerCase() === parsed.data.clientId.toLowerCase()))
    return json(409, { error: { code: "conflict", message: `An AD FS client with id ${parsed.data.clientId} is already registered.` } });
  state.adfsClients.push(parsed.data);
  return json(201, parsed.data);
}

/** Directory roles that may self-elevate to System Administrator in the Power Platform admin center. */
const SELF_ELEVATE_ROLES: string[] = [
  DIRECTORY_ROLES.globalAdministrator,
  DIRECTORY_ROLES.powerPlatformAdministrator,
  DIRECTORY_ROLES.dynamics365Administrator,
];

/**
 * `POST /__emulator/environments/{urlName}/self-elevate {"user":"<upn or object id>"}`: what an admin's "Self-elevate"
 * in the Power Platform admin center does — the admin becomes a System Administrator of the environment (their
 * systemuser is created from Entra if needed). Refused for users without a Global, Power Platform or Dynamics 365
 * administrator role, as the admin center refuses them.
 */
function selfElevate(req: EmuRequest): EmuResponse {
  const body = readJson(req);
  if (isResponse(body)) return body;
  const parsed = selfElevateInputSchema.safeParse(body);
  if (!parsed.success) return badRequest(firstIssue(parsed.error));
  const state = getState();
  const env = state.environments.find((e) => e.urlName === req.params.urlName.toLowerCase());
  if (!env || env.onPremises) return json(404, { error: { code: "not_found", message: `No cloud environment '${req.params.urlName}'.` } });
  const key = parsed.data.user.toLowerCase();
  const user = state.users.find((u) => u.tenantId === env.tenantId && (u.id === key || u.userPrincipalName.toLowerCase() === key));
  if (!user) return json(404, { error: { code: "not_found", message: `No user '${parsed.data.user}' in the environment's tenant.` } });
  if (!effectiveDirectoryRoles(user).some((r) => SELF_ELEVATE_ROLES.includes(r))) {
    return json(403, { error: { code: "forbidden", message: "Only Global, Power Platform or Dynamics 365 administrators can self-elevate." } });
  }
  const rootBu = env.businessUnits.find((b) => b.parentbusinessunitid === null)!;
  let systemUser = env.systemUsers.find((u) => u.azureactivedirectoryobjectid === user.id && !u.applicationid && (u.deletedstate ?? 0) === 0);
  if (!systemUser) {
    systemUser = {
      systemuserid: newGuid(),
      businessunitid: rootBu.businessunitid,
      fullname: user.displayName,
      domainname: user.userPrincipalName,
      internalemailaddress: user.mail,
      azureactivedirectoryobjectid: user.id,
      applicationid: null,
      isdisabled: false,
      accessmode: 0,
      createdon: sandboxDate().toISOString(),
      deletedstate: 0,
    };
    env.systemUsers.push(systemUser);
  }
  systemUser.isdisabled = false;
  const sysAdmin = env.roles.find((r) => r.roletemplateid === ROLE_TEMPLATES.systemAdministrator && r.businessunitid === systemUser.businessunitid);
  if (sysAdmin && !env.systemUserRoles.some((r) => r.systemuserid === systemUser.systemuserid && r.roleid === sysAdmin.roleid)) {
    env.systemUserRoles.push({ systemuserid: systemUser.systemuserid, roleid: sysAdmin.roleid });
  }
  return json(200, { systemuserid: systemUser.systemuserid, roleid: sysAdmin?.roleid ?? null });
}

export function createControlRoutes(ctx: ControlContext): Route[] {
  const route = (method: string, pattern: RegExp, handle: Route["handle"]): Route => ({ service: "control", method, pattern, handle });
  return [
    route("GET", /^\/__emulator\/endpoints$/, (req) => endpoints(req, ctx)),
    route("GET", /^\/__emulator\/health$/, () => json(200, { status: "ok" })),
    route("POST", /^\/__emulator\/reset$/, reset),
    route("GET", /^\/__emulator\/state$/, () => json(200, redactState(getState()) as object)),
    route("GET", /^\/__emulator\/faults$/, () => json(200, { value: getState().faults })),
    route("POST", /^\/__emulator\/faults$/, addFault),
    route("DELETE", /^\/__emulator\/faults$/, () => {
      getState().faults = [];
      return { status: 204 };
    }),
    route("DELETE", /^\/__emulator\/faults\/(?<id>[^/]+)$/, deleteFault),
    route("POST", /^\/__emulator\/tokens\/sign$/, signToken),
    route("GET", /^\/__emulator\/requests$/, (req) => {
      const raw = req.url.searchParams.get("since");
      const since = raw ? new Date(raw) : null;
      if (since && Number.isNaN(since.getTime())) return badRequest("since must be an ISO 8601 date-time.");
      return json(200, { value: requestsSince(since) });
    }),
    route("POST", /^\/__emulator\/environments\/(?<urlName>[^/]+)\/self-elevate$/, selfElevate),
    route("POST", /^\/__emulator\/adfs\/clients$/, addAdfsClient),
    route("GET", /^\/__emulator\/clock$/, () => json(200, clockView())),
    route("POST", /^\/__emulator\/clock$/, advanceClock),
    route("GET", /^\/__emulator\/settings$/, () => json(200, getState().settings)),
    route("PATCH", /^\/__emulator\/settings$/, patchSettings),
  ];
}
