/**
 * Test support for the lint-rule tests: lints a made-up source as if it stood at a path in this project (the real
 * eslint.config.mjs applies, with its per-folder rules) and returns the messages of one rule.
 */
import { join } from "node:path";
import { ESLint } from "eslint";

const root = join(import.meta.dirname, "..", "..");
let eslint: ESLint | undefined;

export async function lintMessages(
  source: string,
  filePath: string,
  rule: "no-restricted-imports" | "no-restricted-syntax" = "no-restricted-imports",
): Promise<string[]> {
  eslint ??= new ESLint({ cwd: root });
  const [result] = await eslint.lintText(source, { filePath: join(root, filePath) });
  return result.messages.filter((m) => m.ruleId === rule).map((m) => m.message);
}
