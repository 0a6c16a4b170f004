import { cookies } from "next/headers";
import { NextResponse } from "next/server";
import { getDb } from "@/lib/core/db";
import { deepLinkConfigFromEnv } from "@/lib/deep-link/deep-link-config";
import { openLaunchLink, refuseMissingToken } from "@/lib/deep-link/open-launch-link";
import { refusalPath } from "@/lib/deep-link/refusal-pages";
import { log } from "@/lib/core/log";
import { noticeResponse } from "@/lib/pages/notice-page";
import { sessionLifetimesFromEnv } from "@/lib/sessions/session-config";
import { SESSION_COOKIE, sessionCookieOptions } from "@/lib/sessions/session-cookie";
import { launchQuerySchema } from "./launch.schema";

export const dynamic = "force-dynamic";

/** Every answer drops the link from the address bar (303) and tells the browser never to send it as a Referer. */
const NO_LEAK = { "cache-control": "no-store", "referrer-policy": "no-referrer" };

function seeOther(path: string, base: string): NextResponse {
  return new NextResponse(null, { status: 303, headers: { location: new URL(path, base).toString(), ...NO_LEAK } });
}

/** GET /launch?t=<jws>: Act-On's signed link → a portal session → 303 to the connection's checklist. */
export async function GET(request: Request) {
  const config = deepLinkConfigFromEnv();
  if (!config.ok) {
    log.error("launch link refused: deep links are not configured", { detail: config.error.detail });
    return noticeResponse({
      status: 503,
      title: "The portal cannot open links from Act-On yet",
      body: [config.error.userMessage],
      nextSteps: ["Try again later, or contact Act-On support."],
      links: [{ href: "/", label: "What this portal does" }],
      code: "not_configured",
    });
  }
  const base = config.value.portalBaseUrl;
  const db = getDb();
  const query = launchQuerySchema.safeParse({ t: new URL(request.url).searchParams.get("t") ?? undefined });
  if (!query.success) {
    await refuseMissingToken(db);
    return seeOther(refusalPath("link_malformed"), base);
  }

  const jar = await cookies();
  const result = await openLaunchLink(db, {
    token: query.data.t,
    cookieToken: jar.get(SESSION_COOKIE)?.value ?? null,
    config: config.value,
    lifetimes: sessionLifetimesFromEnv(),
  });
  if (result.kind === "refused") {
    log.info("launch link refused", { code: result.error.code, reason: result.error.detail });
    return seeOther(refusalPath(result.error.code as Parameters<typeof refusalPath>[0]), base);
  }
  const target = result.session.connectionId ? `/connect/${result.session.connectionId}` : "/";
  const response = seeOther(target, base);
  if (result.kind === "opened") {
    response.cookies.set(SESSION_COOKIE, result.sessionToken, sessionCookieOptions(result.expiresAt));
  }
  log.info("launch link accepted", { kind: result.kind, connectionId: result.session.connectionId });
  return response;
}
