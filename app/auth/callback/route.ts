import { NextResponse } from "next/server";
import { getEnv } from "@/lib/core/env";
import { authorize } from "@/lib/connect/authorize";
import { journeyPath } from "@/lib/connect/journey-page";
import { planWithoutAsking, type ChosenFor } from "@/lib/connect/start-plan";
import { log } from "@/lib/core/log";
import { noticeResponse } from "@/lib/pages/notice-page";
import { getCurrentSession, type PortalSessionView } from "@/lib/sessions/current-session";
import { completeMicrosoftSignIn } from "@/lib/sessions/microsoft-sign-in";
import { SESSION_COOKIE, sessionCookieOptions } from "@/lib/sessions/session-cookie";
import { signInReturnPath } from "@/lib/sessions/sign-in-return";
import { signInContextFromEnv } from "@/lib/sessions/sign-in-config";
import { callbackQuerySchema } from "./callback.schema";

export const dynamic = "force-dynamic";

/**
 * Every answer moves the browser off the callback URL (its code is single-use anyway) and sends no Referer. A completed
 * sign-in also replaces the session cookie: the session's token was rotated, the old one no longer works.
 */
function seeOther(path: string, cookie?: { token: string; expiresAt: Date }): Response {
  const response = new NextResponse(null, {
    status: 303,
    headers: { location: new URL(path, getEnv().PORTAL_BASE_URL).toString(), "cache-control": "no-store", "referrer-policy": "no-referrer" },
  });
  if (cookie) response.cookies.set(SESSION_COOKIE, cookie.token, sessionCookieOptions(cookie.expiresAt));
  return response;
}

/**
 * GET /auth/callback: Microsoft's redirect after sign-in → back to the connection's checklist, signed in, or with
 * `?signin=<outcome>` saying what happened. Also where the admin-consent page returns the Global Administrator.
 */
export async function GET(request: Request) {
  const raw = Object.fromEntries(new URL(request.url).searchParams);
  const query = callbackQuerySchema.safeParse(raw);
  if (!query.success) {
    return noticeResponse({
      status: 400,
      title: "This sign-in answer is damaged",
      body: ["The address Microsoft sent you back to is incomplete or too long."],
      nextSteps: ["Go back to the portal and choose Sign in with Microsoft again."],
      links: [{ href: "/", label: "What this portal does" }],
      code: "invalid_input",
    });
  }
  const q = query.data;
  if (q.admin_consent !== undefined && !q.code && !q.state) return adminConsentAnswer(q.error);

  const session = await getCurrentSession();
  if (!session) return seeOther("/session-ended");
  const ctx = signInContextFromEnv();
  if (!ctx.ok) return seeOther(`${signInReturnPath(session.connectionId, undefined)}?signin=failed`);
  const result = await completeMicrosoftSignIn(ctx.value, session, q);
  // Back to the connection (its state decides the page), or to the path page the sign-in was started from.
  const back = signInReturnPath(session.connectionId, result.then);
  if (!result.ok) return seeOther(`${back}?signin=${result.outcome}`);
  const chosenFor = !result.then && session.connectionId ? await planIfNothingToChoose({ ...session, microsoft: result.identity }) : null;
  if (chosenFor && session.connectionId) return seeOther(`${journeyPath(session.connectionId, "plan")}?environment=${chosenFor}`, result.cookie);
  return seeOther(back, result.cookie);
}

/** Act-On named a listed environment, or Microsoft lists one: its plan is prepared now, sparing a choice with one answer. */
async function planIfNothingToChoose(session: PortalSessionView): Promise<ChosenFor | null> {
  const who = await authorize(session, session.connectionId, "chooseEnvironment");
  if (!who.ok) return null;
  try {
    return await planWithoutAsking(who.value);
  } catch (error) {
    // The sign-in itself succeeded: the picker (which lists the environments again) is still a good place to land.
    log.warn("journey: preparing the plan without asking failed", { connectionId: session.connectionId, error });
    return null;
  }
}

/** The Global Administrator who opened the approval link lands here, usually in their own browser, without a session. */
function adminConsentAnswer(error: string | undefined): Response {
  if (error) {
    return noticeResponse({
      status: 400,
      title: "The portal was not approved",
      body: ["Microsoft did not record an approval for the Act-On Dynamics onboarding portal."],
      nextSteps: [
        "Open the approval link again and choose Accept, signed in as a Global Administrator or Cloud Application Administrator.",
        "Or ask your colleague for a new link from the portal.",
      ],
      links: [{ href: "/", label: "What this portal does" }],
      code: "admin_consent_declined",
    });
  }
  return noticeResponse({
    status: 200,
    title: "Thank you: the portal is approved for your organization",
    body: ["The Act-On Dynamics onboarding portal can now sign in your colleague with the permissions it listed."],
    nextSteps: ["Tell the colleague who sent you the link: they can choose Sign in with Microsoft again in the portal."],
    links: [{ href: "/", label: "What this portal does" }],
  });
}
