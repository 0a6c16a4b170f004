import "server-only";
import type { Db } from "../../core/db";

/**
 * Refuses, from now on, every launch link of the account signed at or before `at` (support revoked the customer's
 * access). A link's `iat` is all the portal can know of a link Act-On's servers signed and never showed it, so the
 * cutoff is a time, not a list. A later revocation only moves it forwards.
 */
export async function closeLaunchLinks(db: Db, input: { accountId: string; at: Date }): Promise<void> {
  await db.account.updateMany({
    where: { id: input.accountId, OR: [{ launchLinksValidFrom: null }, { launchLinksValidFrom: { lt: input.at } }] },
    data: { launchLinksValidFrom: input.at },
  });
}
