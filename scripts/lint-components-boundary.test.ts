/**
 * Shared UI never reaches up into routes, as ESLint enforces it: components/ may not import app/ (by alias or by a
 * relative path), and still may not import the sandbox or test support; app/ may import components/.
 */
import { describe, expect, it } from "vitest";
import { lintMessages } from "@/test/support/lint-probe";

const ROUTE_IMPORTS = [
  'import type { FormState } from "@/app/connect/[connectionId]/actions";',
  'import { SignOutButton } from "@/app/auth/sign-out-button";',
  'import { SignInNotice } from "../../app/auth/sign-in-notice";',
  'import RootLayout from "@/app/layout";',
  "export const used = [SignOutButton, SignInNotice, RootLayout];",
  "export type Used = FormState;",
  "",
].join("\n");

const SHARED_IMPORTS = [
  'import { Button } from "@/components/ui/button";',
  'import { fieldErrorsOf } from "@/lib/core/forms";',
  'import { JourneyFrame } from "./journey-frame";',
  "export const used = [Button, fieldErrorsOf, JourneyFrame];",
  "",
].join("\n");

function restrictedImports(source: string, filePath: string): Promise<string[]> {
  return lintMessages(source, filePath);
}

describe("the components boundary", () => {
  it.each(["components/connect/probe.tsx", "components/ui/probe.ts"])(
    "%s may not import app/",
    async (file) => {
      const messages = await restrictedImports(ROUTE_IMPORTS, file);
      expect(messages).toHaveLength(4);
      expect(messages.every((m) => m.includes("components/ must not import app/"))).toBe(true);
    },
    60_000,
  );

  it("components/ still may not import the sandbox or test support", async () => {
    const source = 'import { buildScenario } from "@/emulator/scenarios";\nexport const used = buildScenario;\n';
    expect(await restrictedImports(source, "components/connect/probe.tsx")).toHaveLength(1);
  }, 60_000);

  it.each([
    ["components/connect/probe.tsx", SHARED_IMPORTS],
    ["app/connect/probe.tsx", ROUTE_IMPORTS],
    ["app/connect/probe.tsx", SHARED_IMPORTS],
  ])(
    "%s may import what it does",
    async (file, source) => {
      expect(await restrictedImports(source, file)).toEqual([]);
    },
    60_000,
  );
});
