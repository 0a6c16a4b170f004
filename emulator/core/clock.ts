/**
 * The one place the sandbox reads "now": the machine's clock plus an offset kept in the sandbox's state, moved forward
 * through the control API (`POST /__emulator/clock`) so a test can rehearse expiry and rotation without waiting.
 * A rehearsal knob, not a trait of Microsoft: scenarios never set it, and a reset starts again at zero.
 */
import { getState } from "./store";

/** Milliseconds since the epoch, on the sandbox's clock. */
export function sandboxNow(): number {
  return Date.now() + (getState().clockOffsetMs ?? 0);
}

/** The sandbox's clock as a Date. */
export function sandboxDate(): Date {
  return new Date(sandboxNow());
}

/** Moves the sandbox's clock forward (never back: Microsoft's clock does not run backwards) and returns the new offset. */
export function advanceSandboxClock(byMs: number): number {
  if (!Number.isFinite(byMs) || byMs < 0) throw new Error("the sandbox clock only moves forward");
  const state = getState();
  state.clockOffsetMs = (state.clockOffsetMs ?? 0) + byMs;
  return state.clockOffsetMs;
}
