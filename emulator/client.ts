/**
 * A tiny client for the sandbox's control API, for tests and scripts: reset between tests, read the state, inject
 * faults. Uses global fetch, so the process must trust the sandbox CA (NODE_EXTRA_CA_CERTS).
 */
import type { LoggedRequest } from "./core/request-log";
import type { Fault, SandboxSettings, SandboxState } from "./core/state";

type FaultSpec = Omit<Fault, "id" | "remaining" | "method" | "path"> & { method?: string; path?: string; remaining?: number | null };

/** The sandbox's "now" and how far it runs ahead of the machine's clock. */
type SandboxClock = { now: string; offsetMs: number };

export type SandboxClient = {
  origin: string;
  reset(input?: { scenario: string } | { state: unknown }): Promise<void>;
  getState(): Promise<SandboxState>;
  getEndpoints(): Promise<Record<string, unknown>>;
  addFault(fault: FaultSpec): Promise<Fault>;
  clearFaults(): Promise<void>;
  removeFault(id: string): Promise<void>;
  setSettings(settings: Partial<SandboxSettings>): Promise<SandboxSettings>;
  /** Moves the sandbox's clock forward (a rehearsal of expiry; a reset puts it back). */
  advanceClock(byMs: number): Promise<SandboxClock>;
  getClock(): Promise<SandboxClock>;
  /** A JWT with these claims, signed with the key every tenant's JWKS publishes (for expired or odd tokens in tests). */
  signToken(claims: Record<string, unknown>): Promise<string>;
  /** The Power Platform admin center's "Self-elevate": the admin becomes System Administrator of the environment. */
  selfElevate(urlName: string, user: string): Promise<{ systemuserid: string; roleid: string | null }>;
  /** Requests the services received since `since` (method, path, status, whether credentials were presented). */
  getRequests(since?: Date): Promise<LoggedRequest[]>;
  /** What the customer's AD FS administrator does with `Add-AdfsClient`. */
  addAdfsClient(client: { clientId: string; name: string; redirectUri: string }): Promise<void>;
};

/** Errors of a pooled keep-alive socket found dead when reused (the request did not reach the sandbox). */
const STALE_SOCKET_CODES = new Set(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET"]);

function isStaleSocket(error: unknown): boolean {
  const code = (error as { cause?: { code?: string } })?.cause?.code;
  return error instanceof TypeError && code !== undefined && STALE_SOCKET_CODES.has(code);
}

export function createSandboxClient(origin: string): SandboxClient {
  // On a loaded machine the sandbox may close an idle kept-alive socket just as fetch reuses it (an event-loop stall
  // outlasts the keep-alive margin). The control API's calls are safe to send again, so they are, on a fresh socket,
  // twice at most.
  const send = async (url: string, init: RequestInit, attempt = 1): Promise<Response> => {
    try {
      return await fetch(url, init);
    } catch (error) {
      if (attempt >= 3 || !isStaleSocket(error)) throw error;
      return send(url, init, attempt + 1);
    }
  };
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await send(`${origin}/__emulator${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`sandbox ${method} ${path} → ${res.status}: ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  return {
    origin,
    reset: async (input = { scenario: "default" }) => {
      await call("POST", "/reset", input);
    },
    getState: async () => (await call("GET", "/state")) as SandboxState,
    getEndpoints: async () => (await call("GET", "/endpoints")) as Record<string, unknown>,
    addFault: async (fault) => (await call("POST", "/faults", fault)) as Fault,
    clearFaults: async () => {
      await call("DELETE", "/faults");
    },
    removeFault: async (id) => {
      await call("DELETE", `/faults/${encodeURIComponent(id)}`);
    },
    advanceClock: async (byMs) => (await call("POST", "/clock", { advanceByMs: byMs })) as SandboxClock,
    getClock: async () => (await call("GET", "/clock")) as SandboxClock,
    setSettings: async (settings) => (await call("PATCH", "/settings", settings)) as SandboxSettings,
    addAdfsClient: async (client) => {
      await call("POST", "/adfs/clients", client);
    },
    signToken: async (claims) => ((await call("POST", "/tokens/sign", { claims })) as { token: string }).token,
    getRequests: async (since) =>
      ((await call("GET", `/requests${since ? `?since=${encodeURIComponent(since.toISOString())}` : ""}`)) as { value: LoggedRequest[] }).value,
    selfElevate: async (urlName, user) =>
      (await call("POST", `/environments/${encodeURIComponent(urlName)}/self-elevate`, { user })) as { systemuserid: string; roleid: string | null },
  };
}
