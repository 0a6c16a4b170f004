import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ensureAccount } from "../account/ensure-account";
import { createConnection } from "../connection/create-connection";
import { providersUnderTest, useTestDatabase } from "@/test/support/test-databases";
import { rekeySecrets } from "./rekey-secrets";
import type { EncryptionKey } from "./secret-box";
import { readSecret, storeSecret } from "./store-secret";

const providers = await providersUnderTest();
const key = (id: string): EncryptionKey => ({ id, key: randomBytes(32) });
const envValue = (keys: EncryptionKey[]) => keys.map((k) => `${k.id}:${k.key.toString("base64")}`).join(",");

describe.each(providers)("re-encrypting stored secrets under the current key on %s", (provider) => {
  const t = useTestDatabase(provider);

  it("re-encrypts every kind of secret, after which the old key can be dropped", async () => {
    const old = key("2025");
    const next = key("2026");
    const account = await ensureAccount(t.db, { actonAccountId: `acct-rekey-${provider}`, name: "Contoso" });
    const connection = await createConnection(t.db, { accountId: account.id, authMode: "cloud" });
    const stored = await Promise.all(
      (["clientSecret", "password", "adminTokenCache"] as const).map((kind) =>
        storeSecret(t.db, { connectionId: connection.id, kind, plaintext: `plain-${kind}`, keys: [old] }),
      ),
    );
    const revoked = await storeSecret(t.db, { connectionId: connection.id, kind: "clientSecret", plaintext: "gone", keys: [old] });
    await t.db.secret.update({ where: { id: revoked.id }, data: { status: "revoked", ciphertext: "", iv: "", authTag: "" } });

    // Before: with the old key dropped, nothing can be read.
    expect((await readSecret(t.db, { secretId: stored[0].id, keys: [next] }))?.ok).toBe(false);

    const report = await rekeySecrets(t.db, { keys: [next, old], batchSize: 2 });
    expect(report).toMatchObject({ rekeyed: 3, current: 0, empty: 1, raced: 0, unreadable: [], remainingByKey: {} });

    // After: the old key is gone from the keyring and every secret still opens.
    for (const [i, kind] of (["clientSecret", "password", "adminTokenCache"] as const).entries()) {
      expect(await readSecret(t.db, { secretId: stored[i].id, keys: [next] })).toEqual({ ok: true, value: `plain-${kind}` });
    }
    // A second run has nothing to do.
    expect(await rekeySecrets(t.db, { keys: [next] })).toMatchObject({ rekeyed: 0, current: 3, unreadable: [] });
  });

  it("reports a row it cannot open instead of guessing, and leaves it alone", async () => {
    const lost = key("lost");
    const next = key("2027");
    const account = await ensureAccount(t.db, { actonAccountId: `acct-lost-${provider}`, name: "Fabrikam" });
    const connection = await createConnection(t.db, { accountId: account.id, authMode: "cloud" });
    const s = await storeSecret(t.db, { connectionId: connection.id, kind: "clientSecret", plaintext: "x", keys: [lost] });
    const report = await rekeySecrets(t.db, { keys: [next] });
    expect(report.unreadable.map((u) => u.id)).toContain(s.id);
    expect(report.remainingByKey.lost).toBe(1);
    expect((await t.db.secret.findUnique({ where: { id: s.id } }))?.keyId).toBe("lost");
  });

  it("npm run secrets:rekey does it from the command line and prints no secret", async () => {
    const old = key("cli-old");
    const next = key("cli-new");
    const account = await ensureAccount(t.db, { actonAccountId: `acct-cli-${provider}`, name: "Litware" });
    const connection = await createConnection(t.db, { accountId: account.id, authMode: "cloud" });
    await t.db.secret.deleteMany({}); // only this test's row, so the exit code speaks about it alone
    const s = await storeSecret(t.db, { connectionId: connection.id, kind: "clientSecret", plaintext: "cli-plaintext-value", keys: [old] });
    const { stdout } = await promisify(execFile)("npm", ["run", "--silent", "secrets:rekey"], {
      env: { ...process.env, DATABASE_URL: t.url, PORTAL_ENCRYPTION_KEYS: envValue([next, old]), NODE_ENV: "test" },
    });
    expect(stdout).toContain("can be removed");
    expect(stdout).not.toContain("cli-plaintext-value");
    expect(await readSecret(t.db, { secretId: s.id, keys: [next] })).toEqual({ ok: true, value: "cli-plaintext-value" });
  }, 90_000);
});
