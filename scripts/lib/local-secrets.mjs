// Development and demo only: the portal's encryption key and deep-link secret, generated once
// under .data/ (git-ignored) so restarts keep reading what was encrypted before. Production supplies its own.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DATA_DIR } from "./paths.mjs";

const FILE = join(DATA_DIR, "local-secrets.json");

export function loadLocalSecrets() {
  if (existsSync(FILE)) return JSON.parse(readFileSync(FILE, "utf8"));
  mkdirSync(DATA_DIR, { recursive: true });
  const secrets = {
    PORTAL_ENCRYPTION_KEYS: `local-1:${randomBytes(32).toString("base64")}`,
    DEEP_LINK_SECRET: randomBytes(32).toString("base64url"),
  };
  writeFileSync(FILE, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}
