/**
 * An authority's OpenID Connect metadata, fetched once per process. MSAL keeps what it discovers in the cache of the
 * one client application that asked, and the portal makes a new client for every restored admin session and every
 * app credential, so each of those re-discovered the same document before its first token (a round trip on the
 * critical path of every run). The document names the authority's endpoints and changes about never; MSAL itself
 * trusts a discovered copy for 24 hours, and so does this one.
 *
 * Only successful answers are kept, per exact URL (an authority is a host and a tenant). A request in flight is not
 * shared: each failure stays its caller's own, with the details its error is mapped from. Pure apart from the clock.
 */
export type MetadataAnswer = { status: number; headers: Record<string, string>; body: unknown };

export const METADATA_TTL_MS = 24 * 60 * 60_000;
const MAX_AUTHORITIES = 500;

/** True for the tenant discovery document MSAL asks for (`…/v2.0/.well-known/openid-configuration`). */
export function isAuthorityMetadataUrl(url: URL): boolean {
  return url.pathname.endsWith("/.well-known/openid-configuration") && url.search === "";
}

export class AuthorityMetadataCache {
  private readonly entries = new Map<string, { answer: MetadataAnswer; until: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The answer kept for `url`, while fresh. */
  find(url: string): MetadataAnswer | null {
    const hit = this.entries.get(url);
    if (!hit) return null;
    if (hit.until > this.now()) return hit.answer;
    this.entries.delete(url);
    return null;
  }

  /** Keeps `answer` for `url` if it is a success; the oldest authority goes when there are too many. */
  keep(url: string, answer: MetadataAnswer): void {
    if (answer.status !== 200) return;
    this.entries.delete(url);
    this.entries.set(url, { answer, until: this.now() + METADATA_TTL_MS });
    if (this.entries.size > MAX_AUTHORITIES) this.entries.delete(this.entries.keys().next().value!);
  }
}
