// How a command fails: one plain line saying what to do, and a non-zero exit. The stack is for LOG_LEVEL=debug.

/** The one line for a database another process holds (lib/cli/command-error.ts says the same; a test keeps them equal). */
export const DATABASE_BUSY_MESSAGE = "The portal's database is busy (another process is migrating it); try again in a moment";

/** A failure whose message is already the one line to show. */
export class CommandFailure extends Error {
  /** @param {string} message @param {{ exitCode?: number, cause?: unknown }} [options] */
  constructor(message, { exitCode = 1, cause } = {}) {
    super(message, { cause });
    this.name = "CommandFailure";
    this.exitCode = exitCode;
  }
}

/** Pure: the one line for any error a command ends with. */
export function describeFailure(error) {
  if (error instanceof CommandFailure) return error.message;
  const text = error instanceof Error ? error.message : String(error);
  const first = text.split("\n").find((line) => line.trim()) ?? "unknown error";
  return `${first.trim()} (run again with LOG_LEVEL=debug for the details)`;
}

/** Prints the one line (and, with LOG_LEVEL=debug, the stack) and returns the exit code. */
export function reportFailure(error, { stderr = process.stderr, env = process.env } = {}) {
  stderr.write(`✗ ${describeFailure(error)}\n`);
  if (env.LOG_LEVEL === "debug") {
    stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    if (error instanceof Error && error.cause) stderr.write(`caused by: ${error.cause instanceof Error ? error.cause.stack : String(error.cause)}\n`);
  }
  return error instanceof CommandFailure ? error.exitCode : 1;
}
