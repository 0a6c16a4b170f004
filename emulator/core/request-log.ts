/**
 * A short log of the requests the services received (not the control API): time, service, method, path without the
 * query string, status, and whether credentials were presented — never their value, never a body. Tests use it to
 * prove that a client sent nothing with credentials after a refusal. Cleared on every reset; keeps the last 2,000.
 */
import type { ServiceName } from "./http";

export type LoggedRequest = { at: string; service: ServiceName; method: string; path: string; status: number; authorization: boolean };

const MAX = 2_000;
let entries: LoggedRequest[] = [];

export function logRequest(entry: LoggedRequest): void {
  entries.push(entry);
  if (entries.length > MAX) entries = entries.slice(-MAX);
}

export function requestsSince(since: Date | null): LoggedRequest[] {
  return since ? entries.filter((e) => Date.parse(e.at) >= since.getTime()) : [...entries];
}

export function clearRequestLog(): void {
  entries = [];
}
