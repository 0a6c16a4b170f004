/**
 * Commits a connection change with its webhook events in one transaction, then dies at once (exit 137, as if killed)
 * before any delivery, so a test can prove the events survive in the outbox alone. Run with
 * `tsx --conditions=react-server` and COMMIT_SPEC={"databaseUrl","connectionId","statuses":[...]} in the env.
 */
import { createDb } from "../../lib/core/db";
import { enqueueWebhookEvents } from "../../lib/domain/webhook-outbox/enqueue-webhook-events";

const spec = JSON.parse(process.env.COMMIT_SPEC ?? "{}") as { databaseUrl: string; connectionId: string; statuses: string[] };

async function main() {
  const db = createDb(spec.databaseUrl);
  let before = (await db.connection.findUniqueOrThrow({ where: { id: spec.connectionId } })).status as string;
  for (const status of spec.statuses) {
    await db.$transaction(async (tx) => {
      await tx.connection.update({ where: { id: spec.connectionId }, data: { status: status as never } });
      await enqueueWebhookEvents(
        tx,
        {
          connectionId: spec.connectionId,
          runId: null,
          statusBefore: before,
          statusAfter: status,
          failingStep: null,
          errorCode: null,
          at: new Date(),
        },
        { retryBudgetMs: 3600_000 },
      );
    });
    before = status;
  }
  process.exit(137);
}

void main();
