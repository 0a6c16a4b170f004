import { describe, expect, it } from "vitest";
import { listEnvironments } from "./discovery";
import { isMicrosoftError } from "./errors";
import { getAdminToken } from "./admin-session";
import { callLog, CONTOSO_ADMIN, CONTOSO_USER, ENVIRONMENTS, FAST_RETRY, signInAs, useMicrosoftSandbox } from "@/test/support/microsoft-sandbox";

const fx = useMicrosoftSandbox();
const salesUrl = () => fx.environmentUrl(ENVIRONMENTS.contosoSales.urlName);

describe("Global Discovery Service", () => {
  it("lists the admin's cloud environments with their URLs", async () => {
    const session = await signInAs(fx, CONTOSO_ADMIN);
    const log = callLog();
    const envs = await listEnvironments({
      baseUrl: fx.discoveryUrl,
      getToken: () => getAdminToken(session, "discovery", { config: fx.config }),
      recorder: log,
    });
    expect(envs.map((e) => e.friendlyName)).toEqual(["Contoso EU", "Contoso Sales"]);
    expect(envs.find((e) => e.uniqueName === "contososales")).toMatchObject({
      id: ENVIRONMENTS.contosoSales.id,
      environmentId: ENVIRONMENTS.contosoSales.environmentId,
      url: salesUrl(),
      region: "NA",
      state: "enabled",
      isUserSysAdmin: true,
    });
    expect(log.calls).toHaveLength(1);
  });

  it("a plain user sees only the environments they belong to, without admin rights", async () => {
    const session = await signInAs(fx, CONTOSO_USER);
    const envs = await listEnvironments({ baseUrl: fx.discoveryUrl, getToken: () => getAdminToken(session, "discovery", { config: fx.config }) });
    expect(envs.map((e) => [e.uniqueName, e.isUserSysAdmin])).toEqual([["contososales", false]]);
  });

  it("retries through a 503 from the discovery service", async () => {
    const session = await signInAs(fx, CONTOSO_ADMIN);
    const log = callLog();
    await fx.control.addFault({ service: "discovery", method: "GET", path: "/api/discovery/v2.0/Instances", kind: "unavailable", remaining: 1 });
    const envs = await listEnvironments({
      baseUrl: fx.discoveryUrl,
      getToken: () => getAdminToken(session, "discovery", { config: fx.config }),
      recorder: log,
      retry: FAST_RETRY,
    });
    expect(envs).toHaveLength(2);
    expect(log.calls.map((c) => c.status)).toEqual([503, 200]);
  });

  it("a Graph token is refused (wrong audience): unauthorized", async () => {
    const session = await signInAs(fx, CONTOSO_ADMIN);
    const e = await listEnvironments({ baseUrl: fx.discoveryUrl, getToken: () => getAdminToken(session, "graph", { config: fx.config }) }).catch(
      (x: unknown) => x,
    );
    expect(isMicrosoftError(e, "unauthorized")).toBe(true);
  });
});
