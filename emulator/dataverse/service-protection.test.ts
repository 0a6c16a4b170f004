/**
 * Dataverse's service protection limits, per user, at small limits (settings.serviceProtection): 429 with Retry-After
 * and Microsoft's code and message for each limit, seen through dynamics-web-api (a client we did not write) and raw
 * HTTP; another user is not affected; refused requests are not counted.
 */
import { DynamicsWebApi } from "dynamics-web-api";
import { beforeAll, describe, expect, it } from "vitest";
import { useSandbox } from "@/test/support/sandbox";
import { mintAccessToken } from "../testing/contract-tokens";
import { rejectionOf } from "../testing/rejection";
import { ENVIRONMENTS, TENANTS, USERS } from "../scenarios/ids";

const sandbox = useSandbox();
let envUrl: string;
beforeAll(() => {
  envUrl = `${sandbox.origin}/dynamics/${ENVIRONMENTS.contosoSales.urlName}`;
});

const token = (oid: string) => mintAccessToken({ tid: TENANTS.contoso, aud: envUrl, oid, scp: "user_impersonation" });
const webApi = (oid: string) => new DynamicsWebApi({ serverUrl: `${envUrl}/`, dataApi: { version: "9.2" }, onTokenRefresh: () => token(oid) });
const whoAmI = async (oid: string) => fetch(`${envUrl}/api/data/v9.2/WhoAmI`, { headers: { authorization: `Bearer ${await token(oid)}` } });

type WebApiError = { status: number; code: string; message: string; headers: Record<string, string> };
const refusal = (call: Promise<unknown>) => rejectionOf<WebApiError>(call);

describe("service protection limits", () => {
  it("number of requests: over the limit a user gets 429 0x80072322 with Retry-After; another user does not", async () => {
    await sandbox.control.setSettings({ serviceProtection: { requests: 3, windowSeconds: 120 } });
    const admin = webApi(USERS.contosoAdmin);
    for (let i = 0; i < 3; i++) await admin.callFunction("WhoAmI");
    const refused = await refusal(admin.callFunction("WhoAmI"));
    expect(refused).toMatchObject({
      status: 429,
      code: "0x80072322",
      message: "Number of requests exceeded the limit of 3 over time window of 120 seconds.",
    });
    // The oldest of the three leaves the window in about two minutes: that is when the user may send again.
    expect(Number(refused.headers["retry-after"])).toBeGreaterThanOrEqual(118);
    expect(Number(refused.headers["retry-after"])).toBeLessThanOrEqual(120);
    // Still refused (the refusals did no work and are not counted), and only this user is.
    expect((await whoAmI(USERS.contosoAdmin)).status).toBe(429);
    const other = await whoAmI(USERS.contosoUser);
    expect(other.status).toBe(200);
    expect(other.headers.get("x-ms-ratelimit-burst-remaining-xrm-requests")).toBe("2");
  });

  it("concurrent requests: the request over the limit is refused at once with 0x80072326", async () => {
    await sandbox.control.setSettings({ serviceProtection: { concurrent: 2 } });
    await sandbox.control.addFault({ service: "dataverse", kind: "latency", latencyMs: 400, path: "/api/data/v9.2/WhoAmI" });
    const answers = await Promise.all([0, 1, 2].map(() => whoAmI(USERS.contosoAdmin)));
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 429]);
    const refused = answers.find((r) => r.status === 429)!;
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(await refused.json()).toEqual({ error: { code: "0x80072326", message: "Number of concurrent requests exceeded the limit of 2." } });
  });

  it("execution time: once the user's requests took longer than the limit together, 0x80072321", async () => {
    await sandbox.control.setSettings({ serviceProtection: { executionMs: 250 } });
    await sandbox.control.addFault({ service: "dataverse", kind: "latency", latencyMs: 150, path: "/api/data/v9.2/WhoAmI" });
    expect((await whoAmI(USERS.contosoAdmin)).status).toBe(200);
    expect((await whoAmI(USERS.contosoAdmin)).status).toBe(200);
    const refused = await refusal(webApi(USERS.contosoAdmin).callFunction("WhoAmI"));
    expect(refused).toMatchObject({
      status: 429,
      code: "0x80072321",
      message:
        "Combined execution time of incoming requests exceeded limit of 250 milliseconds over time window of 300 seconds. Decrease number of concurrent requests or reduce the duration of requests and try again later.",
    });
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(290);
  });

  it("Microsoft's limits by default; a limit that is not a positive number is refused", async () => {
    const settings = await sandbox.control.getState().then((s) => s.settings);
    expect(settings.serviceProtection).toBeUndefined();
    const res = await fetch(`${sandbox.origin}/__emulator/settings`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ serviceProtection: { requests: 0 } }),
    });
    expect(res.status).toBe(400);
    expect((await whoAmI(USERS.contosoAdmin)).headers.get("x-ms-ratelimit-burst-remaining-xrm-requests")).toBe("5999");
  });
});
