/**
 * The serialisable view of a run and its connection, for the checklist, the CLI and support. Built from database
 * rows by selecting fields one by one, so a secret can never ride along. Pure.
 */
import type { Plan } from "./plan";
import { stripPlanFindings } from "./plan-findings";
import { disconnectLeftovers, STEP_LABELS, type RunKind, type RunStatus, type StepAction, type StepName, type StepStatus } from "./machine";
import type { RunRecord } from "./run-store";
import type { CredentialMode } from "../secret/credential-mode";

type StepView = {
  name: StepName;
  label: string;
  status: StepStatus;
  attempts: number;
  startedAt: string | null;
  finishedAt: string | null;
  waitingFor: string | null;
  /** What a person must do for this step to go on (consent on Microsoft's page, a missing role); null otherwise. */
  action: StepAction | null;
  notBefore: string | null;
  error: { code: string; message: string; detail: string | null; requestIds: string[] } | null;
  output: Record<string, unknown> | null;
};

export type ConnectionView = {
  id: string;
  accountId: string;
  status: string;
  authMode: string;
  environmentUrl: string | null;
  environmentName: string | null;
  tenantId: string | null;
  clientId: string | null;
  applicationUserId: string | null;
  securityRole: string | null;
  lastVerifiedAt: string | null;
  secretExpiresAt: string | null;
  /** What the app signs in with (cloud mode, once proven). */
  credentialMode: CredentialMode | null;
  lastErrorCode: string | null;
  lastErrorMessage: string | null;
};

export type RunView = {
  id: string;
  kind: RunKind;
  status: RunStatus;
  plan: Plan | null;
  steps: StepView[];
  /** A disconnect that stopped early: what it left behind at Microsoft, in the admin's words. */
  leftovers: string[];
  createdAt: string;
  finishedAt: string | null;
  connection: ConnectionView;
};

export type ConnectionRow = Omit<ConnectionView, "lastVerifiedAt" | "secretExpiresAt"> & {
  lastVerifiedAt: Date | null;
  secretExpiresAt: Date | null;
};

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** Step outputs hold ids only; intents (timestamps of interrupted creates) are internal and left out. */
const PUBLIC_OUTPUT = new Set([
  "environmentUrl",
  "environmentName",
  "tenantId",
  "appId",
  "objectId",
  "servicePrincipalId",
  "grantId",
  "keyId",
  "expiresAt",
  "systemUserId",
  "roleId",
  "roleName",
  "businessUnitName",
  "userId",
  "verifiedAt",
  "removedSecrets",
  "revoked",
  "disabled",
  "deleted",
  "directoryRoles",
  "via",
  /** When the plan read what the environment or preconditions step took from it instead of reading again. */
  "checkedWhilePlanning",
]);

export function toRunView(run: RunRecord, connection: ConnectionRow): RunView {
  return {
    id: run.id,
    kind: run.kind,
    status: run.status,
    // The plan's findings are the engine's (who read what, when): pages show the plan without them.
    plan: stripPlanFindings(run.plan as Plan | null) ?? null,
    steps: run.steps.map((s) => ({
      name: s.name,
      label: STEP_LABELS[s.name],
      status: s.status,
      attempts: s.attempts,
      startedAt: iso(s.startedAt),
      finishedAt: iso(s.finishedAt),
      waitingFor: s.waitingFor,
      action: s.status === "waiting" ? s.action : null,
      notBefore: iso(s.notBefore),
      error: s.errorCode ? { code: s.errorCode, message: s.userMessage ?? "", detail: s.errorDetail, requestIds: s.requestIds } : null,
      output: s.output ? Object.fromEntries(Object.entries(s.output).filter(([k]) => PUBLIC_OUTPUT.has(k))) : null,
    })),
    leftovers: run.kind === "disconnect" && (run.status === "failed" || run.status === "cancelled") ? disconnectLeftovers(run) : [],
    createdAt: run.createdAt.toISOString(),
    finishedAt: iso(run.finishedAt),
    connection: toConnectionView(connection),
  };
}

export function toConnectionView(connection: ConnectionRow): ConnectionView {
  return {
    id: connection.id,
    accountId: connection.accountId,
    status: connection.status,
    authMode: connection.authMode,
    environmentUrl: connection.environmentUrl,
    environmentName: connection.environmentName,
    tenantId: connection.tenantId,
    clientId: connection.clientId,
    applicationUserId: connection.applicationUserId,
    securityRole: connection.securityRole,
    lastVerifiedAt: iso(connection.lastVerifiedAt),
    secretExpiresAt: iso(connection.secretExpiresAt),
    credentialMode: connection.credentialMode,
    lastErrorCode: connection.lastErrorCode,
    lastErrorMessage: connection.lastErrorMessage,
  };
}
