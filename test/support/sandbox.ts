/**
 * The one Vitest fixture for the Microsoft sandbox: a sandbox in this process on a free port for the test file (each
 * file runs in its own worker, so files never share state), reset before every test to the file's scenario — or, within
 * a describe block, to the one `fixture.scenario` is switched to. Every group of tests builds on it: the sandbox's own
 * contract tests, lib/'s integration tests (microsoft-sandbox.ts) and the engine's scenario matrix (engine-scenarios.ts).
 * Needs NODE_EXTRA_CA_CERTS pointing at the sandbox CA bundle from process start, as `npm test` arranges.
 */
import { afterAll, beforeAll, beforeEach } from "vitest";
import { createSandboxClient, type SandboxClient } from "@/emulator/client";
import { startSandbox, type RunningSandbox } from "@/emulator/core/server";
import type { SandboxState } from "@/emulator/core/state";

export type SandboxFixture = {
  origin: string;
  host: string;
  control: SandboxClient;
  sandbox: RunningSandbox;
  /** The world each test starts from; undefined: the sandbox's own default scenario. */
  scenario?: () => SandboxState;
};

/** Starts a sandbox for the test file and resets it to `scenario` (default: the sandbox's default scenario) before each test. */
export function useSandbox(options: { scenario?: () => SandboxState } = {}): SandboxFixture {
  const fixture = { scenario: options.scenario } as SandboxFixture;
  beforeAll(async () => {
    if (!process.env.NODE_EXTRA_CA_CERTS?.endsWith("ca-bundle.pem")) {
      throw new Error("Run with NODE_EXTRA_CA_CERTS=$PWD/.data/sandbox/ca-bundle.pem: Node reads it only at start-up.");
    }
    fixture.sandbox = await startSandbox({ port: 0 });
    fixture.origin = fixture.sandbox.origin;
    fixture.host = new URL(fixture.origin).host;
    fixture.control = createSandboxClient(fixture.origin);
  });
  beforeEach(async () => {
    await fixture.control.reset(fixture.scenario ? { state: fixture.scenario() } : { scenario: "default" });
  });
  afterAll(async () => {
    await fixture.sandbox?.close();
  });
  return fixture;
}
