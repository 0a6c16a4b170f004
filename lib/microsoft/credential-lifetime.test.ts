/**
 * A tenant app-management policy capping client-secret lifetimes: Microsoft refuses addPassword with
 * `CredentialInvalidLifetimeAsPerAppPolicy`; the engine reads the allowed lifetime and adds the secret once more.
 */
import { describe, expect, it } from "vitest";
import { isMicrosoftError } from "./errors";
import { addClientSecret, getPasswordLifetimeLimit, isoDurationDays } from "./graph";

const APP = "30000000-0000-4000-8000-0000000000aa";
const KEY = "33000000-0000-4000-8000-0000000000bb";
const NOW = new Date("2026-12-02T00:00:00Z");

function scripted(answers: { status: number; body?: unknown }[]) {
  const sent: { method: string; path: string; body: unknown }[] = [];
  const impl = (async (url: URL | string, init?: RequestInit) => {
    sent.push({ method: init?.method ?? "GET", path: new URL(String(url)).pathname, body: init?.body ? JSON.parse(String(init.body)) : undefined });
    const next = answers.shift();
    if (!next) throw new Error(`unscripted ${init?.method} ${String(url)}`);
    return new Response(next.body === undefined ? null : JSON.stringify(next.body), {
      status: next.status,
      headers: { "content-type": "application/json" },
    });
  }) as typeof fetch;
  return { impl, sent, ctx: { baseUrl: "https://graph.microsoft.com", getToken: async () => "t", fetchImpl: impl } };
}

// Microsoft's answer, as reported verbatim by several public issue threads (e.g. Azure/azure-cli#28522).
const refused = {
  status: 400,
  body: {
    error: {
      code: "CredentialInvalidLifetimeAsPerAppPolicy",
      message: "Credential lifetime exceeds the max value allowed as per assigned policy 'aaaa'.",
      details: [{ code: "InvalidKeyEndDate", target: "EndDate" }],
    },
  },
};
const policy = (maxLifetime: string) => ({
  status: 200,
  body: {
    isEnabled: true,
    applicationRestrictions: { passwordCredentials: [{ restrictionType: "passwordLifetime", maxLifetime, state: "enabled" }] },
  },
});
const created = (endDateTime: string) => ({ status: 200, body: { keyId: KEY, secretText: "abc8Q~x", hint: "abc", endDateTime } });

describe("client secret lifetime policy", () => {
  it("parses ISO 8601 durations", () => {
    expect(isoDurationDays("P180D")).toBe(180);
    expect(isoDurationDays("P1Y")).toBe(365);
    expect(isoDurationDays("PT4320H")).toBe(180);
    expect(isoDurationDays("P6M")).toBe(180);
    expect(isoDurationDays("nonsense")).toBeNull();
    expect(isoDurationDays("P")).toBeNull();
  });

  it("a refusal is retried once with the lifetime the tenant's policy allows", async () => {
    const h = scripted([refused, policy("P180D"), { status: 200, body: { value: [] } }, created("2027-05-31T00:00:00Z")]);
    const secret = await addClientSecret(h.ctx, { objectId: APP, displayName: "acton", endDateTime: "2027-12-02T00:00:00Z", now: NOW });
    expect(secret.endDateTime).toBe("2027-05-31T00:00:00Z");
    expect(h.sent.map((s) => `${s.method} ${s.path}`)).toEqual([
      `POST /v1.0/applications/${APP}/addPassword`,
      "GET /v1.0/policies/defaultAppManagementPolicy",
      `GET /v1.0/applications/${APP}/appManagementPolicies`,
      `POST /v1.0/applications/${APP}/addPassword`,
    ]);
    const second = h.sent[3].body as { passwordCredential: { endDateTime: string } };
    const days = (Date.parse(second.passwordCredential.endDateTime) - NOW.getTime()) / 86_400_000;
    expect(days).toBe(179);
  });

  it("an app-specific policy stricter than the tenant default wins", async () => {
    const h = scripted([
      policy("P180D"),
      {
        status: 200,
        body: { value: [{ isEnabled: true, restrictions: { passwordCredentials: [{ restrictionType: "passwordLifetime", maxLifetime: "P90D" }] } }] },
      },
    ]);
    expect(await getPasswordLifetimeLimit(h.ctx, { objectId: APP })).toBe(90);
  });

  it("an unreadable policy ends in a clear message, not a loop", async () => {
    const denied = { status: 403, body: { error: { code: "Authorization_RequestDenied", message: "x" } } };
    const h = scripted([refused, denied, denied]);
    const e = await addClientSecret(h.ctx, { objectId: APP, displayName: "acton", endDateTime: "2027-12-02T00:00:00Z", now: NOW }).catch((x) => x);
    expect(isMicrosoftError(e, "invalid_input")).toBe(true);
    expect(e.appError.userMessage).toMatch(/app management policy/);
    expect(h.sent.filter((s) => s.method === "POST")).toHaveLength(1);
  });

  it("other refusals are not retried", async () => {
    const h = scripted([{ status: 400, body: { error: { code: "Request_BadRequest", message: "x" } } }]);
    await expect(addClientSecret(h.ctx, { objectId: APP, displayName: "acton", endDateTime: "2027-12-02T00:00:00Z" })).rejects.toSatisfy((e) =>
      isMicrosoftError(e),
    );
    expect(h.sent).toHaveLength(1);
  });
});
