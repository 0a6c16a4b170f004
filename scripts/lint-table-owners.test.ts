/**
 * One writer per table, as ESLint enforces it: Prisma writes to Connection, Secret, ProvisioningRun and
 * ProvisioningStep happen only inside their owner's folder under lib/domain/; raw SQL writes only inside lib/domain;
 * reads are free everywhere, and tests may seed.
 */
import { describe, expect, it } from "vitest";
import { lintMessages } from "@/test/support/lint-probe";

const WRITES = {
  connection: "export const a = (db: any) => db.connection.update({ where: { id: 'c' }, data: { status: 'active' } });",
  secret: "export const b = (tx: any) => tx.secret.updateMany({ where: {}, data: { status: 'revoked' } });",
  provisioningRun: "export const c = (db: any) => db.provisioningRun.create({ data: {} });",
  provisioningStep: "export const d = (tx: any) => tx.provisioningStep.upsert({ where: {}, create: {}, update: {} });",
  healthProbe: "export const f = (tx: any) => tx.healthProbe.create({ data: {} });",
  raw: "export const e = (db: any) => db.$executeRaw`UPDATE \"Connection\" SET status = 'active'`;",
};
const READS = [
  "export const r1 = (db: any) => db.connection.findMany({ where: {} });",
  "export const r2 = (db: any) => db.secret.count({ where: {} });",
  "export const r3 = (db: any) => db.webhookEvent.create({ data: {} });",
].join("\n");

function restricted(filePath: string, source: string): Promise<string[]> {
  return lintMessages(source + "\n", filePath, "no-restricted-syntax");
}

describe("one writer per table", () => {
  it.each(["lib/provisioning/probe.ts", "lib/connect/probe.ts", "app/connect/probe.ts", "scripts/probe.ts", "lib/domain/session/probe.ts"])(
    "%s may write none of them",
    async (file) => {
      const found = await restricted(
        file,
        Object.values(WRITES)
          .filter((w) => (file.startsWith("lib/domain") ? w !== WRITES.raw : true))
          .join("\n"),
      );
      expect(found.length).toBe(file.startsWith("lib/domain") ? 5 : 6);
    },
    60_000,
  );

  it.each([
    ["lib/domain/connection/probe.ts", "connection"],
    ["lib/domain/connection/probe.ts", "healthProbe"],
    ["lib/domain/secret/probe.ts", "secret"],
    ["lib/domain/run/probe.ts", "provisioningRun"],
    ["lib/domain/run/probe.ts", "provisioningStep"],
  ] as const)(
    "%s writes its own table (%s) and no other",
    async (file, table) => {
      expect(await restricted(file, WRITES[table])).toEqual([]);
      const others = Object.entries(WRITES).filter(
        ([t]) =>
          t !== table &&
          t !== "raw" &&
          !(file.includes("/run/") && t.startsWith("provisioning")) &&
          !(file.includes("/connection/") && (t === "connection" || t === "healthProbe")),
      );
      const found = await restricted(file, others.map(([, w]) => w).join("\n"));
      expect(found).toHaveLength(others.length);
      expect(found.join(" ")).toMatch(/Only lib\/domain\//);
    },
    60_000,
  );

  it("lets every file read, and tests seed", async () => {
    expect(await restricted("app/connect/probe.ts", READS)).toEqual([]);
    expect(await restricted("lib/provisioning/probe.integration.test.ts", Object.values(WRITES).join("\n"))).toEqual([]);
  }, 60_000);
});
