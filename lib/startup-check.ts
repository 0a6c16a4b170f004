import { ConfigurationError, parseEnv } from "./core/env-schema";

/**
 * Parses the configuration when the server starts, so a bad or missing variable stops start-up with a message
 * naming it, instead of failing on the first request.
 */
export function assertConfigurationAtStartup(): void {
  try {
    parseEnv(process.env);
  } catch (error) {
    if (error instanceof ConfigurationError) {
      console.error(`\n${error.message}\nThe portal cannot start until this is fixed (see README, "Configuration").\n`);
      process.exit(1);
    }
    throw error;
  }
}
