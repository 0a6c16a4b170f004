/**
 * Dataverse's service protection API limits, per user (each application user apart) and per environment, as
 * Microsoft documents them: within a 300 s sliding window at most 6,000 requests and 1,200,000 ms of combined
 * execution time, and at most 52 requests at once. Over a limit every request of that user answers 429 with
 * `Retry-After` (seconds until the window has room again) and the limit's code and message (0x80072322 requests,
 * 0x80072321 execution time, 0x80072326 concurrent requests), until the volume falls below it. Refused requests do no
 * work, so they are not counted. Limits come from `settings.serviceProtection` (tests set small ones).
 *
 * Execution time is the time from the request's arrival to its answer, latency faults included: a slow Dataverse
 * is what spends it.
 */
import type { EmuRequest, EmuResponse } from "../core/http";
import type { Environment, SandboxState, ServiceProtectionLimits, SystemUser } from "../core/state";
import { getState } from "../core/store";
import { dvError } from "./responses";

const DEFAULT_SERVICE_PROTECTION: ServiceProtectionLimits = { requests: 6000, executionMs: 1_200_000, concurrent: 52, windowSeconds: 300 };

type Entry = { at: number; ms: number };
type Usage = { entries: Entry[]; inFlight: number };

/** Usage per state: a reset (a new state object) starts every user afresh. */
const usageByState = new WeakMap<SandboxState, Map<string, Usage>>();

function usageOf(env: Environment, user: SystemUser): Usage {
  const state = getState();
  let byUser = usageByState.get(state);
  if (!byUser) usageByState.set(state, (byUser = new Map()));
  const key = `${env.id}/${user.systemuserid}`;
  let usage = byUser.get(key);
  if (!usage) byUser.set(key, (usage = { entries: [], inFlight: 0 }));
  return usage;
}

function limitsNow(): ServiceProtectionLimits {
  return { ...DEFAULT_SERVICE_PROTECTION, ...getState().settings.serviceProtection };
}

const thousands = (n: number) => n.toLocaleString("en-US");

function refuse(req: EmuRequest, code: string, message: string, retryAfterMs: number): EmuResponse {
  return dvError(req, 429, code, message, { "retry-after": String(Math.max(1, Math.ceil(retryAfterMs / 1000))) });
}

/** When the oldest entries have left the window far enough for `fits(rest)` to hold. */
function roomAt(entries: Entry[], windowMs: number, fits: (rest: Entry[]) => boolean): number {
  for (let i = 0; i < entries.length; i++) if (fits(entries.slice(i + 1))) return entries[i].at + windowMs;
  return Date.now();
}

export type Admitted = { refused: null; remaining: number; finish: () => void };

/** Admits a request of `user` (recording it) or answers the 429 Dataverse would. Call `finish` once it is answered. */
export function admitRequest(req: EmuRequest, env: Environment, user: SystemUser): { refused: EmuResponse } | Admitted {
  const limits = limitsNow();
  const windowMs = limits.windowSeconds * 1000;
  const now = Date.now();
  const usage = usageOf(env, user);
  usage.entries = usage.entries.filter((e) => e.at > now - windowMs);
  const { entries } = usage;
  const window = `over time window of ${limits.windowSeconds} seconds`;
  if (usage.inFlight >= limits.concurrent) {
    return { refused: refuse(req, "0x80072326", `Number of concurrent requests exceeded the limit of ${limits.concurrent}.`, 1000) };
  }
  if (entries.length >= limits.requests) {
    const at = roomAt(entries, windowMs, (rest) => rest.length < limits.requests);
    return { refused: refuse(req, "0x80072322", `Number of requests exceeded the limit of ${limits.requests} ${window}.`, at - now) };
  }
  const executed = (list: Entry[]) => list.reduce((sum, e) => sum + e.ms, 0);
  if (executed(entries) > limits.executionMs) {
    const at = roomAt(entries, windowMs, (rest) => executed(rest) <= limits.executionMs);
    return {
      refused: refuse(
        req,
        "0x80072321",
        `Combined execution time of incoming requests exceeded limit of ${thousands(limits.executionMs)} milliseconds ${window}. Decrease number of concurrent requests or reduce the duration of requests and try again later.`,
        at - now,
      ),
    };
  }
  const entry: Entry = { at: now, ms: 0 };
  entries.push(entry);
  usage.inFlight += 1;
  let finished = false;
  return {
    refused: null,
    remaining: limits.requests - entries.length,
    finish: () => {
      if (finished) return;
      finished = true;
      usage.inFlight -= 1;
      entry.ms = Date.now() - req.receivedAt.getTime();
    },
  };
}
