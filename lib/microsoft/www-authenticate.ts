/**
 * How an on-premises Dynamics 365 server signs callers in, read from its answer to an unauthenticated request, as
 * Microsoft's SDKs discover it: `WWW-Authenticate: Negotiate` / `NTLM` (Windows authentication in IIS) or
 * `Bearer authorization_uri=https://<adfs>/adfs/oauth2/authorize, resource_id=<org url>` (an Internet-facing
 * deployment behind AD FS). Pure: parsing and classification only.
 */

export type Challenge = { scheme: string; token68: string | null; params: Record<string, string> };

/**
 * Parses one or more `WWW-Authenticate` values (RFC 9110 §11.6.1), including several joined with commas as `fetch`
 * joins repeated headers: `Negotiate, NTLM` is two challenges, `Bearer a=1, b=2` one with two parameters.
 */
export function parseWwwAuthenticate(values: string | readonly string[] | null | undefined): Challenge[] {
  const list = values === null || values === undefined ? [] : typeof values === "string" ? [values] : values;
  const out: Challenge[] = [];
  for (const value of list) {
    let current: Challenge | null = null;
    for (const raw of splitOutsideQuotes(value)) {
      const part = raw.trim();
      if (!part) continue;
      const param = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s,]*)$/.exec(part);
      // After a comma: a parameter of the current challenge (`name=value`, no space before it), or a new challenge.
      if (param && current) {
        current.params[param[1].toLowerCase()] = unquote(param[2]);
        continue;
      }
      // A new challenge: `scheme`, `scheme token68`, or `scheme name=value`.
      const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?:\s+(.*))?$/.exec(part);
      if (!m) continue;
      current = { scheme: m[1], token68: null, params: {} };
      out.push(current);
      const rest = m[2]?.trim();
      if (!rest) continue;
      const first = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s,=][^\s,]*)$/.exec(rest);
      if (first) current.params[first[1].toLowerCase()] = unquote(first[2]);
      else current.token68 = rest;
    }
  }
  return out;
}

function splitOutsideQuotes(value: string): string[] {
  const parts: string[] = [];
  let buf = "";
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === "\\" && quoted && i + 1 < value.length) {
      buf += c + value[++i];
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === "," && !quoted) {
      parts.push(buf);
      buf = "";
    } else buf += c;
  }
  parts.push(buf);
  return parts;
}

function unquote(v: string): string {
  return v.startsWith('"') && v.endsWith('"') && v.length >= 2 ? v.slice(1, -1).replace(/\\(.)/g, "$1") : v;
}

/** What the portal can do with a server, decided from its challenges. */
export type OnPremisesSignIn =
  | { kind: "ntlm" }
  | { kind: "adfs"; authorizationUri: string; resourceId: string }
  | { kind: "kerberos_only" }
  | { kind: "basic_only" }
  | { kind: "unknown"; schemes: string[] };

const byScheme = (challenges: Challenge[], scheme: string) => challenges.find((c) => c.scheme.toLowerCase() === scheme);

/**
 * NTLM offered: Windows sign-in the portal can do. A Bearer challenge naming an AD FS authorize endpoint and a
 * resource: AD FS. Negotiate alone means Kerberos, which needs a computer joined to the customer's domain.
 */
export function classifyOnPremisesSignIn(challenges: Challenge[]): OnPremisesSignIn {
  const bearer = byScheme(challenges, "bearer");
  const authorizationUri = bearer?.params.authorization_uri;
  const resourceId = bearer?.params.resource_id;
  if (authorizationUri && resourceId && isHttpsUrl(authorizationUri)) return { kind: "adfs", authorizationUri, resourceId };
  if (byScheme(challenges, "ntlm")) return { kind: "ntlm" };
  if (byScheme(challenges, "negotiate")) return { kind: "kerberos_only" };
  if (byScheme(challenges, "basic")) return { kind: "basic_only" };
  return { kind: "unknown", schemes: challenges.map((c) => c.scheme) };
}

function isHttpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === "https:";
  } catch {
    return false;
  }
}

/** A domain account as NTLM carries it: `DOMAIN\user` → user + domain; `user@domain` → the UPN with no domain. */
export type DomainAccount = { user: string; domain: string };

export function parseDomainAccount(input: string): DomainAccount | null {
  const value = input.trim();
  const backslash = /^([^\\/@\s]+)\\([^\\/@\s]+)$/.exec(value);
  if (backslash) return { user: backslash[2], domain: backslash[1] };
  if (/^[^\\/@\s]+@[^\\/@\s]+\.[^\\/@\s]+$/.test(value)) return { user: value, domain: "" };
  return null;
}
