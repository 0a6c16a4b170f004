/**
 * When a connection's next health probe is due. Pure, so the spreading and the backoff are unit-tested.
 *
 * Each connection has a fixed phase within the probe interval, taken from a hash of its id: a healthy connection is
 * probed at its phase once per interval, so 10,000 connections made Active in one afternoon (or all probed at once
 * after an outage) are spread evenly over the interval from their next probe on, instead of bursting at Microsoft every
 * six hours. Dataverse's service-protection limits are shared with Act-On's own sync, which is why spreading matters.
 * A degraded connection is probed again sooner, with backoff, so a blip clears (or is confirmed) quickly.
 */
import type { HealthState } from "./health-machine";

/** A degraded connection's first re-probe comes after this long, doubling with each failure, at most one interval. */
export const DEGRADED_RETRY_BASE_MS = 5 * 60_000;

/** FNV-1a over the id: a stable, well-spread 32-bit number per connection. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The connection's phase within the interval, in ms from the epoch modulo the interval. */
export function probePhaseMs(connectionId: string, intervalMs: number): number {
  return hash32(connectionId) % Math.max(1, Math.floor(intervalMs));
}

/** The first instant at or after `notBefore` that falls on the connection's phase. */
function nextPhaseAt(connectionId: string, intervalMs: number, notBefore: Date): Date {
  const phase = probePhaseMs(connectionId, intervalMs);
  const t = notBefore.getTime();
  const cycles = Math.ceil((t - phase) / intervalMs);
  return new Date(cycles * intervalMs + phase);
}

/**
 * The first probe of a connection that has none scheduled: its next phase from now, so at most one interval away and
 * spread like the others (a connection that just became Active was verified a moment ago).
 */
export function firstProbeAt(connectionId: string, now: Date, intervalMs: number): Date {
  return nextPhaseAt(connectionId, intervalMs, now);
}

/**
 * The probe after one that ended in `state` (after `failures` failed probes in a row) at `at`. Healthy and failing
 * connections come back at their phase, at least half an interval on, so a connection probed early (from the command
 * line, or when it was degraded) falls back into its place; a degraded one after 5, 10, 20… minutes, capped at the
 * interval, with a per-connection jitter of up to a quarter so a blip that degraded many at once does not re-probe
 * them all in the same second.
 */
export function nextProbeAt(input: { connectionId: string; state: HealthState; failures: number; at: Date; intervalMs: number }): Date {
  const { connectionId, state, failures, at, intervalMs } = input;
  if (state === "degraded") {
    const backoff = Math.min(intervalMs, DEGRADED_RETRY_BASE_MS * 2 ** Math.max(0, Math.min(failures - 1, 20)));
    const jitter = (hash32(`${connectionId}:${failures}`) / 0xffffffff) * 0.25;
    return new Date(at.getTime() + Math.round(backoff * (1 + jitter)));
  }
  return nextPhaseAt(connectionId, intervalMs, new Date(at.getTime() + intervalMs / 2));
}
