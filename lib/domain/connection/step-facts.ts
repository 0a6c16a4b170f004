import "server-only";
import type { Db, Tx } from "../../core/db";

/**
 * What a step learned about its connection, as typed facts (never a raw database update): the environment, the
 * tenant, the app and application user ids, verification results. Status is not a fact a step sets: it follows the
 * run (machine.ts connectionStatusFor, written by recordConnectionChange).
 */
export type StepFacts = Partial<{
  environmentUrl: string;
  environmentName: string | null;
  environmentId: string | null;
  tenantId: string;
  tenantDomain: string | null;
  clientId: string;
  applicationObjectId: string | null;
  servicePrincipalId: string;
  applicationUserId: string;
  securityRole: "leastPrivilege" | "systemAdministrator";
  integrationUsername: string | null;
  /** On-premises: how the server signs in, the AD FS client id (IFD), and the Web API version that answered. */
  onPremisesSignIn: "ntlm" | "adfs" | null;
  adfsClientId: string | null;
  webApiVersion: string | null;
  authMode: "cloud" | "legacy" | "onprem";
  lastVerifiedAt: Date;
  secretExpiresAt: Date | null;
  credentialMode: "connector" | "certificate" | "secret" | null;
  disconnectedAt: Date | null;
  lastErrorCode: string | null;
  lastErrorMessage: string | null;
}>;

/** Writes a step's facts to its connection inside the engine's lease-checked step-commit transaction. */
export async function recordStepFacts(tx: Tx | Db, input: { connectionId: string; facts: StepFacts }): Promise<void> {
  const entries = Object.entries(input.facts).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return;
  await tx.connection.update({ where: { id: input.connectionId }, data: Object.fromEntries(entries), select: { id: true } });
}
