/**
 * Graph list responses: `$filter`, `$select`, `$top` and server-driven paging with `@odata.nextLink`. The next link
 * points at the sandbox origin (not graph.microsoft.com) because clients such as the Graph SDK's PageIterator follow
 * it verbatim.
 */
import type { EmuRequest, EmuResponse } from "../core/http";
import { applySelect, evaluateFilter, ODataQueryError, parseFilter, parseSelect, parseTop, queryOption, strictResolver } from "../core/odata";
import { contextUrl, graphError, graphJson } from "./responses";

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 999;

export type ListOptions = {
  /** e.g. `applications` → `@odata.context` `...$metadata#applications` (with `(a,b)` when `$select` is used). */
  contextPath: string;
  /** OData type name for error messages, e.g. `microsoft.graph.application`. */
  typeName: string;
  /** Keys Graph always returns even when `$select` omits them (none by default). */
  alwaysSelect?: string[];
};

function decodeSkipToken(raw: string | null): number {
  if (!raw) return 0;
  try {
    const n = Number(JSON.parse(Buffer.from(raw, "base64url").toString("utf8")).offset);
    return Number.isInteger(n) && n >= 0 ? n : 0;
  } catch {
    return 0;
  }
}

function filterRecords(req: EmuRequest, records: Record<string, unknown>[], typeName: string): Record<string, unknown>[] | EmuResponse {
  const filter = queryOption(req.url, "filter");
  if (!filter) return records;
  try {
    const expr = parseFilter(filter);
    const resolve = strictResolver(typeName);
    return records.filter((r) => evaluateFilter(expr, r, { resolve }));
  } catch (e) {
    if (e instanceof ODataQueryError) return graphError(req, 400, "BadRequest", `Invalid filter clause: ${e.message}`);
    throw e;
  }
}

/** Answers a collection GET from full Graph views (already scoped to the caller's tenant). */
export function listResponse(req: EmuRequest, views: Record<string, unknown>[], options: ListOptions): EmuResponse {
  const filtered = filterRecords(req, views, options.typeName);
  if (!Array.isArray(filtered)) return filtered;
  let top: number | null;
  try {
    top = parseTop(queryOption(req.url, "top"));
  } catch (e) {
    return graphError(req, 400, "BadRequest", (e as Error).message);
  }
  const pageSize = Math.min(top ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  const offset = decodeSkipToken(queryOption(req.url, "skiptoken"));
  const page = filtered.slice(offset, offset + pageSize);
  const select = parseSelect(queryOption(req.url, "select"));
  const body: Record<string, unknown> = {
    "@odata.context": contextUrl(req, select ? `${options.contextPath}(${select.join(",")})` : options.contextPath),
  };
  if (offset + pageSize < filtered.length) {
    const next = new URL(req.url.pathname, req.origin);
    for (const [k, v] of req.url.searchParams) if (k !== "$skiptoken") next.searchParams.append(k, v);
    next.searchParams.set("$skiptoken", Buffer.from(JSON.stringify({ offset: offset + pageSize })).toString("base64url"));
    body["@odata.nextLink"] = next.toString();
  }
  // `$count=true` asks for the total before the page; Graph writes it ahead of the values.
  if (queryOption(req.url, "count")?.toLowerCase() === "true") body["@odata.count"] = filtered.length;
  body.value = page.map((v) => applySelect(v, select, options.alwaysSelect ?? []));
  return graphJson(req, 200, body);
}

/**
 * Whether a request carries Graph's advanced query parameters (`ConsistencyLevel: eventual` and `$count=true`), which
 * Microsoft's "Advanced query capabilities on directory objects" lists as needed for OData casts, `$search`, `ne`, `not`
 * and `endsWith` on directory objects.
 */
export function isAdvancedQuery(req: EmuRequest): boolean {
  const level = req.headers["consistencylevel"];
  return (Array.isArray(level) ? level[0] : level)?.trim().toLowerCase() === "eventual" && queryOption(req.url, "count")?.toLowerCase() === "true";
}

/** Single-entity GET with `$select`. */
export function entityResponse(req: EmuRequest, view: Record<string, unknown>, contextPath: string, status = 200): EmuResponse {
  const select = parseSelect(queryOption(req.url, "select"));
  const context = contextUrl(req, select ? `${contextPath}(${select.join(",")})/$entity` : `${contextPath}/$entity`);
  return graphJson(req, status, { "@odata.context": context, ...applySelect(view, select) });
}
