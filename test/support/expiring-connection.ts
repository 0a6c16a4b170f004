/**
 * An Active cloud connection whose stored client secret expires at a given time, and a webhook endpoint listening:
 * what the expiry reminders look at. Used only by *.integration.test.ts.
 */
import { randomBytes } from "node:crypto";
import type { Db } from "../../lib/core/db";
import { ensureAccount } from "../../lib/domain/account/ensure-account";
import { createConnection } from "../../lib/domain/connection/create-connection";
import { storeSecret } from "../../lib/domain/secret/store-secret";
import { TEST_KEYS } from "./engine-fixture";

export const EXPIRING_SECRET_VALUE = "reminder-test-secret-value";

/** The connection's id. */
export async function connectionWithSecretExpiringAt(db: Db, expiresAt: Date): Promise<string> {
  const account = await ensureAccount(db, { actonAccountId: `acct-${randomBytes(4).toString("hex")}`, name: "Contoso" });
  const connection = await createConnection(db, { accountId: account.id, authMode: "cloud", environmentUrl: "https://contoso.crm.dynamics.com" });
  await db.connection.update({ where: { id: connection.id }, data: { status: "active" } });
  await storeSecret(db, {
    connectionId: connection.id,
    kind: "clientSecret",
    plaintext: EXPIRING_SECRET_VALUE,
    keys: TEST_KEYS,
    status: "active",
    microsoftKeyId: "key-1",
    expiresAt,
  });
  if ((await db.webhookEndpoint.count()) === 0)
    await db.webhookEndpoint.create({ data: { url: "https://hooks.example.com/acton", createdBy: "test" } });
  return connection.id;
}
