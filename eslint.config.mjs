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

// lib/core is what everything else stands on: it imports nothing from the rest of lib/, components/ or app/. By alias
// only @/lib/core/… is allowed; a relative import may not climb out of lib/core (one level less at its top).
const ABOVE_CORE_MESSAGE = "lib/core imports nothing above it (the rest of lib/, components/, app/): move what it needs into lib/core.";
const ABOVE_CORE_BY_ALIAS = { regex: "^@/(app|components|lib/(?!core/))", message: ABOVE_CORE_MESSAGE };
const OUT_OF_CORE_TOP = { regex: "^\\.\\./", message: ABOVE_CORE_MESSAGE };
const OUT_OF_CORE_NESTED = { regex: "^\\.\\./\\.\\./", message: ABOVE_CORE_MESSAGE };

// One writer per table: Prisma writes to these tables happen only inside their owner's folder (lib/domain/<owner>/),
// so a status, a secret or a run cannot move except through its owner's commands. Tests and fixtures seed freely.
const TABLE_OWNERS = {
  connection: "lib/domain/connection",
  healthProbe: "lib/domain/connection",
  secret: "lib/domain/secret",
  provisioningRun: "lib/domain/run",
  provisioningStep: "lib/domain/run",
};
// Routes reach the product through its use-case layers (lib/connect for app/connect, lib/api, lib/support, views) and
// core/ui, never around them: not the engine (lib/provisioning), Microsoft's clients (lib/microsoft), the domain
// owners' writes, nor the old application layers (lib/journey, lib/paths, folded into lib/connect). The domain's pure
// vocabulary (lifecycle predicates, status words, view types, webhook event types) stays readable.
const USE_CASE_MESSAGE =
  "app/ goes through a use-case layer (lib/connect, lib/api, lib/support, views), never the engine, Microsoft's clients or the domain's writes.";
const USE_CASE_LAYERS = [
  {
    group: ["@/lib/microsoft", "@/lib/microsoft/**", "@/lib/journey", "@/lib/journey/**", "@/lib/paths", "@/lib/paths/**"],
    message: USE_CASE_MESSAGE,
  },
  { regex: "^\\.{1,2}/(.*/)?lib/(provisioning|microsoft|domain|journey|paths)(/|$)", message: USE_CASE_MESSAGE },
  { regex: "^@/lib/provisioning(/.*)?$", message: USE_CASE_MESSAGE },
  {
    regex: "^@/lib/domain(/(?!run/machine$|run/run-view$|connection/status$|connection/health-machine$|webhook-outbox/webhook-events$).*)?$",
    message: USE_CASE_MESSAGE,
  },
];

const WRITE_METHODS = "create|createMany|createManyAndReturn|update|updateMany|updateManyAndReturn|upsert|delete|deleteMany";
const PRODUCT_FILES = [
  "app/**/*.{ts,tsx,js,mjs}",
  "components/**/*.{ts,tsx}",
  "lib/**/*.{ts,tsx}",
  "scripts/**/*.{ts,mjs,js}",
  "instrumentation.ts",
  "proxy.ts",
];
const TEST_FILES = ["**/*.test.ts", "**/*.test.tsx"];

function tableWriteRules(tables, { rawSql }) {
  const selectors = tables.map((table) => ({
    selector: `CallExpression[callee.type='MemberExpression'][callee.property.name=/^(${WRITE_METHODS})$/][callee.object.type='MemberExpression'][callee.object.property.name='${table}']`,
    message: `Only ${TABLE_OWNERS[table]}/ writes the ${table} table: call its command instead.`,
  }));
  if (rawSql) {
    const message = "Raw SQL writes belong to the owner of the table (lib/domain/<owner>/).";
    selectors.push(
      { selector: "CallExpression[callee.property.name=/^\\$executeRaw/]", message },
      { selector: "TaggedTemplateExpression[tag.property.name=/^\\$executeRaw/]", message },
    );
  }
  return { "no-restricted-syntax": ["error", ...selectors] };
}

const ALL_TABLES = Object.keys(TABLE_OWNERS);
const OWNER_FOLDERS = [...new Set(Object.values(TABLE_OWNERS))];
const tableOwnerBlocks = [
  { files: PRODUCT_FILES, ignores: [...TEST_FILES, "lib/domain/**"], rules: tableWriteRules(ALL_TABLES, { rawSql: true }) },
  // Inside lib/domain, each owner writes its own tables only (session, account, audit, outbox own none of these).
  {
    files: ["lib/domain/**/*.{ts,tsx}"],
    ignores: [...TEST_FILES, ...OWNER_FOLDERS.map((folder) => `${folder}/**`)],
    rules: tableWriteRules(ALL_TABLES, { rawSql: false }),
  },
  ...OWNER_FOLDERS.map((folder) => ({
    files: [`${folder}/**/*.{ts,tsx}`],
    ignores: TEST_FILES,
    rules: tableWriteRules(
      ALL_TABLES.filter((table) => TABLE_OWNERS[table] !== folder),
      { rawSql: false },
    ),
  })),
];

const config = [
  ...nextVitals,
  ...nextTs,
  {
    ignores: [".next/**", "node_modules/**", "generated/**", ".data/**", "test-results/**", "playwright-report/**", "next-env.d.ts"],
  },
  {
    // Vitest fixtures named use… (useTestDatabase, useSandbox) are not React hooks: they may be called anywhere, and
    // what they return is filled in and switched by the fixtures built on them (useMicrosoftSandbox).
    files: ["**/*.test.ts", "e2e/**/*.ts", "**/testing/**/*.ts", "test/**/*.ts"],
    rules: { "react-hooks/rules-of-hooks": "off", "react-hooks/immutability": "off" },
  },
  {
    // Product code (app, components, lib, scripts, instrumentation, proxy) never imports the Microsoft sandbox or test
    // support; only tests (and bench/, e2e/) may.
    files: [
      "app/**/*.{ts,tsx,js,mjs}",
      "components/**/*.{ts,tsx}",
      "lib/**/*.{ts,tsx}",
      "scripts/**/*.{ts,mjs,js}",
      "instrumentation.ts",
      "proxy.ts",
    ],
    ignores: ["**/*.test.ts", "**/*.test.tsx"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [SANDBOX_AND_TEST_SUPPORT] }],
    },
  },
  {
    // app/ reaches the product through its use-case layers (a later entry replaces the rule, so it repeats the
    // sandbox boundary).
    files: ["app/**/*.{ts,tsx,js,mjs}"],
    ignores: ["**/*.test.ts", "**/*.test.tsx"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [SANDBOX_AND_TEST_SUPPORT, ...USE_CASE_LAYERS] }],
    },
  },
  {
    // lib/core stands alone (a later entry replaces the rule, so these repeat the sandbox boundary).
    files: ["lib/core/*.{ts,tsx}"],
    ignores: ["**/*.test.ts", "**/*.test.tsx"],
    rules: { "no-restricted-imports": ["error", { patterns: [SANDBOX_AND_TEST_SUPPORT, ABOVE_CORE_BY_ALIAS, OUT_OF_CORE_TOP] }] },
  },
  {
    files: ["lib/core/*/**/*.{ts,tsx}"],
    ignores: ["**/*.test.ts", "**/*.test.tsx"],
    rules: { "no-restricted-imports": ["error", { patterns: [SANDBOX_AND_TEST_SUPPORT, ABOVE_CORE_BY_ALIAS, OUT_OF_CORE_NESTED] }] },
  },
  {
    // components/ also never imports app/ (a later entry replaces the rule, so it repeats the sandbox boundary).
    files: ["components/**/*.{ts,tsx}"],
    ignores: ["**/*.test.ts", "**/*.test.tsx"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [SANDBOX_AND_TEST_SUPPORT, ROUTES] }],
    },
  },
  ...tableOwnerBlocks,
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
