/**
 * Network and certificate failures in plain words. Node reports them as codes (ENOTFOUND, CERT_HAS_EXPIRED,
 * ERR_TLS_CERT_ALTNAME_INVALID …); an admin connecting an on-premises server needs to know which part of their setup
 * to fix. Pure: takes the error Node raised and returns an AppError whose detail keeps the code for support.
 */
import { appError, type AppError } from "@/lib/core/errors";

export type NetworkErrorContext = { host: string; port: number; what?: string };

type Explanation = { code: AppError["code"]; message: (c: Required<NetworkErrorContext>) => string; retryable?: boolean };

const CERT_UNTRUSTED: Explanation = {
  code: "upstream_unavailable",
  message: (c) =>
    `The certificate of ${c.host} is not signed by an authority Act-On trusts (it is self-signed or issued by your company's own certificate authority). ` +
    `Give the ${c.what}'s HTTPS site a certificate from a public certificate authority.`,
};
const CERT_CHAIN_INCOMPLETE: Explanation = {
  code: "upstream_unavailable",
  message: (c) =>
    `${c.host} sends its certificate without the intermediate certificates that link it to a trusted authority. ` +
    `Install the full certificate chain (the intermediate certificates your certificate authority provides) on the ${c.what}'s web site.`,
};

const EXPLANATIONS: Record<string, Explanation> = {
  ENOTFOUND: {
    code: "not_found",
    message: (c) =>
      `No server named ${c.host} can be found (the name does not resolve in public DNS). Check the spelling, and that the name resolves from the internet, not only inside your network.`,
  },
  EAI_AGAIN: {
    code: "upstream_unavailable",
    message: (c) => `Looking up ${c.host} in DNS failed for the moment. Try again in a minute; if it keeps failing, check your DNS servers.`,
    retryable: true,
  },
  ECONNREFUSED: {
    code: "upstream_unavailable",
    message: (c) =>
      `${c.host} refused the connection on port ${c.port}. Check the port in the address, and that the ${c.what}'s HTTPS site is running and open to the internet.`,
  },
  ETIMEDOUT: {
    code: "timeout",
    message: (c) =>
      `${c.host} did not answer on port ${c.port} in time. A firewall is probably blocking it: allow HTTPS from the internet (or from Act-On) to the ${c.what}.`,
    retryable: true,
  },
  EHOSTUNREACH: {
    code: "upstream_unavailable",
    message: (c) => `${c.host} cannot be reached from the internet (no route to it). Check that the ${c.what} is published through your firewall.`,
  },
  ENETUNREACH: {
    code: "upstream_unavailable",
    message: (c) =>
      `${c.host} cannot be reached from the internet (no route to its network). Check that the ${c.what} is published through your firewall.`,
  },
  ECONNRESET: {
    code: "upstream_unavailable",
    message: (c) =>
      `${c.host} closed the connection before answering. If it keeps happening, check that port ${c.port} serves HTTPS and that no proxy or firewall cuts the connection.`,
    retryable: true,
  },
  EPROTO: {
    code: "upstream_unavailable",
    message: (c) =>
      `${c.host} does not speak HTTPS on port ${c.port} (or only an outdated TLS version). Use the port of the ${c.what}'s HTTPS site, with TLS 1.2 or later.`,
  },
  ERR_SSL_WRONG_VERSION_NUMBER: {
    code: "upstream_unavailable",
    message: (c) => `${c.host} answers on port ${c.port} without HTTPS (probably plain HTTP). Use the port of the ${c.what}'s HTTPS site.`,
  },
  CERT_HAS_EXPIRED: {
    code: "upstream_unavailable",
    message: (c) => `The HTTPS certificate of ${c.host} has expired. Renew the ${c.what}'s certificate, then try again.`,
  },
  CERT_NOT_YET_VALID: {
    code: "upstream_unavailable",
    message: (c) =>
      `The HTTPS certificate of ${c.host} is not valid yet (its start date is in the future). Check the server's clock and certificate.`,
  },
  ERR_TLS_CERT_ALTNAME_INVALID: {
    code: "upstream_unavailable",
    message: (c) =>
      `The HTTPS certificate ${c.host} presents was issued for a different name. Use the address the certificate was issued for, or give the ${c.what} a certificate that includes ${c.host}.`,
  },
  DEPTH_ZERO_SELF_SIGNED_CERT: CERT_UNTRUSTED,
  SELF_SIGNED_CERT_IN_CHAIN: CERT_UNTRUSTED,
  UNABLE_TO_GET_ISSUER_CERT: CERT_UNTRUSTED,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: CERT_CHAIN_INCOMPLETE,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: CERT_CHAIN_INCOMPLETE,
  CERT_REVOKED: {
    code: "upstream_unavailable",
    message: (c) => `The HTTPS certificate of ${c.host} has been revoked by its authority. Install a new certificate on the ${c.what}.`,
  },
};

/** The Node error code of a failure, looking through `cause` (fetch wraps the socket error). */
function networkCodeOf(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && code) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Turns a network or TLS failure into an AppError an admin can act on; unknown codes get a general message. */
export function explainNetworkError(error: unknown, context: NetworkErrorContext): AppError {
  const c = { what: "Dynamics 365 server", ...context };
  const code = networkCodeOf(error);
  const explanation = code ? EXPLANATIONS[code] : undefined;
  if (!explanation) {
    return appError(
      "upstream_unavailable",
      `Act-On could not reach ${c.host} over HTTPS. Check that the ${c.what} is reachable from the internet, then try again.`,
      { detail: `network error ${code ?? "unknown"} connecting to ${c.host}:${c.port}`, retryable: true },
    );
  }
  return appError(explanation.code, explanation.message(c), {
    detail: `${code} connecting to ${c.host}:${c.port}`,
    retryable: explanation.retryable ?? false,
  });
}

/** A refused redirect, in words: credentials are never forwarded to wherever a server points. */
export function explainRedirect(status: number, location: string | null, context: NetworkErrorContext): AppError {
  const c = { what: "Dynamics 365 server", ...context };
  let target = "another address";
  try {
    if (location) target = new URL(location, `https://${c.host}`).origin;
  } catch {
    // An unparsable Location still means "a redirect": the generic words do.
  }
  return appError(
    "invalid_input",
    `${c.host} redirects to ${target} instead of answering. Act-On does not follow redirects with credentials: enter the address the ${c.what} finally answers on (its Web API must answer there).`,
    { detail: `HTTP ${status} redirect from ${c.host}:${c.port}` },
  );
}
