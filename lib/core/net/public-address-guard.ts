import "server-only";
import { lookup as dnsLookup } from "node:dns/promises";
import { appError, fail, ok, type Result } from "@/lib/core/errors";
import { explainNetworkError } from "./network-errors";
import { classifyAddress, type AddressVerdict } from "./public-address";

/**
 * The guard in front of every credentialed request to a customer-supplied server (an on-premises Dynamics 365 host,
 * a webhook URL): HTTPS only; the host's addresses resolved once and refused when any is not public; the address
 * that passed returned so the request is pinned to it (see `pinned-https-request.ts`) and DNS cannot change between
 * the check and the use. A host named in `allowedPrivateHosts` (the sandbox in a demo or test, by configuration) may
 * resolve to a private address; nothing else can.
 */

type ResolvedAddress = { address: string; family: number };
/** Resolves a host name to all its addresses (injected in tests; `dns.lookup` with `all: true` otherwise). */
export type ResolveHost = (hostname: string) => Promise<ResolvedAddress[]>;

export type PublicAddressGuardOptions = {
  /** `host` or `host:port` entries that may resolve to non-public addresses (ONPREM_ALLOWED_PRIVATE_HOSTS). */
  allowedPrivateHosts: readonly string[];
  resolveHost?: ResolveHost;
  /** Words for the thing being checked, in messages: "Dynamics 365 server" (default), "webhook". */
  what?: string;
};

/** Where a guarded request goes: the URL as given (normalised) and the one address it must connect to. */
export type PinnedTarget = {
  url: string;
  hostname: string;
  port: number;
  address: string;
  family: 4 | 6;
};

const defaultResolveHost: ResolveHost = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

const refuse = (userMessage: string, detail: string) => fail<never>(appError("environment_not_allowed", userMessage, { detail }));

/** The URL checks that need no network: https, no user info, query or fragment, a host name. */
function parseGuardedUrl(raw: string, what = "Dynamics 365 server"): Result<URL> {
  const input = raw.trim();
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return refuse(`Enter the ${what}'s full address, starting with https://, for example https://crm.contoso.com/contoso.`, "not a URL");
  }
  if (url.protocol !== "https:") {
    return refuse(
      `Use the ${what}'s https:// address. Act-On sends the user's password only over an encrypted connection, never over ${url.protocol.replace(":", "")}.`,
      `scheme ${url.protocol}`,
    );
  }
  if (url.username || url.password)
    return refuse(`Leave the user name and password out of the address; enter them in their own fields.`, "user info in URL");
  if (url.search || url.hash || input.includes("?") || input.includes("#"))
    return refuse(`Enter the ${what}'s address without ? or # parts.`, "query or fragment");
  if (!url.hostname) return refuse(`Enter the ${what}'s full address, for example https://crm.contoso.com/contoso.`, "no host");
  return ok(url);
}

function hostEntryMatches(entry: string, hostname: string, port: number): boolean {
  const e = entry.trim().toLowerCase();
  if (!e) return false;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(e);
  const [entryHost, entryPort] = bracketed ? [`[${bracketed[1]}]`, bracketed[2]] : (e.match(/^([^:]+)(?::(\d+))?$/)?.slice(1) ?? [e, undefined]);
  if (entryHost !== hostname.toLowerCase().replace(/\.$/, "")) return false;
  return entryPort === undefined || Number(entryPort) === port;
}

/** True when `host[:port]` of the URL is configured as a private host the portal may reach (the sandbox). */
function isAllowedPrivateHost(url: URL, allowedPrivateHosts: readonly string[]): boolean {
  const port = url.port ? Number(url.port) : 443;
  return allowedPrivateHosts.some((entry) => hostEntryMatches(entry, url.hostname, port));
}

function describeRefusal(host: string, bad: AddressVerdict & { public: false }, what: string): string {
  return (
    `${host} leads to ${bad.reason}, not to a server on the internet, so Act-On will not send credentials there. ` +
    `Use the ${what}'s public https:// address (the one your users reach from outside your network, for example through your firewall or reverse proxy).`
  );
}

/**
 * Checks a customer-supplied HTTPS URL and resolves its host once. Returns the address the request must be pinned to,
 * or a refusal in plain words (`environment_not_allowed`, or the DNS failure explained). Sends nothing to the host.
 */
export async function guardPublicAddress(raw: string, options: PublicAddressGuardOptions): Promise<Result<PinnedTarget>> {
  const what = options.what ?? "Dynamics 365 server";
  const parsed = parseGuardedUrl(raw, what);
  if (!parsed.ok) return parsed;
  const url = parsed.value;
  const port = url.port ? Number(url.port) : 443;
  const hostname = url.hostname.replace(/\.$/, "");
  const privateAllowed = isAllowedPrivateHost(url, options.allowedPrivateHosts);

  let addresses: AddressVerdict[];
  const literal = classifyAddress(hostname);
  if (literal) addresses = [literal];
  else {
    let resolved: ResolvedAddress[];
    try {
      resolved = await (options.resolveHost ?? defaultResolveHost)(hostname);
    } catch (error) {
      return fail(explainNetworkError(error, { host: hostname, port, what }));
    }
    addresses = resolved.map((r) => classifyAddress(r.address)).filter((v): v is AddressVerdict => v !== null);
    if (addresses.length === 0) {
      return fail(explainNetworkError(Object.assign(new Error("no addresses"), { code: "ENOTFOUND" }), { host: hostname, port, what }));
    }
  }
  // Every address must pass, not just the first: a name answering with one public and one private address could be
  // steered to the private one by whoever controls its DNS.
  const bad = addresses.find((a): a is AddressVerdict & { public: false } => !a.public);
  if (bad && !privateAllowed) return refuse(describeRefusal(url.hostname, bad, what), `${hostname} resolves to ${bad.address} (${bad.range})`);

  const chosen = addresses[0];
  return ok({
    url: `${url.protocol}//${url.host.toLowerCase()}${url.pathname.replace(/\/+$/, "")}`,
    hostname,
    port,
    address: chosen.address,
    family: chosen.family,
  });
}
