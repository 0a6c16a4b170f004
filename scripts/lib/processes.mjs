// Child-process supervision for the long-running commands: stop everything together, on Ctrl-C or when one dies.
import { createServer } from "node:net";

export function supervise(children) {
  let stopping = false;
  const stop = (code) => {
    if (stopping) return;
    stopping = true;
    for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
    setTimeout(() => process.exit(code), 1500).unref();
  };
  process.on("SIGINT", () => stop(0));
  process.on("SIGTERM", () => stop(0));
  for (const child of children) {
    child.on("exit", (code, signal) => {
      if (!stopping) {
        console.error(`\n${child.spawnargs.slice(0, 2).join(" ")} stopped (${signal ?? `exit ${code}`}); stopping the rest.`);
        stop(code || 1);
      }
    });
  }
  return new Promise(() => {});
}

/** Resolves false when something already listens on the port, so we can say so instead of crashing later. */
export function isPortFree(port, host = "127.0.0.1") {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}
