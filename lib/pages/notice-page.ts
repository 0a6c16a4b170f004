/**
 * A small, self-contained HTML page for answers that need a 4xx/5xx status (App Router pages always answer 200):
 * refused links, a sign-in that cannot continue. Same header as the layout, no script, no external resource, so
 * nothing on it can leak the URL it was reached from. Pure.
 */

export type NoticePage = {
  status: number;
  title: string;
  /** Short paragraphs: what happened. */
  body: string[];
  /** What to do next, as a list. */
  nextSteps: string[];
  /** Same-origin links only (never a URL from the request). */
  links?: { href: `/${string}`; label: string }[];
  /** For support: a stable code shown in small print. */
  code?: string;
};

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);

const STYLE = `
*{box-sizing:border-box}body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#0f172a;background:#f8fafc;line-height:1.5}
header{border-bottom:1px solid #e2e8f0;background:#fff}.bar{max-width:56rem;margin:0 auto;padding:1rem 1.5rem}
.brand{font-size:1.125rem;font-weight:600;color:#0f172a;text-decoration:none}.brand span{color:#475569}
main{max-width:56rem;margin:0 auto;padding:2.5rem 1.5rem}h1{font-size:1.875rem;margin:0 0 1rem}
h2{font-size:1.125rem;margin:1.5rem 0 .5rem}p,li{font-size:1.0625rem;color:#1e293b}ol{padding-left:1.5rem}
a{color:#1d4ed8}a:focus-visible,.brand:focus-visible{outline:3px solid #1d4ed8;outline-offset:2px}
.code{margin-top:2rem;font-size:.875rem;color:#475569}`;

export function renderNoticePage(page: NoticePage): string {
  const links = (page.links ?? []).map((l) => `<li><a href="${escapeHtml(l.href)}">${escapeHtml(l.label)}</a></li>`).join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${escapeHtml(page.title)} · Act-On Dynamics onboarding</title><style>${STYLE}</style></head>
<body><header><div class="bar"><a class="brand" href="/">Act-On <span>·</span> Dynamics onboarding</a></div></header>
<main><h1>${escapeHtml(page.title)}</h1>${page.body.map((p) => `<p>${escapeHtml(p)}</p>`).join("")}
<h2>What to do</h2><ol>${page.nextSteps.map((s) => `<li>${escapeHtml(s)}</li>`).join("")}</ol>
${links ? `<nav aria-label="More"><ul>${links}</ul></nav>` : ""}
${page.code ? `<p class="code">Reference for Act-On support: <code>${escapeHtml(page.code)}</code></p>` : ""}</main></body></html>`;
}

/** The page as a Response: never cached, never sending a Referer onwards, no scripts allowed. */
export function noticeResponse(page: NoticePage, headers: Record<string, string> = {}): Response {
  return new Response(renderNoticePage(page), {
    status: page.status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "referrer-policy": "no-referrer",
      "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
      "x-content-type-options": "nosniff",
      ...headers,
    },
  });
}
