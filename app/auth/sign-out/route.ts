import { NextResponse } from "next/server";
import { getDb } from "@/lib/core/db";
import { getEnv } from "@/lib/core/env";
import { noticeResponse } from "@/lib/pages/notice-page";
import { getCurrentSession } from "@/lib/sessions/current-session";
import { signOutPortalSession } from "@/lib/sessions/microsoft-sign-in";
import { isSameOriginPost } from "@/lib/sessions/same-origin";
import { signInContextFromEnv } from "@/lib/sessions/sign-in-config";
import { SESSION_COOKIE, sessionCookieOptions } from "@/lib/sessions/session-cookie";

export const dynamic = "force-dynamic";

/** POST /auth/sign-out: ends the portal session, forgets its stored Microsoft sign-in, clears the cookie. */
export async function POST(request: Request) {
  const base = getEnv().PORTAL_BASE_URL;
  if (!isSameOriginPost(request.headers, base)) {
    return noticeResponse({
      status: 403,
      title: "This request did not come from the portal",
      body: ["The portal only signs you out from its own Sign out button."],
      nextSteps: ["Use the Sign out button on the portal's pages."],
      links: [{ href: "/", label: "What this portal does" }],
      code: "csrf",
    });
  }
  const session = await getCurrentSession();
  if (session) {
    const ctx = signInContextFromEnv();
    await signOutPortalSession(ctx.ok ? ctx.value : { db: getDb() }, session);
  }
  const response = new NextResponse(null, {
    status: 303,
    headers: { location: new URL("/session-ended", base).toString(), "cache-control": "no-store" },
  });
  response.cookies.set(SESSION_COOKIE, "", { ...sessionCookieOptions(new Date(0)), maxAge: 0 });
  return response;
}
