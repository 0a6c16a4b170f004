/**
 * A small OData v4 query-option toolkit shared by the Graph, Discovery and Dataverse emulators: a `$filter` parser
 * and evaluator, `$select`/`$expand`/`$top` parsing. It covers the grammar Microsoft's clients and our portal send
 * (comparisons, `and`/`or`/`not`, `startswith`/`endswith`/`contains`, lambda `any`, Dataverse's
 * `Microsoft.Dynamics.CRM.In(...)`) rather than all of OData, and fails loudly (ODataQueryError) on anything else so a
 * test never silently passes on an ignored filter.
 */

export class ODataQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ODataQueryError";
  }
}

type Literal = string | number | boolean | null;

export type FilterExpr =
  | { kind: "literal"; value: Literal }
  | { kind: "property"; path: string[] }
  | { kind: "compare"; op: "eq" | "ne" | "gt" | "ge" | "lt" | "le"; left: FilterExpr; right: FilterExpr }
  | { kind: "logical"; op: "and" | "or"; left: FilterExpr; right: FilterExpr }
  | { kind: "not"; operand: FilterExpr }
  | { kind: "call"; name: string; args: FilterExpr[] }
  | { kind: "namedCall"; name: string; args: Record<string, FilterExpr> }
  | { kind: "list"; items: FilterExpr[] }
  | { kind: "lambda"; collection: string[]; quantifier: "any" | "all"; variable: string; predicate: FilterExpr | null };

type Token =
  | { t: "str"; v: string }
  | { t: "num"; v: number }
  | { t: "guid"; v: string }
  | { t: "id"; v: string }
  | { t: "punct"; v: "(" | ")" | "," | ":" | "=" | "[" | "]" | "/" };

const DATE_TIME_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})(?![\w-])/;
const GUID_AT = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-])/;

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'") {
      // OData escapes a quote inside a string literal by doubling it.
      let v = "";
      i++;
      for (;;) {
        if (i >= src.length) throw new ODataQueryError(`Unterminated string literal in '${src}'.`);
        if (src[i] === "'") {
          if (src[i + 1] === "'") {
            v += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += src[i++];
      }
      out.push({ t: "str", v });
      continue;
    }
    // A DateTimeOffset literal (`activityDateTime ge 2026-01-01T00:00:00Z`) compares as its ISO text in UTC.
    const dateTime = DATE_TIME_AT.exec(src.slice(i));
    if (dateTime && !Number.isNaN(Date.parse(dateTime[0]))) {
      out.push({ t: "str", v: new Date(dateTime[0]).toISOString() });
      i += dateTime[0].length;
      continue;
    }
    const guid = GUID_AT.exec(src.slice(i));
    if (guid) {
      out.push({ t: "guid", v: guid[0].toLowerCase() });
      i += guid[0].length;
      continue;
    }
    const num = /^-?\d+(\.\d+)?(?![\w])/.exec(src.slice(i));
    if (num) {
      out.push({ t: "num", v: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_@$][\w.@$]*/.exec(src.slice(i));
    if (id) {
      out.push({ t: "id", v: id[0] });
      i += id[0].length;
      continue;
    }
    if ("(),:=[]/".includes(c)) {
      out.push({ t: "punct", v: c as "(" });
      i++;
      continue;
    }
    throw new ODataQueryError(`Syntax error: character '${c}' is not valid at position ${i} in '${src}'.`);
  }
  return out;
}

const COMPARE_OPS = new Set(["eq", "ne", "gt", "ge", "lt", "le"]);

class Parser {
  private pos = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly src: string,
  ) {}

  parse(): FilterExpr {
    const e = this.parseOr();
    if (this.pos < this.tokens.length) this.fail();
    return e;
  }

  private fail(): never {
    throw new ODataQueryError(`Syntax error at position ${this.pos} in '${this.src}'.`);
  }
  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }
  private isWord(word: string): boolean {
    const t = this.peek();
    return t?.t === "id" && t.v.toLowerCase() === word;
  }
  private isPunct(p: string): boolean {
    const t = this.peek();
    return t?.t === "punct" && t.v === p;
  }
  private expectPunct(p: string): void {
    if (!this.isPunct(p)) this.fail();
    this.pos++;
  }

  private parseOr(): FilterExpr {
    let left = this.parseAnd();
    while (this.isWord("or")) {
      this.pos++;
      left = { kind: "logical", op: "or", left, right: this.parseAnd() };
    }
    return left;
  }
  private parseAnd(): FilterExpr {
    let left = this.parseUnary();
    while (this.isWord("and")) {
      this.pos++;
      left = { kind: "logical", op: "and", left, right: this.parseUnary() };
    }
    return left;
  }
  private parseUnary(): FilterExpr {
    if (this.isWord("not")) {
      this.pos++;
      return { kind: "not", operand: this.parseUnary() };
    }
    return this.parseComparison();
  }
  private parseComparison(): FilterExpr {
    const left = this.parsePrimary();
    const t = this.peek();
    if (t?.t === "id" && COMPARE_OPS.has(t.v.toLowerCase())) {
      this.pos++;
      const right = this.parsePrimary();
      return { kind: "compare", op: t.v.toLowerCase() as "eq", left, right };
    }
    return left;
  }
  private parsePrimary(): FilterExpr {
    const t = this.peek();
    if (!t) this.fail();
    if (t.t === "punct" && t.v === "(") {
      this.pos++;
      const e = this.parseOr();
      this.expectPunct(")");
      return e;
    }
    if (t.t === "punct" && t.v === "[") return this.parseList();
    if (t.t === "str") {
      this.pos++;
      return { kind: "literal", value: t.v };
    }
    if (t.t === "num") {
      this.pos++;
      return { kind: "literal", value: t.v };
    }
    if (t.t === "guid") {
      this.pos++;
      return { kind: "literal", value: t.v };
    }
    if (t.t === "id") {
      const lower = t.v.toLowerCase();
      if (lower === "null") return this.advanceWith({ kind: "literal", value: null });
      if (lower === "true") return this.advanceWith({ kind: "literal", value: true });
      if (lower === "false") return this.advanceWith({ kind: "literal", value: false });
      this.pos++;
      if (this.isPunct("(")) return this.parseCall(t.v);
      return this.parsePath(t.v);
    }
    this.fail();
  }
  private advanceWith(e: FilterExpr): FilterExpr {
    this.pos++;
    return e;
  }
  private parseList(): FilterExpr {
    this.expectPunct("[");
    const items: FilterExpr[] = [];
    if (!this.isPunct("]")) {
      items.push(this.parsePrimary());
      while (this.isPunct(",")) {
        this.pos++;
        items.push(this.parsePrimary());
      }
    }
    this.expectPunct("]");
    return { kind: "list", items };
  }
  private parseCall(name: string): FilterExpr {
    this.expectPunct("(");
    // Dataverse query functions take named parameters: In(PropertyName='name',PropertyValues=['a','b']).
    const second = this.tokens[this.pos + 1];
    if (this.peek()?.t === "id" && second?.t === "punct" && second.v === "=") {
      const args: Record<string, FilterExpr> = {};
      for (;;) {
        const key = this.peek();
        if (key?.t !== "id") this.fail();
        this.pos++;
        this.expectPunct("=");
        args[key.v.toLowerCase()] = this.parsePrimary();
        if (this.isPunct(",")) {
          this.pos++;
          continue;
        }
        break;
      }
      this.expectPunct(")");
      return { kind: "namedCall", name, args };
    }
    const args: FilterExpr[] = [];
    if (!this.isPunct(")")) {
      args.push(this.parseOr());
      while (this.isPunct(",")) {
        this.pos++;
        args.push(this.parseOr());
      }
    }
    this.expectPunct(")");
    return { kind: "call", name: name.toLowerCase(), args };
  }
  private parsePath(first: string): FilterExpr {
    const path = [first];
    while (this.isPunct("/")) {
      this.pos++;
      const seg = this.peek();
      if (seg?.t !== "id") this.fail();
      this.pos++;
      const lower = seg.v.toLowerCase();
      if ((lower === "any" || lower === "all") && this.isPunct("(")) {
        this.pos++;
        if (this.isPunct(")")) {
          this.pos++;
          return { kind: "lambda", collection: path, quantifier: lower, variable: "", predicate: null };
        }
        const v = this.peek();
        if (v?.t !== "id") this.fail();
        this.pos++;
        this.expectPunct(":");
        const predicate = this.parseOr();
        this.expectPunct(")");
        return { kind: "lambda", collection: path, quantifier: lower, variable: v.v, predicate };
      }
      path.push(seg.v);
    }
    return { kind: "property", path };
  }
}

export function parseFilter(src: string): FilterExpr {
  return new Parser(tokenize(src), src).parse();
}

/** Looks a property up on a record; the caller decides what "unknown property" means for its service. */
export type PropertyResolver = (record: Record<string, unknown>, path: string[]) => unknown;

export type EvaluateOptions = {
  /** Called for every property path outside a lambda variable; throw ODataQueryError for unknown properties. */
  resolve?: PropertyResolver;
};

export function getPropertyCaseInsensitive(record: unknown, name: string): { found: boolean; value: unknown } {
  if (record === null || typeof record !== "object") return { found: false, value: undefined };
  const obj = record as Record<string, unknown>;
  if (name in obj) return { found: true, value: obj[name] };
  const lower = name.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return { found: true, value: obj[k] };
  return { found: false, value: undefined };
}

/** Default resolver: case-insensitive property lookup (Graph and Dataverse both treat names case-insensitively). */
export function strictResolver(typeName: string): PropertyResolver {
  return (record, path) => {
    let cur: unknown = record;
    for (const seg of path) {
      const r = getPropertyCaseInsensitive(cur, seg);
      if (!r.found) {
        if (cur === null) return null;
        throw new ODataQueryError(`Could not find a property named '${seg}' on type '${typeName}'.`);
      }
      cur = r.value;
    }
    return cur;
  };
}

function normalise(v: unknown): unknown {
  // Directory and Dataverse string comparisons are case-insensitive (and GUIDs are compared case-insensitively too).
  return typeof v === "string" ? v.toLowerCase() : v;
}

function compare(op: string, a: unknown, b: unknown): boolean {
  const x = normalise(a);
  const y = normalise(b);
  switch (op) {
    case "eq":
      return (x ?? null) === (y ?? null);
    case "ne":
      return (x ?? null) !== (y ?? null);
  }
  if (x === null || x === undefined || y === null || y === undefined) return false;
  const xs = x as number | string;
  const ys = y as number | string;
  switch (op) {
    case "gt":
      return xs > ys;
    case "ge":
      return xs >= ys;
    case "lt":
      return xs < ys;
    case "le":
      return xs <= ys;
  }
  return false;
}

export function evaluateFilter(expr: FilterExpr, record: Record<string, unknown>, options: EvaluateOptions = {}): boolean {
  const resolve = options.resolve ?? strictResolver("entity");
  const evalValue = (e: FilterExpr, scope: Map<string, unknown>): unknown => {
    switch (e.kind) {
      case "literal":
        return e.value;
      case "list":
        return e.items.map((i) => evalValue(i, scope));
      case "property": {
        const [head, ...rest] = e.path;
        if (scope.has(head)) {
          let cur = scope.get(head);
          for (const seg of rest) cur = getPropertyCaseInsensitive(cur, seg).value;
          return cur;
        }
        return resolve(record, e.path);
      }
      case "compare":
        return compare(e.op, evalValue(e.left, scope), evalValue(e.right, scope));
      case "logical":
        return e.op === "and"
          ? Boolean(evalValue(e.left, scope)) && Boolean(evalValue(e.right, scope))
          : Boolean(evalValue(e.left, scope)) || Boolean(evalValue(e.right, scope));
      case "not":
        return !evalValue(e.operand, scope);
      case "lambda": {
        const coll = resolve(record, e.collection);
        const items = Array.isArray(coll) ? coll : [];
        if (!e.predicate) return e.quantifier === "any" ? items.length > 0 : true;
        const test = (item: unknown) => Boolean(evalValue(e.predicate!, new Map(scope).set(e.variable, item)));
        return e.quantifier === "any" ? items.some(test) : items.every(test);
      }
      case "call": {
        const args = e.args.map((a) => evalValue(a, scope));
        const [a, b] = args.map((v) => (typeof v === "string" ? v.toLowerCase() : v));
        switch (e.name) {
          case "startswith":
            return typeof a === "string" && typeof b === "string" && a.startsWith(b);
          case "endswith":
            return typeof a === "string" && typeof b === "string" && a.endsWith(b);
          case "contains":
            return typeof a === "string" && typeof b === "string" && a.includes(b);
          case "tolower":
            return typeof args[0] === "string" ? args[0].toLowerCase() : args[0];
          case "toupper":
            return typeof args[0] === "string" ? args[0].toUpperCase() : args[0];
        }
        throw new ODataQueryError(`An unknown function with name '${e.name}' was found.`);
      }
      case "namedCall": {
        const name = e.name.replace(/^Microsoft\.Dynamics\.CRM\./i, "").toLowerCase();
        const prop = e.args["propertyname"];
        if (!prop || prop.kind !== "literal" || typeof prop.value !== "string") {
          throw new ODataQueryError(`The function '${e.name}' requires a PropertyName parameter.`);
        }
        const value = resolve(record, [prop.value]);
        if (name === "in" || name === "notin") {
          const list = e.args["propertyvalues"] ? evalValue(e.args["propertyvalues"], scope) : [];
          const hit = Array.isArray(list) && list.some((v) => compare("eq", value, v));
          return name === "in" ? hit : !hit;
        }
        if (name === "null") return value === null || value === undefined;
        if (name === "notnull") return value !== null && value !== undefined;
        if (name === "equal" || name === "notequal") {
          const v = e.args["propertyvalue"] ? evalValue(e.args["propertyvalue"], scope) : null;
          return name === "equal" ? compare("eq", value, v) : !compare("eq", value, v);
        }
        throw new ODataQueryError(`An unknown function with name '${e.name}' was found.`);
      }
    }
  };
  return Boolean(evalValue(expr, new Map()));
}

/** `$select=a,b` → ["a","b"]; absent → null (meaning "the default property set"). */
export function parseSelect(raw: string | null): string[] | null {
  if (raw === null) return null;
  const items = raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length ? items : null;
}

/** Keeps only the selected keys (matched case-insensitively), plus OData annotations such as `@odata.etag`. */
export function applySelect<T extends Record<string, unknown>>(
  record: T,
  select: string[] | null,
  alwaysKeep: string[] = [],
): Record<string, unknown> {
  if (!select) return record;
  const wanted = new Set([...select, ...alwaysKeep].map((s) => s.toLowerCase()));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) {
    if (k.startsWith("@") || wanted.has(k.toLowerCase())) out[k] = v;
  }
  return out;
}

export type ExpandItem = { property: string; select: string[] | null; filter: string | null; top: number | null };

/** `$expand=nav($select=a,b;$filter=...),other` → items. Nested `$expand` is not supported. */
export function parseExpand(raw: string | null): ExpandItem[] {
  if (!raw) return [];
  const items: ExpandItem[] = [];
  let depth = 0;
  let start = 0;
  const parts: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === "(") depth++;
    else if (raw[i] === ")") depth--;
    else if (raw[i] === "," && depth === 0) {
      parts.push(raw.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(raw.slice(start));
  for (const part of parts.map((p) => p.trim()).filter(Boolean)) {
    const m = /^([\w.]+)(?:\((.*)\))?$/.exec(part);
    if (!m) throw new ODataQueryError(`Syntax error in $expand '${raw}'.`);
    const item: ExpandItem = { property: m[1], select: null, filter: null, top: null };
    for (const opt of (m[2] ?? "").split(";").filter(Boolean)) {
      const eq = opt.indexOf("=");
      const key = opt.slice(0, eq).trim().toLowerCase();
      const value = opt.slice(eq + 1);
      if (key === "$select") item.select = parseSelect(value);
      else if (key === "$filter") item.filter = value;
      else if (key === "$top") item.top = parseTop(value);
      else throw new ODataQueryError(`The query option '${key}' is not supported inside $expand.`);
    }
    items.push(item);
  }
  return items;
}

export function parseTop(raw: string | null): number | null {
  if (raw === null) return null;
  if (!/^\d+$/.test(raw.trim())) throw new ODataQueryError(`Invalid value '${raw}' for $top query option found.`);
  return Number(raw.trim());
}

/**
 * Reads a system query option. Clients may send `$filter` or (rarely) `filter`; OData allows dropping the `$`.
 */
export function queryOption(url: URL, name: string): string | null {
  return url.searchParams.get(`$${name}`) ?? url.searchParams.get(name);
}
