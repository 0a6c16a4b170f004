/**
 * Holds the one `SandboxState`. Everything is in memory: the sandbox is a rehearsal space, and the control API
 * resets it to a scenario. Handlers mutate the object returned by `getState()` directly (single-threaded Node).
 */
import { randomUUID } from "node:crypto";
import type { SandboxState } from "./state";
import { sandboxDate } from "./clock";

let current: SandboxState | undefined;

export function getState(): SandboxState {
  if (!current) throw new Error("sandbox state not initialised: call replaceState() with a scenario first");
  return current;
}

export function replaceState(next: SandboxState): void {
  current = next;
}

/** True while a just-created directory object should still look absent to reads other than its create response. */
export function isStillReplicating(createdDateTime: string, now: Date = sandboxDate()): boolean {
  const lag = scaledLagMs(getState().settings.replicationLagMs);
  return lag > 0 && now.getTime() - Date.parse(createdDateTime) < lag;
}

/** A configured lag at the sandbox's rehearsal speed (`settings.lagScale`, 1 by default). */
export function scaledLagMs(lagMs: number): number {
  return Math.round(lagMs * (getState().settings.lagScale ?? 1));
}

export function newGuid(): string {
  return randomUUID();
}

/** A message Microsoft's documentation does not confirm: descriptive by default, neutral in the `realistic` scenario. */
export function unconfirmed(descriptive: string): string {
  return getState().settings.unconfirmedWording === "neutral"
    ? "The request could not be processed. (Sandbox: wording not confirmed by Microsoft's documentation.)"
    : descriptive;
}
