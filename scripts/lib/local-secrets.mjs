// Development and demo only: the portal's encryption key and deep-link secret, generated once
// under .data/ (git-ignored) so restarts keep reading what was encrypted before. Production supplies its own.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DATA_DIR } from "./paths.mjs";

const FILE = join(DATA_DIR, "local-secrets.json");

/** A deep-link key in DEEP_LINK_SECRET's `kid:secret` form. */
function newDeepLinkSecret(kid = "local-1") {
  return `${kid}:${randomBytes(32).toString("base64url")}`;
}

export function loadLocalSecrets() {
  if (existsSync(FILE)) {
    const secrets = JSON.parse(readFileSync(FILE, "utf8"));
    // Files written before DEEP_LINK_SECRET named its keys hold a bare secret: give it a key id, keep the secret.
    if (secrets.DEEP_LINK_SECRET && !secrets.DEEP_LINK_SECRET.includes(":")) {
      secrets.DEEP_LINK_SECRET = `local-1:${secrets.DEEP_LINK_SECRET}`;
      writeFileSync(FILE, JSON.stringify(secrets, null, 2), { mode: 0o600 });
    }
    return secrets;
  }
  mkdirSync(DATA_DIR, { recursive: true });
  const secrets = {
    PORTAL_ENCRYPTION_KEYS: `local-1:${randomBytes(32).toString("base64")}`,
    DEEP_LINK_SECRET: newDeepLinkSecret(),
  };
  writeFileSync(FILE, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}
