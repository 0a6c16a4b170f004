/**
 * Which Web API version an on-premises server speaks: 9.2 (current), then 9.1, 9.0 and 8.2 (Dynamics 365 v8.2
 * servers). The first version that answers is kept on the connection, so later calls go straight to it. Pure.
 */
export const WEB_API_VERSIONS = ["9.2", "9.1", "9.0", "8.2"] as const;
export type WebApiVersion = (typeof WEB_API_VERSIONS)[number];

export function isWebApiVersion(value: unknown): value is WebApiVersion {
  return typeof value === "string" && (WEB_API_VERSIONS as readonly string[]).includes(value);
}

/**
 * Tries `attempt` with each version in order (starting at `from`, default 9.2) and answers with the first that
 * succeeds. Only a version the server does not have (`isMissingVersion`) moves on; any other failure (a refused
 * sign-in, an outage) is thrown at once. When no version answers, the last "missing" error is thrown.
 */
export async function firstAnsweringVersion<T>(
  attempt: (version: WebApiVersion) => Promise<T>,
  isMissingVersion: (error: unknown) => boolean,
  from: WebApiVersion = "9.2",
): Promise<{ version: WebApiVersion; value: T }> {
  let last: unknown;
  for (const version of WEB_API_VERSIONS.slice(WEB_API_VERSIONS.indexOf(from))) {
    try {
      return { version, value: await attempt(version) };
    } catch (error) {
      if (!isMissingVersion(error)) throw error;
      last = error;
    }
  }
  throw last;
}
