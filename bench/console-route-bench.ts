/**
 * The console's list route end to end, in-process: a real Support.Read access token signed by an in-process Microsoft
 * sandbox and verified against its published keys (jose, JWKS fetched once over HTTPS), zod parsing, the query, the
 * JSON body. Needs NODE_EXTRA_CA_CERTS=.data/sandbox/ca-bundle.pem (the sandbox's CA), as every sandbox test.
 */
import { startSandbox } from "../emulator/core/server";
import { signJwt } from "../emulator/core/tokens";
import { PORTAL_APP, TENANTS, USERS } from "../emulator/scenarios/ids";
import { createDb, type Db } from "../lib/core/db";

export type RouteBench = {
  /** GET /api/support/connections?<query> against the database at `url`; throws unless it answers 200. */
  get(url: string, query: Record<string, string>): Promise<void>;
  release(url: string): Promise<void>;
  close(): Promise<void>;
};

export async function routeBench(): Promise<RouteBench> {
  const sandbox = await startSandbox({ port: 0 });
  process.env.MICROSOFT_AUTHORITY_HOST = sandbox.origin;
  process.env.ACTON_TENANT_ID = TENANTS.actoncorp;
  process.env.PORTAL_CLIENT_ID = PORTAL_APP.appId;
  process.env.LOG_LEVEL = "error";
  // One caller makes every request of the bench: the limit per caller would answer 429 after the first few cases. Each
  // request still counts itself in the database, as a real one does.
  process.env.API_RATE_LIMIT_REQUESTS = String(1_000_000_000);
  const { GET } = await import("../app/api/support/connections/route");
  const now = Math.floor(Date.now() / 1000);
  const token = await signJwt({
    iss: `${sandbox.origin}/${TENANTS.actoncorp}/v2.0`,
    aud: PORTAL_APP.appId,
    tid: TENANTS.actoncorp,
    ver: "2.0",
    oid: USERS.actonSupport,
    sub: USERS.actonSupport,
    name: "Act-On Support",
    scp: "Support.Access",
    azp: PORTAL_APP.appId,
    roles: ["Support.Read"],
    iat: now,
    nbf: now,
    exp: now + 3600,
  });
  const dbs = new Map<string, Db>();
  const globalForDb = globalThis as unknown as { portalDb?: Db };
  return {
    async get(url, query) {
      let db = dbs.get(url);
      if (!db) dbs.set(url, (db = createDb(url)));
      globalForDb.portalDb = db; // the route's getDb(): this bench's database
      const response = await GET(
        new Request(`http://portal.bench/api/support/connections?${new URLSearchParams(query)}`, { headers: { authorization: `Bearer ${token}` } }),
      );
      const body = await response.text();
      if (response.status !== 200) throw new Error(`route answered ${response.status}: ${body.slice(0, 200)}`);
    },
    async release(url) {
      await dbs.get(url)?.$disconnect();
      dbs.delete(url);
    },
    async close() {
      await sandbox.close();
    },
  };
}
