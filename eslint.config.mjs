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
