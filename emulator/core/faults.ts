/**
 * Fault injection (state.faults): a fault matches by service, method and path, and each match counts down
 * `remaining`; at zero the fault is gone. Paths match by prefix (or `^regex`) against the full request path
 * (`/graph/v1.0/applications`) or the path inside the service (`/v1.0/applications`,
 * `/api/data/v9.2/systemusers`), so tests can write either.
 */
import type { ServiceName } from "./http";
import type { Fault } from "./state";
import { getState } from "./store";

/** The path inside a service: without `/graph`, `/globaldisco` or `/dynamics/{urlName}`. */
function servicePath(service: ServiceName, path: string): string {
  switch (service) {
    case "graph":
      return path.replace(/^\/graph(?=\/|$)/, "") || "/";
    case "discovery":
      return path.replace(/^\/globaldisco(?=\/|$)/, "") || "/";
    case "dataverse":
      return path.replace(/^\/dynamics\/[^/]+/, "") || "/";
    case "control":
      return path.replace(/^\/__emulator(?=\/|$)/, "") || "/";
    default:
      return path;
  }
}

function pathMatches(pattern: string, path: string, inner: string): boolean {
  if (pattern === "" || pattern === "*") return true;
  if (pattern.startsWith("^")) {
    try {
      const re = new RegExp(pattern);
      return re.test(path) || re.test(inner);
    } catch {
      return false;
    }
  }
  return path.startsWith(pattern) || inner.startsWith(pattern);
}

/** Faults applying to this request, consumed (countdown) in the order they were added. */
export function takeFaults(service: ServiceName, method: string, path: string): Fault[] {
  if (service === "control") return [];
  const state = getState();
  const inner = servicePath(service, path);
  const hits = state.faults.filter(
    (f) =>
      (f.service === "*" || f.service === service) &&
      (f.method === "*" || f.method.toUpperCase() === method.toUpperCase()) &&
      pathMatches(f.path, path, inner),
  );
  for (const f of hits) if (f.remaining !== null) f.remaining -= 1;
  state.faults = state.faults.filter((f) => f.remaining === null || f.remaining > 0);
  return hits;
}
