import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { ACTON_ISSUER, launchUrl, signLaunchToken, verifyLaunchLink, type DeepLinkKey, type SignLaunchLinkInput } from "./launch-link";

const KEYS: DeepLinkKey[] = [
  { kid: "2026-12", secret: "a-very-long-shared-secret-for-act-on-links-0001" },
  { kid: "2026-06", secret: "the-previous-shared-secret-still-accepted-0002" },
];
const PORTAL = "https://portal.example.com";
const ORIGINS = ["https://app.act-on.com"];
const NOW = new Date("2026-12-02T02:00:00Z");

const base: SignLaunchLinkInput = {
  keys: KEYS,
  audience: PORTAL,
  actonAccountId: "acct-42",
  accountName: "Acme Corp",
  userEmail: "Jane@Acme.example",
  intent: "connect",
  returnTo: "https://app.act-on.com/settings/connectors/crm?tab=dynamics",
  now: NOW,
};
const verifier = { keys: KEYS, audience: PORTAL, returnOrigins: ORIGINS, now: NOW };

async function codeOf(token: string, v = verifier) {
  const r = await verifyLaunchLink(token, v);
  return r.ok ? "ok" : r.error.code;
}

describe("verifyLaunchLink", () => {
  it("accepts a link Act-On signed with the first key and returns its claims", async () => {
    const r = await verifyLaunchLink(await signLaunchToken(base), verifier);
    expect(r).toMatchObject({
      ok: true,
      claims: {
        actonAccountId: "acct-42",
        accountName: "Acme Corp",
        userEmail: "jane@acme.example",
        intent: "connect",
        returnTo: "https://app.act-on.com/settings/connectors/crm?tab=dynamics",
        issuedAt: NOW,
      },
    });
  });

  it("carries the environment Act-On names (optional), normalised: lower-case origin, no trailing slash", async () => {
    const none = await verifyLaunchLink(await signLaunchToken(base), verifier);
    expect(none.ok && none.claims.environmentUrl).toBeNull();
    const named = await verifyLaunchLink(await signLaunchToken({ ...base, environmentUrl: "https://Contoso.CRM.dynamics.com/" }), verifier);
    expect(named.ok && named.claims.environmentUrl).toBe("https://contoso.crm.dynamics.com");
  });

  it("accepts a link signed with an older key still listed (rotation), and a trailing slash on the portal URL", async () => {
    const token = await signLaunchToken({ ...base, keys: [KEYS[1]] });
    expect(await codeOf(token, { ...verifier, audience: `${PORTAL}/` })).toBe("ok");
  });

  it("refuses a tampered payload as a bad signature", async () => {
    const [h, p, s] = (await signLaunchToken(base)).split(".");
    const claims = JSON.parse(Buffer.from(p, "base64url").toString());
    claims.account_id = "acct-someone-else";
    const tampered = [h, Buffer.from(JSON.stringify(claims)).toString("base64url"), s].join(".");
    const r = await verifyLaunchLink(tampered, verifier);
    expect(r).toMatchObject({ ok: false, error: { code: "link_invalid_signature" }, trusted: null });
  });

  it("refuses a link signed with an unknown key, without a kid, or with another algorithm", async () => {
    expect(await codeOf(await signLaunchToken({ ...base, keys: [{ kid: "2026-12", secret: "x".repeat(40) }] }))).toBe("link_invalid_signature");
    expect(await codeOf(await signLaunchToken({ ...base, keys: [{ kid: "retired", secret: KEYS[0].secret }] }))).toBe("link_invalid_signature");
    const noKid = await new SignJWT({ iss: ACTON_ISSUER, aud: PORTAL })
      .setProtectedHeader({ alg: "HS256" })
      .sign(new TextEncoder().encode(KEYS[0].secret));
    expect(await codeOf(noKid)).toBe("link_invalid_signature");
    const hs512 = await new SignJWT({ iss: ACTON_ISSUER, aud: PORTAL })
      .setProtectedHeader({ alg: "HS512", kid: KEYS[0].kid })
      .sign(new TextEncoder().encode(KEYS[0].secret.repeat(2)));
    expect(await codeOf(hs512)).toBe("link_invalid_signature");
    const none = `${Buffer.from('{"alg":"none","kid":"2026-12"}').toString("base64url")}.${Buffer.from("{}").toString("base64url")}.x`;
    expect(await codeOf(none)).toBe("link_invalid_signature");
  });

  it("refuses a link for another portal (audience) and one not issued by Act-On (issuer), with trusted claims", async () => {
    const wrongAud = await verifyLaunchLink(await signLaunchToken({ ...base, audience: "https://other-portal.example.com" }), verifier);
    expect(wrongAud).toMatchObject({ ok: false, error: { code: "link_wrong_audience" }, trusted: { actonAccountId: "acct-42" } });
    expect(await codeOf(await signLaunchToken({ ...base, overrides: { iss: "https://evil.example" } }))).toBe("link_wrong_issuer");
  });

  it("refuses an expired link, telling the admin how to get a new one; the signature was checked first", async () => {
    const token = await signLaunchToken({ ...base, lifetimeSeconds: 600 });
    const later = new Date(NOW.getTime() + 11 * 60_000);
    const r = await verifyLaunchLink(token, { ...verifier, now: later });
    expect(r).toMatchObject({ ok: false, error: { code: "link_expired" }, trusted: { actonAccountId: "acct-42" } });
    if (!r.ok) expect(r.error.userMessage).toMatch(/Settings › Connectors › CRM › MS Dynamics in Act-On again/);
    // Within the 30-second clock tolerance it still works.
    expect(await codeOf(token, { ...verifier, now: new Date(NOW.getTime() + 10 * 60_000 + 20_000) })).toBe("ok");
  });

  it("refuses a link living longer than 15 minutes, and one used more than 15 minutes after it was issued", async () => {
    expect(await codeOf(await signLaunchToken({ ...base, lifetimeSeconds: 16 * 60 }))).toBe("link_malformed");
    const old = await signLaunchToken({ ...base, now: new Date(NOW.getTime() - 16 * 60_000), overrides: { exp: NOW.getTime() / 1000 + 60 } });
    expect(await codeOf(old)).toBe("link_expired");
  });

  it("refuses a return URL whose origin is not allowed, including look-alikes and credentials", async () => {
    for (const returnTo of [
      "https://evil.example/settings",
      "https://app.act-on.com.evil.example/",
      "http://app.act-on.com/settings",
      "https://user:pw@app.act-on.com/",
      "https://app.act-on.com:8443/",
    ]) {
      expect(await codeOf(await signLaunchToken({ ...base, returnTo })), returnTo).toBe("link_return_not_allowed");
    }
    expect(await codeOf(await signLaunchToken({ ...base, returnTo: "javascript:alert(1)" }))).not.toBe("ok");
  });

  it("refuses missing or malformed claims", async () => {
    const cases: Record<string, unknown>[] = [
      { account_id: undefined },
      { account_id: "" },
      { account_id: "acct/../../x" },
      { account_name: undefined },
      { user_email: "not-an-email" },
      { intent: "delete" },
      { return_to: undefined },
      { return_to: "not a url" },
      { jti: undefined },
      { jti: "short" },
      { iat: undefined },
      { exp: undefined },
      { iat: NOW.getTime() / 1000 + 3600 },
      { environment_url: "not a url" },
      { environment_url: "http://contoso.crm.dynamics.com" },
      { environment_url: "https://user:pw@contoso.crm.dynamics.com" },
      { environment_url: "https://contoso.crm.dynamics.com/?tenant=x" },
      { environment_url: 42 },
    ];
    for (const overrides of cases) {
      expect(await codeOf(await signLaunchToken({ ...base, overrides })), JSON.stringify(overrides)).toBe("link_malformed");
    }
    expect(await codeOf("not-a-jws")).toBe("link_malformed");
    expect(await codeOf("a.b")).toBe("link_malformed");
    expect(await codeOf("e30.e30.e30")).toBe("link_malformed");
  });

  it("builds the link Act-On sends: <portal>/launch?t=<jws>", async () => {
    const token = await signLaunchToken(base);
    expect(launchUrl(`${PORTAL}/`, token)).toBe(`${PORTAL}/launch?t=${token}`);
    expect(JSON.parse(Buffer.from(token.split(".")[0], "base64url").toString())).toEqual({ alg: "HS256", kid: "2026-12", typ: "JWT" });
  });
});
