// ESLint: Next's core-web-vitals and TypeScript configs (typescript-eslint's recommended rules come with the latter),
// plus the project's own boundaries: product code never imports the Microsoft sandbox or test support, and components/
// never imports app/.
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

// Product code never imports the Microsoft sandbox or test support.
const SANDBOX_AND_TEST_SUPPORT = {
  group: ["@/emulator", "@/emulator/**", "**/emulator", "**/emulator/**", "@/test", "@/test/**", "**/test/support", "**/test/support/**"],
  message: "Product code must not import the Microsoft sandbox (emulator/) or test support (test/); only tests may.",
};

// Shared UI never reaches up into routes: what a component needs from app/ moves to components/ or lib/.
const ROUTES = {
  group: ["@/app", "@/app/**", "**/app", "**/app/**"],
  message: "components/ must not import app/ (routes); move what both need into components/ or lib/.",
};

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
      "no-restricted-imports": ["error", { patterns: [SANDBOX_AND_TEST_SUPPORT] }],
    },
  },
  {
    // components/ also never imports app/ (a later entry replaces the rule, so it repeats the sandbox boundary).
    files: ["components/**/*.{ts,tsx}"],
    ignores: ["**/*.test.ts", "**/*.test.tsx"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [SANDBOX_AND_TEST_SUPPORT, ROUTES] }],
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
