/**
 * The allow-list check for Dynamics environment URLs. The portal sends an admin's Dataverse token to whatever URL it
 * is given, so the URL must be checked against `DYNAMICS_ALLOWED_HOSTS` before any token leaves the server.
 * Pure: the same check can run in a form.
 */
import { appError, fail, ok, type Result } from "@/lib/core/errors";

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

function isIpLiteral(hostname: string): boolean {
  return hostname.startsWith("[") || IPV4.test(hostname);
}

/**
 * `*.dynamics.com` matches any subdomain depth (never the bare domain) on the default port; `localhost:4443` matches
 * that host and port exactly; `example.com` matches that host on the default port.
 */
function hostMatches(url: URL, entry: string): boolean {
  const pattern = entry.trim().toLowerCase();
  if (!pattern) return false;
  const hostname = url.hostname.toLowerCase();
  const port = url.port; // "" for the default (443)
  const [patternHost, patternPort = ""] = pattern.startsWith("[") ? [pattern] : pattern.split(":");
  if (port !== patternPort) return false;
  if (patternHost.startsWith("*.")) {
    const suffix = patternHost.slice(1); // ".dynamics.com"
    return !isIpLiteral(hostname) && hostname.endsWith(suffix) && hostname.length > suffix.length;
  }
  return hostname === patternHost;
}

/** Checks a Dynamics environment URL against the allow-list and returns it normalised (origin + path, no trailing slash). */
export function normalizeDynamicsUrl(raw: string, allowedHosts: readonly string[]): Result<string> {
  const reject = (why: string) =>
    fail<string>(
      appError(
        "environment_not_allowed",
        "That Dynamics 365 address is not one Act-On can connect to. Use your environment's URL, e.g. https://yourorg.crm.dynamics.com.",
        {
          detail: why,
        },
      ),
    );
  const input = raw.trim();
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return reject("not a URL");
  }
  if (url.protocol !== "https:") return reject("not https");
  if (url.username || url.password || /^https:\/\/[^/]*@/i.test(input)) return reject("contains user info");
  if (input.includes("?") || input.includes("#")) return reject("has a query or fragment");
  if (url.hostname.endsWith(".") || url.hostname === "") return reject("bad host name");
  if (/%2f|%5c|%2e/i.test(url.pathname) || input.includes("\\")) return reject("encoded path separators");
  if (!allowedHosts.some((entry) => hostMatches(url, entry))) return reject(`host ${url.host} is not allowed`);
  const path = url.pathname.replace(/\/+$/, "");
  return ok(`${url.protocol}//${url.host.toLowerCase()}${path}`);
}

/** True when the URL is an https Dynamics environment address on an allowed host. */
export function isAllowedDynamicsUrl(raw: string, allowedHosts: readonly string[]): boolean {
  return normalizeDynamicsUrl(raw, allowedHosts).ok;
}
