/**
 * Structured JSON logger. Every record goes through `redact`, so a token, secret or password that slips into a log
 * call is replaced before it is written (inbox-zero's lesson: upstream error objects carry request headers).
 */
const SECRET_KEYS =
  /^(client_?secret|secret(text)?|access_?token|refresh_?token|id_?token|password|authorization|assertion|code_?verifier|cookie|set-cookie|api_?key|key|ciphertext|private_?key)$/i;
/** JWTs and Basic/Bearer credentials recognised inside free text. */
const SECRET_PATTERNS: RegExp[] = [
  /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g,
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  /(client_secret|password|refresh_token|access_token)=[^&\s"]+/gi,
];
const REDACTED = "[redacted]";

export function redactText(text: string): string {
  return SECRET_PATTERNS.reduce((t, re) => t.replace(re, (m, p1) => (p1 && /=/.test(m) ? `${p1}=${REDACTED}` : REDACTED)), text);
}

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return "[depth]";
  if (typeof value === "string") return redactText(value);
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) return { name: value.name, message: redactText(value.message) };
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEYS.test(k) ? REDACTED : redact(v, depth + 1);
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
