/**
 * Structured JSON logger. Every record goes through `redact`, so a token, secret or password that slips into a log
 * call is replaced before it is written (inbox-zero's lesson: upstream error objects carry request headers).
 */
/**
 * A key is secret-bearing when its name contains one of these words anywhere (`adminTokenCache`, `clientSecretText`,
 * `newPassword`, `plaintextValue`), or is one of the exact names below.
 */
const SECRET_KEY_WORDS =
  /token|secret|passw(or)?d|pwd|plaintext|cache|authorization|assertion|cookie|credential|ciphertext|api_?key|private_?key|code_?verifier/i;
const SECRET_KEY_NAMES = /^(key|sig|signature)$/i;
const isSecretKey = (k: string) => SECRET_KEY_WORDS.test(k) || SECRET_KEY_NAMES.test(k);

/** JWTs, Basic/Bearer credentials, form- and JSON-encoded secrets, and Entra client secret values inside free text. */
const SECRET_PATTERNS: { re: RegExp; replace: (m: string, ...groups: string[]) => string }[] = [
  // A PEM private key (the Act-On Connector's, a connection's certificate key) quoted anywhere in free text.
  { re: /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g, replace: () => REDACTED },
  { re: /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, replace: () => REDACTED },
  { re: /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, replace: () => REDACTED },
  {
    re: /\b([A-Za-z_]*(?:secret|password|token|assertion)[A-Za-z_]*)=[^&\s"]+/gi,
    replace: (_m, key) => `${key}=${REDACTED}`,
  },
  {
    // `"client_secret": "…"` inside JSON text (an upstream body, a request echoed in an error message).
    re: /("[A-Za-z_]*(?:secret|password|token|assertion|plaintext|cache)[A-Za-z_]*"\s*:\s*)"(?:[^"\\]|\\.)*"/gi,
    replace: (_m, prefix) => `${prefix}"${REDACTED}"`,
  },
  {
    // Entra ID client secret values: three characters, a digit, "Q~", then 31 to 34 more (Microsoft's own scanner shape).
    re: /(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{30,34}(?![A-Za-z0-9_~.-])/g,
    replace: () => REDACTED,
  },
];
const REDACTED = "[redacted]";

export function redactText(text: string): string {
  return SECRET_PATTERNS.reduce((t, p) => t.replace(p.re, p.replace as (m: string, ...g: string[]) => string), text);
}

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return "[depth]";
  if (typeof value === "string") return redactText(value);
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) return { name: value.name, message: redactText(value.message) };
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = isSecretKey(k) ? REDACTED : redact(v, depth + 1);
    return out;
  }
  return value;
}

type Level = "debug" | "info" | "warn" | "error";
const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function threshold(): number {
  const level = process.env.LOG_LEVEL as Level | undefined;
  return RANK[level ?? "info"] ?? RANK.info;
}

function write(level: Level, message: string, fields?: Record<string, unknown>): void {
  if (RANK[level] < threshold()) return;
  const record = { level, time: new Date().toISOString(), msg: redactText(message), ...(redact(fields ?? {}) as object) };
  (level === "error" || level === "warn" ? process.stderr : process.stdout).write(JSON.stringify(record) + "\n");
}

export const log = {
  debug: (msg: string, fields?: Record<string, unknown>) => write("debug", msg, fields),
  info: (msg: string, fields?: Record<string, unknown>) => write("info", msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => write("warn", msg, fields),
  error: (msg: string, fields?: Record<string, unknown>) => write("error", msg, fields),
};
