import { getReturnToActOnUrl } from "@/lib/deep-link/sign-outcome";
import { getEnv } from "@/lib/core/env";
import { HTTP_STATUS } from "@/lib/core/errors";
import { noticeResponse } from "@/lib/pages/notice-page";
import { getCurrentSession } from "@/lib/sessions/current-session";

export const dynamic = "force-dynamic";

/** GET /return-to-acton: "Return to Act-On" → 303 to the link's return URL with the signed outcome. */
export async function GET() {
  const session = await getCurrentSession();
  if (!session) return new Response(null, { status: 303, headers: { location: new URL("/session-ended", getEnv().PORTAL_BASE_URL).toString() } });
  const url = await getReturnToActOnUrl(session);
  if (!url.ok) {
    return noticeResponse({
      status: HTTP_STATUS[url.error.code],
      title: "The portal cannot send you back to Act-On",
      body: [url.error.userMessage],
      nextSteps: ["Open Act-On in another tab: Settings › Connectors › CRM › MS Dynamics shows the connection's state."],
      links: session.connectionId ? [{ href: `/connect/${session.connectionId}`, label: "Back to the connection" }] : [],
      code: url.error.code,
    });
  }
  return new Response(null, { status: 303, headers: { location: url.value, "cache-control": "no-store", "referrer-policy": "no-referrer" } });
}
