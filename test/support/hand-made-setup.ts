/**
 * A Contoso connection the engine made Active on Contoso Sales (app, secret, consent, application user with the
 * least-privilege role), and the same as a working hand-made setup: what an admin following the manual instructions
 * would paste into the manual path. Used only by *.integration.test.ts.
 */
import { randomBytes } from "node:crypto";
import { ENVIRONMENTS } from "@/emulator/scenarios/ids";
import type { Db } from "../../lib/core/db";
import { ensureAccount } from "../../lib/domain/account/ensure-account";
import { readSecret } from "../../lib/domain/secret/store-secret";
import type { ManualConnectionInput } from "../../lib/manual-connection/manual-connection-schema";
import { approveRun } from "../../lib/provisioning/approve-run";
import { driveRunWith, type Engine } from "../../lib/provisioning/engine";
import { startRun } from "../../lib/provisioning/start-run";
import { TEST_KEYS } from "./engine-fixture";
import type { CredentialMode } from "../../lib/domain/secret/credential-mode";
import { CONTOSO_ADMIN, signInAs, TENANTS, type MicrosoftSandbox } from "./microsoft-sandbox";

/**
 * A connect run for a new Contoso account on Contoso Sales (with a client secret unless `credential` says otherwise:
 * the suites built on it read the secret), planned with admin@contoso's sign-in and approved, not yet
 * driven (an instance's scheduler, or the caller, drives it). Its run view, with the connection's id.
 */
export async function startApprovedContosoRun(
  db: Db,
  engine: Engine,
  fx: MicrosoftSandbox,
  actonAccountId?: string,
  /** null: none asked for, so the portal's default applies (the Act-On Connector when the engine has it). */
  credential: CredentialMode | null = "secret",
) {
  const account = await ensureAccount(db, { actonAccountId: actonAccountId ?? `acct-${randomBytes(4).toString("hex")}`, name: "Contoso" });
  const actor = { type: "admin" as const, id: CONTOSO_ADMIN, tenantId: TENANTS.contoso };
  const started = await startRun(engine, {
    accountId: account.id,
    kind: "connect",
    options: { mode: "cloud", environment: "Contoso Sales", requestedBy: CONTOSO_ADMIN, ...(credential ? { credential } : {}) },
    session: await signInAs(fx),
    actor,
  });
  if (!started.ok) throw new Error(started.error.userMessage);
  const approved = await approveRun(engine, { runId: started.value.id, actor });
  if (!approved.ok) throw new Error(approved.error.userMessage);
  return started.value;
}

/** A Contoso connection on Contoso Sales made Active by the engine, as admin@contoso would connect it: its id. */
export async function connectContosoThroughEngine(
  db: Db,
  engine: Engine,
  fx: MicrosoftSandbox,
  actonAccountId?: string,
  credential: CredentialMode = "secret",
): Promise<string> {
  const started = await startApprovedContosoRun(db, engine, fx, actonAccountId, credential);
  const run = await driveRunWith(engine, started.id);
  if (run.status !== "succeeded") throw new Error(`setup run ${run.status}`);
  return started.connection.id;
}

export async function makeHandMadeSetup(
  db: Db,
  engine: Engine,
  fx: MicrosoftSandbox,
): Promise<{ input: ManualConnectionInput; connection: { clientId: string | null; applicationUserId: string | null } }> {
  const connectionId = await connectContosoThroughEngine(db, engine, fx, `acct-manual-${randomBytes(4).toString("hex")}`);
  const connection = await db.connection.findUniqueOrThrow({ where: { id: connectionId } });
  const secretRow = await db.secret.findFirstOrThrow({ where: { connectionId: connection.id, kind: "clientSecret", status: "active" } });
  const secret = await readSecret(db, { secretId: secretRow.id, keys: TEST_KEYS });
  if (!secret?.ok) throw new Error("secret unreadable");
  return {
    input: {
      tenant: TENANTS.contoso,
      clientId: connection.clientId!,
      clientSecret: secret.value,
      environmentUrl: fx.environmentUrl(ENVIRONMENTS.contosoSales.urlName),
    },
    connection,
  };
}
