/**
 * PostgreSQL under many concurrent transactions: more than the pool has connections, each held for a second (as a
 * step's commit is on a loaded machine). They queue for a connection and all commit; with Prisma's default 2 s wait
 * for a connection, those queued longest failed ("Unable to start a transaction in the given time").
 */
import { describe, expect, it } from "vitest";
import { providersUnderTest, useTestDatabase } from "@/test/support/test-databases";

const postgres = (await providersUnderTest()).filter((p) => p === "postgresql");

describe.each(postgres)("transactions beyond the pool on %s", (provider) => {
  const t = useTestDatabase(provider);

  it("queues thirty one-second transactions on a ten-connection pool and commits every one", async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, () =>
        t.db.$transaction(async (tx) => {
          await tx.$queryRaw`SELECT 1 AS "slept" FROM pg_sleep(1)`;
          return tx.account.count();
        }),
      ),
    );
    expect(
      results
        .filter((r) => r.status === "rejected")
        .map((r) =>
          String((r as PromiseRejectedResult).reason)
            .replace(/\s+/g, " ")
            .slice(0, 200),
        ),
    ).toEqual([]);
  }, 60_000);
});
