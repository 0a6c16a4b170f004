/**
 * Sandbox command line. `certs` creates the CA and server certificate if needed and prints the CA bundle path, without
 * starting anything; the test runner calls it before spawning vitest/next so NODE_EXTRA_CA_CERTS can point at the
 * bundle from process start (Node reads that variable only then).
 *
 *   tsx emulator/cli.ts certs            → /…/.data/sandbox/ca-bundle.pem
 *   tsx emulator/cli.ts certs --json     → all paths and the CA's SPKI hash as JSON
 *   tsx emulator/cli.ts start            → same as emulator/main.ts
 */
import { ensureSandboxCertificates, defaultDataDir } from "./core/tls";

const [command, ...args] = process.argv.slice(2);

if (command === "certs") {
  const paths = ensureSandboxCertificates(defaultDataDir());
  console.log(args.includes("--json") ? JSON.stringify(paths, null, 2) : paths.caBundle);
} else if (command === "start") {
  void import("./main");
} else {
  console.error("usage: tsx emulator/cli.ts <certs [--json] | start>");
  process.exit(2);
}
