/**
 * `npm run secrets:rekey`: re-encrypts every stored secret under the active encryption key (the first entry of
 * PORTAL_ENCRYPTION_KEYS), so an older key can be retired. Rotation: put the new key first and keep the old one after
 * it, deploy, run this command until it reports nothing left under the old key, then remove the old key.
 * Prints counts and row ids only, never a secret. Exit code 0 when every readable row is under the active key.
 */
import { printCommandError } from "../lib/cli/command-error";
import { createDb } from "../lib/core/db";
import { parseEnv } from "../lib/core/env-schema";
import { rekeySecrets } from "../lib/domain/secret/rekey-secrets";

async function main(): Promise<number> {
  const env = parseEnv(process.env);
  if (!env.PORTAL_ENCRYPTION_KEYS?.length) {
    console.error("PORTAL_ENCRYPTION_KEYS is not set: nothing to re-encrypt under.");
    return 2;
  }
  const db = createDb(env.DATABASE_URL);
  try {
    const report = await rekeySecrets(db, { keys: env.PORTAL_ENCRYPTION_KEYS });
    console.log(
      `Re-encrypted ${report.rekeyed} secret(s) under key "${env.PORTAL_ENCRYPTION_KEYS[0].id}"; ${report.current} already were; ` +
        `${report.empty} revoked row(s) hold nothing.`,
    );
    if (report.raced) console.log(`${report.raced} row(s) changed while this ran: run the command again.`);
    for (const u of report.unreadable) console.error(`Secret ${u.id} could not be read: ${u.detail}`);
    const left = Object.entries(report.remainingByKey);
    if (left.length) console.log(`Still under older keys: ${left.map(([k, n]) => `${k} (${n})`).join(", ")}.`);
    else console.log("No secret is stored under an older key: the older keys can be removed from PORTAL_ENCRYPTION_KEYS.");
    return report.unreadable.length || report.raced || left.length ? 1 : 0;
  } finally {
    await db.$disconnect();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    printCommandError(error);
    process.exit(1);
  },
);
