import { getDb } from "@/lib/core/db";
import { getEnv } from "@/lib/core/env";
import { checkHealth } from "@/lib/health/check-health";

export const dynamic = "force-dynamic";

/** Liveness and readiness for load balancers and support: the app's version and whether its database answers. */
export async function GET() {
  const report = await checkHealth({
    db: getDb,
    databaseUrl: getEnv().DATABASE_URL,
    version: process.env.PORTAL_VERSION ?? "unknown",
  });
  return Response.json(report, {
    status: report.database.reachable ? 200 : 503,
    headers: { "cache-control": "no-store" },
  });
}
