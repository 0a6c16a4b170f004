import { NextResponse } from "next/server";
import { z } from "zod";
import { getDb } from "@/lib/core/db";
import { handoffConfigFromEnv } from "@/lib/handoff/handoff-config";
import { openHandoffSession } from "@/lib/handoff/open-handoff-session";
import { log } from "@/lib/core/log";
import { noticeResponse } from "@/lib/pages/notice-page";
import { sessionLifetimesFromEnv } from "@/lib/sessions/session-config";
import { SESSION_COOKIE, sessionCookieOptions } from "@/lib/sessions/session-cookie";

export const dynamic = "force-dynamic";

const querySchema = z.object({ t: z.string().min(1).max(4096) });
const NO_LEAK = { "cache-control": "no-store", "referrer-policy": "no-referrer" };

const TITLES: Record<string, string> = {
  handoff_expired: "This hand-off link has expired",
  handoff_used: "This hand-off link has already been used",
  handoff_revoked: "This hand-off link was withdrawn",
};

/** GET /handoff?t=<jws>: a colleague's hand-off link → a `handoff` portal session → 303 to the connection's page. */
export async function GET(request: Request) {
  const config = handoffConfigFromEnv();
  if (!config.ok) {
    log.error("hand-off link refused: links are not configured", { detail: config.error.detail });
    return noticeResponse({
      status: 503,
      title: "The portal cannot open hand-off links yet",
      body: [config.error.userMessage],
      nextSteps: ["Try again later, or contact Act-On support."],
      code: "not_configured",
    });
  }
  const query = querySchema.safeParse({ t: new URL(request.url).searchParams.get("t") ?? undefined });
  const result = query.success
    ? await openHandoffSession(getDb(), { token: query.data.t, config: config.value, lifetimes: sessionLifetimesFromEnv() })
    : null;
  if (!result || result.kind === "refused") {
    const code = result?.code ?? "handoff_malformed";
    log.info("hand-off link refused", { code });
    return noticeResponse({
      status: code === "handoff_used" ? 409 : code === "handoff_expired" || code === "handoff_revoked" ? 410 : 400,
      title: TITLES[code] ?? "This hand-off link cannot be opened",
      body: [result?.error.userMessage ?? "This hand-off link is incomplete or damaged. Ask your colleague to copy it again."],
      nextSteps: ["Ask the colleague who sent it to create a new hand-off link from their checklist in the portal."],
      code,
    });
  }
  const base = config.value.portalBaseUrl;
  const response = new NextResponse(null, {
    status: 303,
    headers: { location: new URL(`/connect/${result.session.connectionId}`, base).toString(), ...NO_LEAK },
  });
  response.cookies.set(SESSION_COOKIE, result.sessionToken, sessionCookieOptions(result.expiresAt));
  return response;
}
