/**
 * The sign-in, consent and device-code pages. Plain HTML with inline CSS in Microsoft's look, and the same labels as
 * login.microsoftonline.com (`Email, phone, or Skype`, `Password`, `Next`, `Sign in`, `Accept`, `Cancel`), so
 * Playwright tests read like a real sign-in and fetch-based tests can parse the forms. Every page says it is a
 * sandbox, so nobody mistakes it for the real thing.
 */
import { html, type EmuResponse } from "../core/http";
import { sandboxDate } from "../core/clock";

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

const CSS = `
*{box-sizing:border-box}
body{margin:0;min-height:100vh;background:#f2f2f2 linear-gradient(135deg,#e8eef5 0%,#f6f6f6 60%);font-family:"Segoe UI","Segoe UI Web (West European)",-apple-system,BlinkMacSystemFont,Roboto,"Helvetica Neue",Arial,sans-serif;color:#1b1b1b;font-size:15px}
main{max-width:440px;margin:8vh auto 24px;background:#fff;padding:44px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
.logo{display:flex;align-items:center;gap:8px;margin-bottom:16px;color:#5e5e5e;font-weight:600;font-size:18px}
.logo i{display:grid;grid-template-columns:10px 10px;gap:2px}
.logo b{width:10px;height:10px;display:block}
.sandbox{display:inline-block;margin-left:auto;font-size:11px;font-weight:600;color:#8a3b00;background:#fff4ce;border:1px solid #f0c36d;padding:1px 6px;border-radius:2px}
h1{font-size:24px;font-weight:600;margin:0 0 12px;line-height:1.75rem}
p{margin:0 0 12px;line-height:1.4}
.identity{margin:0 0 12px;color:#1b1b1b}
label{display:block;font-size:13px;color:#5e5e5e;margin:16px 0 2px}
input[type=email],input[type=password],input[type=text]{width:100%;border:0;border-bottom:1px solid #666;padding:6px 0;font-size:15px;outline:none;background:transparent}
input[type=email]:focus,input[type=password]:focus,input[type=text]:focus{border-bottom-color:#0067b8}
.error{color:#e81123;margin:8px 0 0;font-size:14px}
.actions{display:flex;justify-content:flex-end;gap:8px;margin-top:28px}
button{min-width:108px;height:32px;padding:4px 12px;font-size:15px;border:0;cursor:pointer;font-family:inherit}
button.primary{background:#0067b8;color:#fff}
button.primary:hover{background:#005da6}
button.secondary{background:#ccc;color:#1b1b1b}
button.account{display:block;width:100%;text-align:left;background:#fff;border:0;border-bottom:1px solid #eee;padding:12px 8px;height:auto}
button.account:hover{background:#f2f2f2}
button.account small{display:block;color:#5e5e5e}
ul.perms{padding-left:20px;margin:8px 0 16px}
ul.perms li{margin:6px 0}
ul.perms small{display:block;color:#5e5e5e}
.check{display:flex;gap:8px;align-items:flex-start;margin:12px 0}
.check label{margin:0;color:#1b1b1b;font-size:14px}
.fine{font-size:13px;color:#5e5e5e}
.details{margin-top:20px;font-size:12px;color:#5e5e5e;word-break:break-all}
footer{max-width:440px;margin:0 auto;font-size:12px;color:#5e5e5e;text-align:right}
`;

function layout(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${CSS}</style></head>
<body><main>
<div class="logo"><i><b style="background:#f25022"></b><b style="background:#7fba00"></b><b style="background:#00a4ef"></b><b style="background:#ffb900"></b></i>Microsoft<span class="sandbox" title="Local emulator of Microsoft Entra ID">Sandbox</span></div>
${body}
</main><footer>Microsoft sandbox · not a real Microsoft sign-in page</footer></body></html>`;
}

function page(title: string, body: string, status = 200, headers: Record<string, string> = {}): EmuResponse {
  return html(status, layout(title, body), { "cache-control": "no-store, no-cache", pragma: "no-cache", "x-frame-options": "DENY", ...headers });
}

const hidden = (fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join("");

const errorLine = (error?: string) => (error ? `<p class="error" role="alert" id="error">${escapeHtml(error)}</p>` : "");

export type FormTarget = { action: string; tx: string };

export function signInPage(target: FormTarget, opts: { appName?: string; loginHint?: string; error?: string } = {}): EmuResponse {
  return page(
    "Sign in to your account",
    `<h1>Sign in</h1>${opts.appName ? `<p class="fine">to continue to ${escapeHtml(opts.appName)}</p>` : ""}
<form method="post" action="${escapeHtml(target.action)}">${hidden({ tx: target.tx, step: "username" })}
<label for="i0116">Email, phone, or Skype</label>
<input id="i0116" name="login" type="email" autocomplete="username" required autofocus value="${escapeHtml(opts.loginHint ?? "")}">
${errorLine(opts.error)}
<div class="actions"><button class="primary" type="submit" id="idSIButton9">Next</button></div></form>`,
  );
}

export function passwordPage(target: FormTarget, upn: string, error?: string): EmuResponse {
  return page(
    "Sign in to your account",
    `<p class="identity">${escapeHtml(upn)}</p><h1>Enter password</h1>
<form method="post" action="${escapeHtml(target.action)}">${hidden({ tx: target.tx, step: "password" })}
<label for="i0118">Password</label>
<input id="i0118" name="passwd" type="password" autocomplete="current-password" required autofocus>
${errorLine(error)}
<div class="actions"><button class="primary" type="submit" id="idSIButton9">Sign in</button></div></form>`,
  );
}

export function mfaPage(target: FormTarget, upn: string): EmuResponse {
  return page(
    "Verify your identity",
    `<p class="identity">${escapeHtml(upn)}</p><h1>Verify your identity</h1>
<p>Your organization requires multi-factor authentication. In the sandbox the second factor is simulated: press Verify to approve the sign-in.</p>
<form method="post" action="${escapeHtml(target.action)}">${hidden({ tx: target.tx, step: "mfa" })}
<div class="actions"><button class="primary" type="submit">Verify</button></div></form>`,
  );
}

export function pickAccountPage(target: FormTarget, accounts: { id: string; upn: string; name: string }[]): EmuResponse {
  const buttons = accounts
    .map(
      (a) =>
        `<button class="account" type="submit" name="account" value="${escapeHtml(a.id)}">${escapeHtml(a.upn)}<small>${escapeHtml(a.name)} · Signed in</small></button>`,
    )
    .join("");
  return page(
    "Pick an account",
    `<h1>Pick an account</h1>
<form method="post" action="${escapeHtml(target.action)}">${hidden({ tx: target.tx, step: "pick" })}
${buttons}<button class="account" type="submit" name="account" value="other">Use another account</button></form>`,
  );
}

export type ConsentPermission = { resourceName: string; value: string; description: string; adminOnly: boolean };

export function consentPage(
  target: FormTarget,
  opts: { appName: string; publisher: string; upn: string; permissions: ConsentPermission[]; offerOrgConsent: boolean; orgWideOnly: boolean },
): EmuResponse {
  const list = opts.permissions.length
    ? opts.permissions
        .map(
          (p) =>
            `<li>${escapeHtml(p.description)}<small>${escapeHtml(p.resourceName)} · ${escapeHtml(p.value)}${p.adminOnly ? " · Admin consent required" : ""}</small></li>`,
        )
        .join("")
    : "<li>Sign you in and read your profile</li>";
  const orgBox = opts.offerOrgConsent
    ? `<div class="check"><input type="checkbox" id="consent_org" name="consent_org" value="true"><label for="consent_org">Consent on behalf of your organization</label></div>`
    : "";
  const heading = opts.orgWideOnly ? "<p><strong>Accept for your organization</strong></p>" : "";
  return page(
    "Permissions requested",
    `<p class="identity">${escapeHtml(opts.upn)}</p><h1>Permissions requested</h1>${heading}
<p><strong>${escapeHtml(opts.appName)}</strong><br><span class="fine">${escapeHtml(opts.publisher)}</span></p>
<p>This app would like to:</p><ul class="perms">${list}</ul>
<form method="post" action="${escapeHtml(target.action)}">${hidden({ tx: target.tx, step: "consent" })}
${orgBox}
<p class="fine">${
      opts.orgWideOnly
        ? "If you accept, this app will get access to the specified resources for all users in your organization. No one else will be prompted to review these permissions."
        : "Accepting these permissions means that you allow this app to use your data as specified in their terms of service and privacy statement."
    }</p>
<div class="actions"><button class="secondary" type="submit" name="action" value="cancel">Cancel</button><button class="primary" type="submit" name="action" value="accept">Accept</button></div></form>`,
  );
}

export function needsAdminPage(target: FormTarget, opts: { appName: string; upn: string; detail: string }): EmuResponse {
  return page(
    "Need admin approval",
    `<p class="identity">${escapeHtml(opts.upn)}</p><h1>Need admin approval</h1>
<p><strong>${escapeHtml(opts.appName)}</strong></p>
<p>${escapeHtml(opts.appName)} needs permission to access resources in your organization that only an admin can grant. Please ask an admin to grant permission to this app before you can use it.</p>
<form method="post" action="${escapeHtml(target.action)}">${hidden({ tx: target.tx, step: "decline" })}
<div class="actions"><button class="primary" type="submit">Return to the application without granting consent</button></div></form>
<p class="details">${escapeHtml(opts.detail)}</p>`,
  );
}

export function errorPage(opts: { code: number; message: string; requestId: string; correlationId: string }, status = 400): EmuResponse {
  return page(
    "Sign in to your account",
    `<h1>Sorry, but we’re having trouble signing you in.</h1>
<p role="alert">AADSTS${opts.code}: ${escapeHtml(opts.message)}</p>
<p class="details">Request Id: ${escapeHtml(opts.requestId)}<br>Correlation Id: ${escapeHtml(opts.correlationId)}<br>Timestamp: ${sandboxDate().toISOString()}</p>`,
    status,
  );
}

export function deviceCodeEntryPage(action: string, error?: string): EmuResponse {
  return page(
    "Enter code",
    `<h1>Enter code</h1><p>Enter the code displayed on your app or device.</p>
<form method="post" action="${escapeHtml(action)}">
<label for="otc">Code</label>
<input id="otc" name="otc" type="text" autocomplete="off" required autofocus>
${errorLine(error)}
<div class="actions"><button class="primary" type="submit" id="idSIButton9">Next</button></div></form>`,
  );
}

export function messagePage(title: string, message: string): EmuResponse {
  return page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>`);
}

/** Entra's form_post response: a self-submitting form to the redirect URI (with a button when scripts are off). */
export function formPostPage(action: string, fields: Record<string, string>): EmuResponse {
  return html(
    200,
    `<!DOCTYPE html><html><head><title>Working...</title></head><body onload="document.forms[0].submit()">
<form method="POST" name="hiddenform" action="${escapeHtml(action)}">${hidden(fields)}
<noscript><p>Script is disabled. Click Submit to continue.</p><input type="submit" value="Submit"></noscript></form></body></html>`,
    { "cache-control": "no-store, no-cache", pragma: "no-cache" },
  );
}
