import "server-only";
import type { AppErrorCode } from "@/lib/core/errors";
import { readFirstRow, whoAmI, type WhoAmI } from "@/lib/microsoft/dataverse";
import { normalizeDynamicsUrl } from "@/lib/microsoft/dynamics-url";
import { DATAVERSE_USER_DISABLED_MESSAGE, isMicrosoftError, type MicrosoftError } from "@/lib/microsoft/errors";
import type { CallSettings } from "@/lib/microsoft/http";
import { getAppToken } from "@/lib/microsoft/app-tokens";
import type { IdentityConfig } from "@/lib/microsoft/identity-config";
import {
  LEAST_PRIVILEGE_ROLE_NAME,
  LEAST_PRIVILEGE_ROLE_PRIVILEGES,
  missingSalesNote,
  privilegesOnTable,
  unavailableFeatures,
} from "@/lib/provisioning/least-privilege-role";
import type { ManualConnectionInput } from "./manual-connection-schema";

/**
 * The manual path's proof. An admin who would not let the portal act in their tenant created the app, its secret and
 * the application user by hand; this signs in exactly as Act-On will (client credentials), calls WhoAmI, and reads
 * every table the connector uses. When something is wrong it says which part and how to fix it, in the order an
 * admin would check: the environment URL, the tenant, the app, the secret, consent, the application user, the role.
 */

/**
 * The tables Act-On's connector reads, with the privilege that reading each needs. Leads and marketing lists come with
 * Dynamics 365 Sales: an environment without it has no such entity set (Dataverse answers 404), which costs Act-On
 * those features but nothing else, as on the portal's own path.
 */
const CONNECTOR_TABLES = [
  { entitySet: "leads", key: "leadid", table: "Lead", roleTable: "Lead", privilege: "prvReadLead", sales: true },
  { entitySet: "contacts", key: "contactid", table: "Contact", roleTable: "Contact", privilege: "prvReadContact", sales: false },
  { entitySet: "accounts", key: "accountid", table: "Account", roleTable: "Account", privilege: "prvReadAccount", sales: false },
  { entitySet: "annotations", key: "annotationid", table: "Note", roleTable: "Note", privilege: "prvReadNote", sales: false },
  { entitySet: "lists", key: "listid", table: "Marketing List", roleTable: "List", privilege: "prvReadList", sales: true },
  { entitySet: "systemusers", key: "systemuserid", table: "User", roleTable: "User", privilege: "prvReadUser", sales: false },
] as const;

type ManualPart = "environmentUrl" | "tenant" | "app" | "secret" | "consent" | "applicationUser" | "privileges" | "network";

type MissingPrivilege = { privilege: string; table: string; feature: string };

/** One thing that is wrong, with the form field it concerns (if any) and the fix. */
export type ManualProblem = {
  part: ManualPart;
  field: keyof ManualConnectionInput | null;
  code: AppErrorCode;
  /** Short, e.g. "Wrong client secret". */
  title: string;
  /** What we found and what to do, in plain words. */
  fix: string;
  missingPrivileges?: MissingPrivilege[];
  /** For support: upstream code and request ids, never a secret. */
  detail?: string;
  requestIds?: string[];
};

export type ManualProof = {
  tenantId: string;
  environmentUrl: string;
  whoAmI: WhoAmI;
  tablesRead: string[];
  /** Entity sets the environment does not have (no Dynamics 365 Sales: leads, lists). */
  tablesMissing: string[];
  /** The Act-On features those missing tables cost, in the admin's words. */
  unavailableFeatures: string[];
};

export type ManualVerification = { ok: true; proof: ManualProof } | { ok: false; problem: ManualProblem };

export type VerifyManualConnectionOptions = CallSettings & {
  config: IdentityConfig;
  allowedDynamicsHosts: readonly string[];
};

const featureOf = (privilege: string) => LEAST_PRIVILEGE_ROLE_PRIVILEGES.find((p) => p.name === privilege)?.feature ?? "Act-On's Dynamics connector";

function support(e: MicrosoftError) {
  return { detail: e.appError.detail, requestIds: e.requestIds.length ? e.requestIds : e.appError.requestIds };
}

function adminConsentUrl(config: IdentityConfig, tenant: string, clientId: string): string {
  return `${config.authorityHost.replace(/\/+$/, "")}/${encodeURIComponent(tenant)}/adminconsent?client_id=${encodeURIComponent(clientId)}`;
}

/** Client-credential failures: which of tenant, app, secret or consent is wrong. */
export function tokenProblem(e: MicrosoftError, input: ManualConnectionInput, config: IdentityConfig): ManualProblem {
  const upstream = e.upstreamCode ?? "";
  const base = { code: e.appError.code, ...support(e) };
  switch (upstream) {
    case "AADSTS90002":
    case "AADSTS900023":
      return {
        ...base,
        part: "tenant",
        field: "tenant",
        title: "Tenant not found",
        fix: `Microsoft has no tenant “${input.tenant}”. Copy the Directory (tenant) ID from the app registration's Overview page in the Microsoft Entra admin center (or use your tenant's domain, like contoso.onmicrosoft.com).`,
      };
    case "AADSTS90013":
      // "Invalid input received from the user": Microsoft does not say which value, and the tenant was found.
      return {
        ...base,
        part: "app",
        field: null,
        title: "Microsoft could not accept a value entered",
        fix: "Microsoft refused a value in the sign-in request as invalid input (it does not say which). Copy the Directory (tenant) ID and the Application (client) ID again from the app's Overview page, and the secret's Value from Certificates & secrets, then try again.",
      };
    case "AADSTS700016":
      return {
        ...base,
        part: "app",
        field: "clientId",
        title: "App not found in that tenant",
        fix: `No app with client ID ${input.clientId} is registered in tenant ${input.tenant}. Copy the Application (client) ID from the app's Overview page, and check that the tenant is the one where you registered it. If you created the app in the last few minutes, wait two minutes (Microsoft takes up to two to make a new app known everywhere) and try again.`,
      };
    case "AADSTS7000215":
      return {
        ...base,
        part: "secret",
        field: "clientSecret",
        title: "Wrong client secret",
        fix: "Microsoft rejected the client secret. Copy the secret's Value (not its Secret ID) from Certificates & secrets; if you no longer have it, add a new client secret and paste its Value here.",
      };
    case "AADSTS7000222":
      return {
        ...base,
        part: "secret",
        field: "clientSecret",
        title: "Client secret expired",
        fix: "This client secret has expired. In the app registration's Certificates & secrets, add a new client secret and paste its Value here.",
      };
    case "AADSTS7000229":
    case "AADSTS65001":
      return {
        ...base,
        part: "consent",
        field: null,
        title: "Consent missing",
        fix: `The app is not yet approved in tenant ${input.tenant} (it has no enterprise application there). A Global Administrator or Privileged Role Administrator can approve it at ${adminConsentUrl(config, input.tenant, input.clientId)}, then try again.`,
      };
    case "AADSTS500011":
      return {
        ...base,
        part: "environmentUrl",
        field: "environmentUrl",
        title: "Dynamics 365 is not in that tenant",
        fix: `Tenant ${input.tenant} has no Dynamics 365 service for ${input.environmentUrl}. Check the environment URL, and that the tenant is the one your Dynamics 365 environment belongs to.`,
      };
    default:
      return {
        ...base,
        part: e.appError.code === "timeout" || e.appError.code === "upstream_unavailable" ? "network" : "app",
        field: null,
        title: "Microsoft refused the sign-in",
        fix: e.appError.userMessage,
      };
  }
}

/** WhoAmI failures: is there an application user for this app, and is it enabled? */
function whoAmIProblem(e: MicrosoftError, input: ManualConnectionInput, environmentUrl: string): ManualProblem {
  const base = { code: e.appError.code, ...support(e) };
  if (e.appError.userMessage === DATAVERSE_USER_DISABLED_MESSAGE) {
    return {
      ...base,
      part: "applicationUser",
      field: null,
      title: "Application user disabled",
      fix: `The application user for app ${input.clientId} is disabled in ${environmentUrl}. In the Power Platform admin center, open the environment > Settings > Users + permissions > Application users, select it and choose Activate (or Enable), then try again.`,
    };
  }
  if (e.upstreamCode?.toLowerCase() === "0x80072560" || e.appError.code === "replication_pending") {
    return {
      ...base,
      part: "applicationUser",
      field: null,
      title: "No application user for this app",
      fix: `Dynamics 365 at ${environmentUrl} has no enabled application user with a security role for app ${input.clientId}. In the Power Platform admin center, open the environment > Settings > Users + permissions > Application users > New app user, choose the app by its client ID, the root business unit and the “${LEAST_PRIVILEGE_ROLE_NAME}” security role. If you just created it, wait two minutes (Dynamics 365 takes up to two to admit a new application user) and try again.`,
    };
  }
  if (e.appError.code === "unauthorized") {
    return {
      ...base,
      part: "environmentUrl",
      field: "environmentUrl",
      title: "The environment did not accept the app",
      fix: `${environmentUrl} did not accept a sign-in from tenant ${input.tenant}. Check that the environment URL is right and belongs to this tenant (Power Platform admin center > Environments > your environment > Environment URL).`,
    };
  }
  if (e.appError.code === "not_found" || e.status === 404) {
    return {
      ...base,
      part: "environmentUrl",
      field: "environmentUrl",
      title: "Environment not found",
      fix: `No Dynamics 365 environment answers at ${environmentUrl}. Copy the Environment URL from the Power Platform admin center (Environments > your environment).`,
    };
  }
  return { ...base, part: "network", field: null, title: "Dynamics 365 did not answer", fix: e.appError.userMessage };
}

/**
 * Proves a hand-made connection: client credentials for the environment, WhoAmI, and a read of every connector
 * table. Returns the proof, or the first part that is wrong with its fix (every missing privilege at once).
 * Writes nothing, anywhere.
 */
export async function verifyManualConnection(input: ManualConnectionInput, options: VerifyManualConnectionOptions): Promise<ManualVerification> {
  const { config, allowedDynamicsHosts, ...call } = options;
  const url = normalizeDynamicsUrl(input.environmentUrl, allowedDynamicsHosts);
  if (!url.ok) {
    return {
      ok: false,
      problem: {
        part: "environmentUrl",
        field: "environmentUrl",
        code: url.error.code,
        title: "Not a Dynamics 365 environment URL",
        fix: url.error.userMessage,
        detail: url.error.detail,
      },
    };
  }
  const environmentUrl = url.value;

  let token: string;
  try {
    token = await getAppToken({
      ...call,
      config,
      tenantId: input.tenant,
      clientId: input.clientId,
      clientSecret: input.clientSecret,
      resource: { environmentUrl },
      skipCache: true,
    });
  } catch (e) {
    if (!isMicrosoftError(e)) throw e;
    return { ok: false, problem: tokenProblem(e, input, config) };
  }
  const dataverse = { ...call, environmentUrl, getToken: async () => token };

  let me: WhoAmI;
  try {
    me = await whoAmI(dataverse);
  } catch (e) {
    if (!isMicrosoftError(e)) throw e;
    return { ok: false, problem: whoAmIProblem(e, input, environmentUrl) };
  }

  // Independent reads: all at once, and every missing privilege is reported together.
  const reads = await Promise.all(
    CONNECTOR_TABLES.map(async (t) => {
      try {
        await readFirstRow(dataverse, { entitySet: t.entitySet, key: t.key });
        return { table: t, error: null };
      } catch (e) {
        if (!isMicrosoftError(e)) throw e;
        return { table: t, error: e };
      }
    }),
  );
  const denied = reads.filter((r) => r.error?.appError.code === "insufficient_privileges");
  if (denied.length) {
    const missingPrivileges = denied.map((r) => ({ privilege: r.table.privilege, table: r.table.table, feature: featureOf(r.table.privilege) }));
    const list = missingPrivileges.map((m) => `${m.privilege} (${m.table}: ${m.feature})`).join("; ");
    return {
      ok: false,
      problem: {
        part: "privileges",
        field: null,
        code: "insufficient_privileges",
        title: missingPrivileges.length === 1 ? "The security role is missing a privilege" : "The security role is missing privileges",
        fix: `The application user's security role cannot read every table Act-On syncs. Add, at Organization level: ${list}. Use the “${LEAST_PRIVILEGE_ROLE_NAME}” role's privileges listed above, or assign System Administrator.`,
        missingPrivileges,
        ...support(denied[0].error!),
      },
    };
  }
  // WhoAmI answered, so a 404 for a Sales table is the environment lacking it, not a wrong address.
  const missing = reads.filter((r) => r.table.sales && r.error?.status === 404).map((r) => r.table);
  const failed = reads.find((r) => r.error && !missing.includes(r.table));
  if (failed?.error) {
    return {
      ok: false,
      problem: {
        part: "network",
        field: null,
        code: failed.error.appError.code,
        title: `Reading ${failed.table.table} records failed`,
        fix: failed.error.appError.userMessage,
        ...support(failed.error),
      },
    };
  }
  return {
    ok: true,
    proof: {
      tenantId: tenantIdOf(token) ?? input.tenant,
      environmentUrl,
      whoAmI: me,
      tablesRead: reads.filter((r) => !r.error).map((r) => r.table.entitySet),
      tablesMissing: missing.map((t) => t.entitySet),
      unavailableFeatures: unavailableFeatures(missing.flatMap((t) => privilegesOnTable(t.roleTable))),
    },
  };
}

/**
 * What a proof's missing tables cost, in the same words as the portal's own plan; null when nothing is missing.
 * Accepts only the connector's Sales tables, so a hand-edited address cannot put other words on the page.
 */
export function missingTablesNote(entitySets: readonly string[]): string | null {
  const missing = CONNECTOR_TABLES.filter((t) => t.sales && entitySets.includes(t.entitySet));
  if (!missing.length) return null;
  return missingSalesNote(
    missing.map((t) => `${t.table} records`),
    missing.flatMap((t) => privilegesOnTable(t.roleTable)),
  );
}

/** The tenant id (`tid`) of a token we just received from the authority over TLS (read, not trusted for anything else). */
function tenantIdOf(token: string): string | null {
  try {
    const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as { tid?: unknown };
    return typeof claims.tid === "string" ? claims.tid : null;
  } catch {
    return null;
  }
}
