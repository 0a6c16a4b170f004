// @ts-check
const { readFileSync } = require("node:fs");

/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
  env: { PORTAL_VERSION: JSON.parse(readFileSync(__dirname + "/package.json", "utf8")).version },
  // The sandbox CLI, e2e fixtures and benches live beside the app; keep them out of the server bundle's tracing.
  outputFileTracingExcludes: { "*": ["emulator/**", "e2e/**", "bench/**", ".data/**"] },
};

module.exports = nextConfig;
