import { refusalCodeForSlug, refusalPage } from "@/lib/deep-link/refusal-pages";
import { noticeResponse } from "@/lib/pages/notice-page";

/** GET /launch/refused/<reason>: the page of one refusal, with its own 4xx status. Static: it reads nothing. */
export async function GET(_request: Request, context: { params: Promise<{ reason: string }> }) {
  const code = refusalCodeForSlug((await context.params).reason);
  if (!code) {
    return noticeResponse({
      status: 404,
      title: "Page not found",
      body: ["There is nothing at this address."],
      nextSteps: ["Start from Act-On: Settings › Connectors › CRM › MS Dynamics."],
      links: [{ href: "/", label: "What this portal does" }],
    });
  }
  return noticeResponse(refusalPage(code));
}
