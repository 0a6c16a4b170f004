/** Counts the Microsoft calls this process makes and the 429s among them, until `stop`. */
import { setCallRecorder } from "../lib/microsoft/http";

export function countMicrosoftCalls(): { readonly calls: number; readonly throttled: number; stop: () => void } {
  const counts = { calls: 0, throttled: 0, stop: () => setCallRecorder(undefined) };
  setCallRecorder({
    onCall: (c) => {
      counts.calls += 1;
      if (c.status === 429) counts.throttled += 1;
    },
  });
  return counts;
}
