import "server-only";
import type { Db } from "../../core/db";
import type { Prisma } from "@/generated/sqlite/client";

export type CreateConnectionInput = {
  accountId: string;
  authMode: "cloud" | "legacy" | "onprem";
  environmentUrl?: string | null;
  environmentName?: string | null;
  tenantId?: string | null;
  syncOptions?: Prisma.InputJsonObject | null;
};

/** Starts a new connection in `draft`; provisioning fills in the Microsoft identifiers as its steps succeed. */
export async function createConnection(db: Pick<Db, "connection">, input: CreateConnectionInput) {
  return db.connection.create({
    data: {
      accountId: input.accountId,
      authMode: input.authMode,
      environmentUrl: input.environmentUrl ?? null,
      environmentName: input.environmentName ?? null,
      tenantId: input.tenantId ?? null,
      syncOptions: input.syncOptions ?? undefined,
    },
  });
}
