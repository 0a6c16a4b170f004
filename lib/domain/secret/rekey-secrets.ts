import "server-only";
import type { Db } from "../../core/db";
import { openSecret, sealSecret, type EncryptionKey } from "./secret-box";
import { secretAad, type SecretKind } from "./store-secret";

export type RekeyReport = {
  /** Rows re-encrypted under the active key by this call. */
  rekeyed: number;
  /** Rows already under the active key. */
  current: number;
  /** Rows holding no ciphertext any more (revoked secrets): nothing to re-encrypt. */
  empty: number;
  /** Rows changed by someone else while this call worked on them: run again. */
  raced: number;
  /** Rows that could not be opened with the configured keys (missing key, tampering): id and why, never content. */
  unreadable: { id: string; detail: string }[];
  /** Rows still sealed by each retired key afterwards; all zero means the retired keys can be dropped. */
  remainingByKey: Record<string, number>;
};

/**
 * Re-encrypts every stored secret (client secrets, passwords, admin sessions) under the active key (the first in
 * `keys`), so older keys can be retired. Each row keeps its id, owner and kind, so its authenticated data is
 * unchanged; the write is a compare-and-set on the old ciphertext, so a row rewritten concurrently (a rotated admin
 * session) is left alone and reported as raced. Plaintext exists only in memory, one row at a time.
 */
export async function rekeySecrets(db: Db, options: { keys: EncryptionKey[]; batchSize?: number }): Promise<RekeyReport> {
  const active = options.keys[0];
  if (!active) throw new Error("rekeySecrets: no encryption key configured");
  const report: RekeyReport = { rekeyed: 0, current: 0, empty: 0, raced: 0, unreadable: [], remainingByKey: {} };
  const batchSize = options.batchSize ?? 200;
  let cursor: string | undefined;
  for (;;) {
    const rows = await db.secret.findMany({
      orderBy: { id: "asc" },
      take: batchSize,
      ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
      select: { id: true, connectionId: true, kind: true, keyId: true, iv: true, ciphertext: true, authTag: true },
    });
    if (rows.length === 0) break;
    cursor = rows[rows.length - 1].id;
    for (const row of rows) {
      if (!row.ciphertext) {
        report.empty += 1;
        continue;
      }
      if (row.keyId === active.id) {
        report.current += 1;
        continue;
      }
      const aad = secretAad(row.id, row.connectionId, row.kind as SecretKind);
      const opened = openSecret(row, options.keys, aad);
      if (!opened.ok) {
        report.unreadable.push({ id: row.id, detail: opened.error.detail ?? opened.error.code });
        continue;
      }
      const sealed = sealSecret(opened.value, options.keys, aad);
      const { count } = await db.secret.updateMany({
        where: { id: row.id, keyId: row.keyId, ciphertext: row.ciphertext },
        data: { keyId: sealed.keyId, iv: sealed.iv, ciphertext: sealed.ciphertext, authTag: sealed.authTag },
      });
      if (count === 1) report.rekeyed += 1;
      else report.raced += 1;
    }
    if (rows.length < batchSize) break;
  }
  const left = await db.secret.groupBy({ by: ["keyId"], where: { ciphertext: { not: "" }, keyId: { not: active.id } }, _count: { _all: true } });
  for (const g of left) report.remainingByKey[g.keyId] = g._count._all;
  return report;
}
