/**
 * Vitest fixture: one in-process sandbox per test file on a free port (each vitest file runs in its own worker, so
 * files never share state), reset to the default scenario before every test. Needs NODE_EXTRA_CA_CERTS pointing at
 * the sandbox CA bundle from process start, as `npm test` arranges.
 */
import { afterAll, beforeAll, beforeEach } from "vitest";
import { startSandbox, type RunningSandbox } from "../core/server";
import { createSandboxClient, type SandboxClient } from "../client";

export type SandboxFixture = { origin: string; host: string; control: SandboxClient; sandbox: RunningSandbox };

export function useSandbox(): SandboxFixture {
  const fixture = {} as SandboxFixture;
  beforeAll(async () => {
    if (!process.env.NODE_EXTRA_CA_CERTS?.endsWith("ca-bundle.pem")) {
      throw new Error("Run with NODE_EXTRA_CA_CERTS=$(npx tsx emulator/cli.ts certs): Node reads it only at start-up.");
    }
    fixture.sandbox = await startSandbox({ port: 0 });
    fixture.origin = fixture.sandbox.origin;
    fixture.host = new URL(fixture.origin).host;
    fixture.control = createSandboxClient(fixture.origin);
  });
  beforeEach(async () => {
    await fixture.control.reset({ scenario: "default" });
  });
  afterAll(async () => {
    await fixture.sandbox?.close();
  });
  return fixture;
}

/** Decodes a JWT's payload without verifying it (tests check claims; signatures are checked separately). */
export function decodeJwt(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8")) as Record<string, unknown>;
}

/** Posts a form to the sandbox's token endpoint and returns status + JSON, as a raw OAuth client would. */
export async function postToken(origin: string, tenant: string, form: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(`${origin}/${tenant}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}
