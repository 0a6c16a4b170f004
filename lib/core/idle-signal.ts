/**
 * "Resolve when nothing is left": promises handed out by `wait()` resolve at the first `settle()` (or `wait()`) that
 * finds `isIdle()` true. Pools and schedulers call `settle()` whenever work ends.
 */
export function createIdleSignal(isIdle: () => boolean): { wait: () => Promise<void>; settle: () => void } {
  let waiters: (() => void)[] = [];
  const settle = () => {
    if (!isIdle() || waiters.length === 0) return;
    const done = waiters;
    waiters = [];
    for (const resolve of done) resolve();
  };
  return {
    wait: () =>
      new Promise<void>((resolve) => {
        waiters.push(resolve);
        settle();
      }),
    settle,
  };
}
