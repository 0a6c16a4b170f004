/**
 * The one line a command (provision, secrets:rekey, bench) ends with when it fails: what happened and what to do,
 * never a stack trace or Prisma's invocation dump (those go to stderr only with LOG_LEVEL=debug). Pure.
 */
import { ConfigurationError } from "../core/env-schema";

/** Same words as scripts/lib/command-failure.mjs, which the commands' launcher prints (a test keeps them equal). */
export const DATABASE_BUSY_MESSAGE = "The portal's database is busy (another process is migrating it); try again in a moment";
/** A write that waited its whole busy timeout for another process's write transaction. */
export const DATABASE_WRITE_BUSY_MESSAGE = "The portal's database is busy (another process is writing to it); try again in a moment";
const DEBUG_HINT = "(run again with LOG_LEVEL=debug for the details)";

function isPrismaError(error: unknown): error is Error & { code?: string } {
  return error instanceof Error && error.name.startsWith("PrismaClient");
}

export function describeCommandError(error: unknown): string {
  if (error instanceof ConfigurationError) return `Invalid configuration: ${error.problems.join("; ")}`;
  const text = error instanceof Error ? error.message : String(error);
  if (/SQLITE_BUSY|database is locked|SocketTimeout/i.test(text)) return DATABASE_WRITE_BUSY_MESSAGE;
  if (isPrismaError(error)) {
    // The SQLite adapter reports SQLITE_BUSY (a write that waited out its busy timeout) as a socket timeout: P1008.
    if (error.code === "P1008") return DATABASE_WRITE_BUSY_MESSAGE;
    if (error.code === "P2021" || /no such table|does not exist in the current database/i.test(text)) {
      return "The portal's database has no schema yet: run `npm run db:migrate` (npm run demo and npm run provision do it for you)";
    }
    if (error.code === "P1001" || /Can't reach database server|ECONNREFUSED/i.test(text)) {
      return "Cannot reach the portal's database: check DATABASE_URL and that the database server is running";
    }
    // Prisma's message is "Invalid `prisma.x.y()` invocation in <file>", a code frame, then the reason, last.
    const reason =
      text
        .split("\n")
        .filter((line) => line.trim())
        .at(-1) ?? error.name;
    return `The portal's database refused the command: ${reason.trim()} ${DEBUG_HINT}`;
  }
  const first = text.split("\n").find((line) => line.trim()) ?? "unknown error";
  return `${first.trim()} ${DEBUG_HINT}`;
}

/** Prints the one line (and the stack when LOG_LEVEL=debug) to stderr. */
export function printCommandError(error: unknown, prefix = "✗ "): void {
  console.error(`${prefix}${describeCommandError(error)}`);
  if (process.env.LOG_LEVEL === "debug") console.error(error instanceof Error ? error.stack : String(error));
}
