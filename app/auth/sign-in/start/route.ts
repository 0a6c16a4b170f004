import { authorize } from "@/lib/connect/authorize";
import { getEnv } from "@/lib/core/env";
import { log } from "@/lib/core/log";
import { noticeResponse } from "@/lib/pages/notice-page";
import { getCurrentSession } from "@/lib/sessions/current-session";
import { beginMicrosoftSignIn, findSignInOrganization } from "@/lib/sessions/microsoft-sign-in";
import { isSameOriginPost } from "@/lib/sessions/same-origin";
import { signInContextFromEnv } from "@/lib/sessions/sign-in-config";
import { signInStartFormSchema } from "@/lib/sessions/sign-in-return";

export const dynamic = "force-dynamic";

const FORBIDDEN = {
  status: 403,
  title: "This request did not come from the portal",
  body: ["The portal only starts a Microsoft sign-in from its own Sign in page."],
  nextSteps: ["Go back to the portal's page and choose Continue to Microsoft there."],
  links: [{ href: "/" as const, label: "What this portal does" }],
  code: "csrf",
};

/** POST /auth/sign-in/start (the confirm page's form): starts the Microsoft sign-in for this session. */
export async function POST(request: Request) {
  if (!isSameOriginPost(request.headers, getEnv().PORTAL_BASE_URL)) return noticeResponse(FORBIDDEN);
  const session = await getCurrentSession();
  if (!session) return new Response(null, { status: 303, headers: { location: new URL("/session-ended", getEnv().PORTAL_BASE_URL).toString() } });
  const allowed = await authorize(session, session.connectionId, "signIn");
  if (!allowed.ok) {
    return noticeResponse({
      status: allowed.error.code === "not_found" ? 404 : 403,
      title: "This link does not sign in",
      body: [allowed.error.userMessage],
      nextSteps: ["Open Dynamics 365 in Act-On's settings and choose Connect or Reconnect."],
      code: allowed.error.code,
    });
  }
  const ctx = signInContextFromEnv();
  if (!ctx.ok) {
    log.error("sign-in is not configured", { detail: ctx.error.detail });
    return noticeResponse({
      status: 503,
      title: "Microsoft sign-in is not available",
      body: [ctx.error.userMessage],
      nextSteps: ["Try again later, or contact Act-On support."],
      code: "not_configured",
    });
  }
  const form = signInStartFormSchema.safeParse(Object.fromEntries([...(await request.formData().catch(() => new FormData())).entries()]));
  const badOrganization = form.success ? undefined : form.error.issues.find((i) => i.path[0] === "organization");
  if (badOrganization) {
    return noticeResponse({
      status: 400,
      title: "That is not an organization's domain or tenant id",
      body: [badOrganization.message, "Nothing was changed."],
      nextSteps: ["Go back, correct the organization, and choose Sign in to that organization again."],
      code: "invalid_input",
    });
  }
  if (!form.success) {
    return noticeResponse({
      status: 400,
      title: "This sign-in request is damaged",
      body: ["The page that started the sign-in sent something the portal does not know. Nothing was changed."],
      nextSteps: ["Go back to the portal's page and choose Sign in with Microsoft again."],
      links: [{ href: "/" as const, label: "What this portal does" }],
      code: "invalid_input",
    });
  }
  let tenantId: string | undefined;
  if (form.data.organization) {
    const found = await findSignInOrganization(ctx.value, form.data.organization);
    if (!found.ok) {
      return noticeResponse({
        status: found.error.code === "not_found" ? 404 : 502,
        title: found.error.code === "not_found" ? "No such organization at Microsoft" : "Microsoft did not answer",
        body: [found.error.userMessage],
        nextSteps: ["Go back and check the organization's domain or tenant id, or sign in without naming one."],
        code: found.error.code,
      });
    }
    tenantId = found.value;
  }
  let url: string;
  try {
    ({ url } = await beginMicrosoftSignIn(ctx.value, session, { then: form.data.then, tenantId }));
  } catch (error) {
    // MSAL reads the authority's metadata before it builds the URL: Microsoft may be unreachable or slow.
    log.warn("sign-in could not start", { error: error instanceof Error ? error.message.slice(0, 200) : "unknown" });
    return noticeResponse({
      status: 502,
      title: "Microsoft did not answer",
      body: ["The portal could not reach Microsoft's sign-in service. Nothing was changed."],
      nextSteps: ["Wait a minute and choose Continue to Microsoft again."],
      links: [{ href: "/auth/sign-in", label: "Back to Sign in with Microsoft" }],
      code: "upstream_unavailable",
    });
  }
  return new Response(null, { status: 303, headers: { location: url, "cache-control": "no-store", "referrer-policy": "no-referrer" } });
}
