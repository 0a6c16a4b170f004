/**
 * A working Contoso setup, as an admin following the manual instructions ends up with: the engine makes it (app,
 * secret, consent, application user with the least-privilege role) on Contoso Sales, and this returns what the admin
 * would paste into the manual path, with the connection the engine made. Used only by *.integration.test.ts.
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
import { CONTOSO_ADMIN, signInAs, TENANTS, type MicrosoftSandbox } from "./microsoft-sandbox";

export async function makeHandMadeSetup(
  db: Db,
  engine: Engine,
  fx: MicrosoftSandbox,
): Promise<{ input: ManualConnectionInput; connection: { clientId: string | null; applicationUserId: string | null } }> {
  const account = await ensureAccount(db, { actonAccountId: `acct-manual-${randomBytes(4).toString("hex")}`, name: "Contoso" });
  const actor = { type: "admin" as const, id: CONTOSO_ADMIN, tenantId: TENANTS.contoso };
  const started = await startRun(engine, {
    accountId: account.id,
    kind: "connect",
    options: { mode: "cloud", environment: "Contoso Sales", requestedBy: CONTOSO_ADMIN },
    session: await signInAs(fx),
    actor,
  });
  if (!started.ok) throw new Error(started.error.userMessage);
  await approveRun(engine, { runId: started.value.id, actor });
  const run = await driveRunWith(engine, started.value.id);
  if (run.status !== "succeeded") throw new Error(`setup run ${run.status}`);
  const connection = await db.connection.findUniqueOrThrow({ where: { id: started.value.connection.id } });
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
