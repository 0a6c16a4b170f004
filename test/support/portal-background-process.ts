/**
 * A portal instance without Next.js, for tests that need "the running portal" beside a command or beside another
 * instance: a separate process that opens the database as the portal does (lib/core/db.ts), runs the portal's own
 * background work as instrumentation.ts starts it (the scheduler) and answers GET /connections from the database, as
 * its pages would read it, and GET /scheduler with its scheduler's owner and counts. SIGTERM stops it as it stops a
 * portal: the scheduler's graceful shutdown, then exit. Started with `tsx --conditions=react-server`; prints
 * "listening <port> <pid>" when ready (tsx runs it in a child process of its own: signals go to that pid).
 */
import { createServer } from "node:http";
import { getDb } from "../../lib/core/db";
import { getPortalScheduler } from "../../lib/scheduler/portal-scheduler";
import { register } from "../../instrumentation";

process.env.NEXT_RUNTIME = "nodejs";

const server = createServer(async (req, res) => {
  try {
    if (req.url === "/scheduler") {
      const portal = getPortalScheduler();
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ owner: portal?.owner, stats: portal?.scheduler.stats() }));
      return;
    }
    if (req.url !== "/connections") {
      res.writeHead(404).end();
      return;
    }
    const connections = await getDb().connection.findMany({
      select: { id: true, status: true, account: { select: { actonAccountId: true } } },
      orderBy: { createdAt: "asc" },
    });
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(connections));
  } catch (error) {
    console.error(`portal: reading connections failed: ${error instanceof Error ? error.message : String(error)}`);
    res.writeHead(500).end();
  }
});
void register().then(() =>
  server.listen(0, "127.0.0.1", () => {
    const address = server.address();
    console.log(`listening ${typeof address === "object" && address ? address.port : 0} ${process.pid}`);
  }),
);
// The scheduler's own handler (portal-scheduler.ts) stops the background work and exits; this one only stops serving.
process.on("SIGTERM", () => server.close());
