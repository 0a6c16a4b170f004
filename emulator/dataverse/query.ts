/**
 * Web API reads: `$select`, `$filter`, `$top`, `$expand` over a set's rows. Lookup navigation names resolve to their
 * `_x_value` columns (`parentbusinessunitid eq null` ≡ `_parentbusinessunitid_value eq null`), and any unknown
 * property is a 400, as Dataverse answers — a typo never silently matches everything.
 */
import type { EmuRequest, EmuResponse } from "../core/http";
import {
  evaluateFilter,
  getPropertyCaseInsensitive,
  ODataQueryError,
  parseExpand,
  parseFilter,
  parseSelect,
  parseTop,
  queryOption,
  type ExpandItem,
  type PropertyResolver,
} from "../core/odata";
import type { Environment } from "../core/state";
import { apiBase, DV, dvError, dvJson, etagOf } from "./responses";

function dataverseResolver(logicalName: string): PropertyResolver {
  return (record, path) => {
    if (path.length !== 1)
      throw new ODataQueryError(`Could not find a property named '${path.join("/")}' on type 'Microsoft.Dynamics.CRM.${logicalName}'.`);
    const [name] = path;
    const direct = getPropertyCaseInsensitive(record, name);
    if (direct.found) return direct.value;
    const lookup = getPropertyCaseInsensitive(record, `_${name}_value`);
    if (lookup.found) return lookup.value;
    throw new ODataQueryError(`Could not find a property named '${name}' on type 'Microsoft.Dynamics.CRM.${logicalName}'.`);
  };
}

function selectColumns(row: Record<string, unknown>, select: string[] | null, logicalName: string): Record<string, unknown> {
  const out: Record<string, unknown> = { "@odata.etag": etagOf(row) };
  if (!select) return Object.assign(out, row);
  for (const col of select) {
    const hit = Object.keys(row).find((k) => k.toLowerCase() === col.toLowerCase());
    if (!hit) throw new ODataQueryError(`Could not find a property named '${col}' on type 'Microsoft.Dynamics.CRM.${logicalName}'.`);
    out[hit] = row[hit];
  }
  return out;
}

/** `$orderby=col [asc|desc], …`: each column must exist on the table (checked as it resolves). */
function parseOrderBy(raw: string | null): { property: string; descending: boolean }[] {
  if (!raw) return [];
  return raw.split(",").map((part) => {
    const m = /^\s*([\w.]+)(?:\s+(asc|desc))?\s*$/i.exec(part);
    if (!m) throw new ODataQueryError(`Syntax error in $orderby '${raw}'.`);
    return { property: m[1], descending: m[2]?.toLowerCase() === "desc" };
  });
}

/** Nulls sort first in ascending order, as SQL Server does; ISO date-times compare as strings. */
function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  return (a as string | number) < (b as string | number) ? -1 : 1;
}

/** Navigation collections a set can expand, given the parent row: (row) → child rows and their logical name. */
export type Expander = (property: string, row: Record<string, unknown>) => { logicalName: string; rows: Record<string, unknown>[] } | null;

function contextSuffix(select: string[] | null, expand: ExpandItem[]): string {
  const parts = [...(select ?? []), ...expand.map((e) => `${e.property}(${(e.select ?? []).join(",")})`)];
  return parts.length ? `(${parts.join(",")})` : "";
}

function applyQuery(
  req: EmuRequest,
  rows: Record<string, unknown>[],
  logicalName: string,
  expander: Expander = () => null,
): { select: string[] | null; expand: ExpandItem[]; value: Record<string, unknown>[] } {
  const filter = queryOption(req.url, "filter");
  const resolve = dataverseResolver(logicalName);
  let matched = rows;
  if (filter) {
    const expr = parseFilter(filter);
    matched = rows.filter((r) => evaluateFilter(expr, r, { resolve }));
  }
  const orderBy = parseOrderBy(queryOption(req.url, "orderby"));
  if (orderBy.length) {
    const keyed = matched.map((row) => ({ row, keys: orderBy.map((o) => resolve(row, [o.property])) }));
    keyed.sort((a, b) => {
      for (let i = 0; i < orderBy.length; i++) {
        const c = compareValues(a.keys[i], b.keys[i]);
        if (c) return orderBy[i].descending ? -c : c;
      }
      return 0;
    });
    matched = keyed.map((k) => k.row);
  }
  const top = parseTop(queryOption(req.url, "top"));
  if (top !== null) matched = matched.slice(0, top);
  const select = parseSelect(queryOption(req.url, "select"));
  const expand = parseExpand(queryOption(req.url, "expand"));
  const value = matched.map((row) => {
    const out = selectColumns(row, select, logicalName);
    for (const item of expand) {
      const nav = expander(item.property, row);
      if (!nav) throw new ODataQueryError(`Could not find a property named '${item.property}' on type 'Microsoft.Dynamics.CRM.${logicalName}'.`);
      let children = nav.rows;
      if (item.filter) {
        const expr = parseFilter(item.filter);
        const childResolve = dataverseResolver(nav.logicalName);
        children = children.filter((c) => evaluateFilter(expr, c, { resolve: childResolve }));
      }
      if (item.top !== null) children = children.slice(0, item.top);
      out[item.property] = children.map((c) => selectColumns(c, item.select, nav.logicalName));
    }
    return out;
  });
  return { select, expand, value };
}

/** A collection GET: `{"@odata.context": "{api}/$metadata#set(cols)", "value": [...]}`. */
export function listResponse(
  req: EmuRequest,
  env: Environment,
  setName: string,
  rows: Record<string, unknown>[],
  logicalName: string,
  expander?: Expander,
): EmuResponse {
  try {
    const { select, expand, value } = applyQuery(req, rows, logicalName, expander);
    return dvJson(req, 200, { "@odata.context": `${apiBase(req, env)}/$metadata#${setName}${contextSuffix(select, expand)}`, value });
  } catch (e) {
    if (e instanceof ODataQueryError) return dvError(req, 400, DV.segmentNotFound, e.message);
    throw e;
  }
}

/** A single-row GET: `{"@odata.context": "{api}/$metadata#set(cols)/$entity", ...row}`. */
export function entityResponse(
  req: EmuRequest,
  env: Environment,
  setName: string,
  row: Record<string, unknown>,
  logicalName: string,
  expander?: Expander,
  status = 200,
  extraHeaders: Record<string, string> = {},
): EmuResponse {
  try {
    const { select, expand, value } = applyQuery({ ...req, url: stripFilter(req.url) }, [row], logicalName, expander);
    return dvJson(
      req,
      status,
      { "@odata.context": `${apiBase(req, env)}/$metadata#${setName}${contextSuffix(select, expand)}/$entity`, ...value[0] },
      extraHeaders,
    );
  } catch (e) {
    if (e instanceof ODataQueryError) return dvError(req, 400, DV.segmentNotFound, e.message);
    throw e;
  }
}

function stripFilter(url: URL): URL {
  const copy = new URL(url);
  copy.searchParams.delete("$filter");
  copy.searchParams.delete("$top");
  return copy;
}
