/**
 * The bench's arithmetic, pure: from the recorded Microsoft calls (start, end), the longest chain of calls that ran
 * one after another (each began after the previous ended) — the critical path a perfectly parallel client could not
 * shorten — and the lower bound it implies at a given per-call latency.
 */
export type TimedCall = { startMs: number; endMs: number; label: string };

export function criticalPath(calls: TimedCall[]): TimedCall[] {
  const sorted = [...calls].sort((a, b) => a.endMs - b.endMs);
  const best: { length: number; prev: number }[] = [];
  for (let i = 0; i < sorted.length; i++) {
    best[i] = { length: 1, prev: -1 };
    for (let j = 0; j < i; j++) {
      if (sorted[j].endMs <= sorted[i].startMs && best[j].length + 1 > best[i].length) best[i] = { length: best[j].length + 1, prev: j };
    }
  }
  let end = -1;
  for (let i = 0; i < sorted.length; i++) if (end < 0 || best[i].length > best[end].length) end = i;
  const chain: TimedCall[] = [];
  for (let i = end; i >= 0; i = best[i].prev) chain.unshift(sorted[i]);
  return chain;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
