// ESLint: Next's core-web-vitals and TypeScript configs (typescript-eslint's recommended rules come with the latter),
// plus the project's own boundary: product code never imports the Microsoft sandbox or test support.
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

const config = [
  ...nextVitals,
  ...nextTs,
  {
    ignores: [".next/**", "node_modules/**", "generated/**", ".data/**", "test-results/**", "playwright-report/**", "next-env.d.ts"],
  },
  {
    // Vitest fixtures named use… (useTestDatabase, useMicrosoftSandbox) are not React hooks.
    files: ["**/*.test.ts", "e2e/**/*.ts", "**/testing/**/*.ts", "test/**/*.ts"],
    rules: { "react-hooks/rules-of-hooks": "off" },
  },
  {
    // Product code (app, components, lib, scripts, instrumentation) never imports the Microsoft sandbox or test
    // support; only tests (and bench/, e2e/) may.
    files: ["app/**/*.{ts,tsx,js,mjs}", "components/**/*.{ts,tsx}", "lib/**/*.{ts,tsx}", "scripts/**/*.{ts,mjs,js}", "instrumentation.ts"],
    ignores: ["**/*.test.ts", "**/*.test.tsx"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["@/emulator", "@/emulator/**", "**/emulator", "**/emulator/**", "@/test", "@/test/**", "**/test/support", "**/test/support/**"],
              message: "Product code must not import the Microsoft sandbox (emulator/) or test support (test/); only tests may.",
            },
          ],
        },
      ],
    },
  },
  {
    // next.config.js stays CommonJS (Next loads it without a package-wide "type": "module").
    files: ["next.config.js"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_" }],
    },
  },
];

export default config;
