import { describe, expect, it } from "vitest";
import { Prisma } from "@/generated/sqlite/client";
import { ConfigurationError } from "@/lib/core/env-schema";
// @ts-expect-error -- plain ESM module of the commands' launcher
import { DATABASE_BUSY_MESSAGE as LAUNCHER_BUSY_MESSAGE, describeFailure } from "@/scripts/lib/command-failure.mjs";
import { DATABASE_BUSY_MESSAGE, DATABASE_WRITE_BUSY_MESSAGE, describeCommandError } from "./command-error";

const prismaError = (code: string, message: string) => new Prisma.PrismaClientKnownRequestError(message, { code, clientVersion: "6.19.3" });

describe("a command's one line", () => {
  it("the launcher and the scripts say the same thing about a busy database", () => {
    expect(LAUNCHER_BUSY_MESSAGE).toBe(DATABASE_BUSY_MESSAGE);
  });

  it("is one line without Prisma's invocation frame", () => {
    const error = prismaError(
      "P2002",
      "\nInvalid `prisma.account.create()` invocation in\n/work/scripts/provision.ts:180:7\n\n  177 |\n→ 180 await db.account.create(\nUnique constraint failed on the fields: (`actonAccountId`)",
    );
    const line = describeCommandError(error);
    expect(line).toBe(
      "The portal's database refused the command: Unique constraint failed on the fields: (`actonAccountId`) (run again with LOG_LEVEL=debug for the details)",
    );
  });

  it("says the database is busy when a write waited out its busy timeout", () => {
    expect(describeCommandError(prismaError("P1008", "\nInvalid `prisma.account.create()` invocation:\n\ndatabase is locked"))).toBe(
      DATABASE_WRITE_BUSY_MESSAGE,
    );
    expect(describeCommandError(prismaError("P1008", "\nInvalid `prisma.account.create()` invocation:\n\nOperation has timed out"))).toBe(
      DATABASE_WRITE_BUSY_MESSAGE,
    );
  });

  it("names a missing schema and an unreachable server with what to do", () => {
    expect(describeCommandError(prismaError("P2021", "The table `main.Account` does not exist in the current database."))).toMatch(
      /npm run db:migrate/,
    );
    expect(describeCommandError(prismaError("P1001", "Can't reach database server at `127.0.0.1:5432`"))).toMatch(/check DATABASE_URL/);
  });

  it("lists configuration problems on one line", () => {
    expect(describeCommandError(new ConfigurationError(["DATABASE_URL must be a URL", "LOG_LEVEL must be one of debug, info"]))).toBe(
      "Invalid configuration: DATABASE_URL must be a URL; LOG_LEVEL must be one of debug, info",
    );
  });

  it("keeps the first line of anything else, in the scripts and in the launcher", () => {
    const error = new Error("http://localhost:3000/api/health did not answer within 60000 ms: fetch failed\n    at waitForUrl (sandbox.mjs:30)");
    expect(describeCommandError(error)).toBe(
      "http://localhost:3000/api/health did not answer within 60000 ms: fetch failed (run again with LOG_LEVEL=debug for the details)",
    );
    expect(describeFailure(error)).toBe(describeCommandError(error));
  });
});
