/** What a raw OAuth client does by hand, for the identity contract tests that look beneath MSAL. */

/** Decodes a JWT's payload without verifying it (tests check claims; signatures are checked separately). */
export function decodeJwt(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8")) as Record<string, unknown>;
}

/** Posts a form to the sandbox's token endpoint and returns status + JSON, as a raw OAuth client would. */
export async function postToken(origin: string, tenant: string, form: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(`${origin}/${tenant}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}
