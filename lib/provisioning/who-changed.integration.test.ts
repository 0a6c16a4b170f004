/**
 * "Who changed what" in a repair plan, against the sandbox: another admin disables the connection's application user
 * in Dynamics 365; the repair plan, read with the repairing admin's own sign-in, says who and when from the
 * environment's audit history. With auditing off it claims nobody; an ordinary connect never reads the audit history.
 */
import { describe, expect, it, vi } from "vitest";
import { getAdminToken } from "../microsoft/admin-session";
import { auditTimeLabel } from "../connect/who-changed";
import { CONTOSO_ADMIN, ENVIRONMENTS, PORTAL_APP, signInAs, TENANTS, useMicrosoftSandbox } from "@/test/support/microsoft-sandbox";
import { USERS } from "@/emulator/scenarios/ids";
import { connectionObjects } from "@/test/support/sandbox-objects";
import { testEngine } from "@/test/support/engine-fixture";
import { useTestDatabase } from "@/test/support/test-databases";
import { connectContosoThroughEngine } from "@/test/support/hand-made-setup";
import { startRun } from "./start-run";

vi.setConfig({ testTimeout: 90_000 });
const fx = useMicrosoftSandbox();
const t = useTestDatabase("sqlite");
const actor = { type: "admin" as const, id: CONTOSO_ADMIN, tenantId: TENANTS.contoso };
const SALES = () => fx.environmentUrl(ENVIRONMENTS.contosoSales.urlName);

/** A Dataverse call as another Contoso admin (Contoso MFA Admin) in Power Platform admin center. */
async function asAnotherAdmin(method: string, path: string, body?: unknown): Promise<Response> {
  const now = Math.floor(Date.now() / 1000);
  const token = await fx.control.signToken({
    aud: SALES(),
    iss: `https://sts.windows.net/${TENANTS.contoso}/`,
    iat: now,
    nbf: now,
    exp: now + 3600,
    tid: TENANTS.contoso,
    oid: USERS.contosoMfaAdmin,
    sub: USERS.contosoMfaAdmin,
    appid: PORTAL_APP.appId,
    ver: "1.0",
    scp: "user_impersonation",
  });
  return fetch(`${SALES()}/api/data/v9.2/${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "if-match": "*" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** What "Start Auditing" in Power Platform admin center does, as the repairing admin. */
async function startAuditing() {
  const token = await getAdminToken(await signInAs(fx), { environmentUrl: SALES() }, { config: fx.config });
  const res = await fetch(`${SALES()}/api/data/v9.2/organizations(${ENVIRONMENTS.contosoSales.id})`, {
    method: "PATCH",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ isauditenabled: true }),
  });
  expect(res.status).toBe(204);
}

async function connect(engine: ReturnType<typeof testEngine>) {
  const connectionId = await connectContosoThroughEngine(t.db, engine, fx);
  const { accountId } = await t.db.connection.findUniqueOrThrow({ where: { id: connectionId }, select: { accountId: true } });
  return { accountId, connectionId };
}

/** The probe found `cause` (as lib/health records it), then the admin plans the repair. */
async function planRepair(engine: ReturnType<typeof testEngine>, accountId: string, connectionId: string, cause: string) {
  await t.db.connection.update({
    where: { id: connectionId },
    data: { healthState: "failing", healthCause: cause, healthSince: new Date(), healthCheckedAt: new Date() },
  });
  const run = await startRun(engine, {
    accountId,
    connectionId,
    kind: "connect",
    options: { mode: "cloud", credential: "secret", environment: SALES(), requestedBy: CONTOSO_ADMIN, secret: "keep" },
    session: await signInAs(fx),
    actor,
  });
  if (!run.ok) throw new Error(run.error.userMessage);
  return { runId: run.value.id, plan: run.value.plan! };
}

describe("a repair plan says who changed the application user", () => {
  it("names the admin who disabled it and when, from the audit history; an ordinary connect never reads it", async () => {
    const engine = testEngine(t.db, fx);
    await startAuditing();
    const since = new Date();
    const { accountId, connectionId } = await connect(engine);
    expect((await fx.control.getRequests(since)).filter((r) => /\/(audits|organizations)\b/.test(r.path))).toEqual([]);

    const appUser = connectionObjects(await fx.control.getState(), connectionId).users[0];
    expect((await asAnotherAdmin("PATCH", `systemusers(${appUser.systemuserid})`, { isdisabled: true })).status).toBe(204);
    const audits = (await fx.control.getState()).environments.find((e) => e.id === ENVIRONMENTS.contosoSales.id)!.audits!;
    const disabledAt = auditTimeLabel(audits.at(-1)!.createdon)!;

    const { runId, plan } = await planRepair(engine, accountId, connectionId, "application_user_disabled");
    expect(plan.whoChanged).toEqual([`The application user was disabled by Contoso MFA Admin on ${disabledAt}.`]);
    // The run keeps the plan as computed, so support reads the same words.
    const stored = await t.db.provisioningRun.findUniqueOrThrow({ where: { id: runId }, select: { plan: true } });
    expect((stored.plan as { whoChanged?: string[] }).whoChanged).toEqual(plan.whoChanged);
  });

  it("claims nobody when auditing is off in the environment", async () => {
    const engine = testEngine(t.db, fx);
    const { accountId, connectionId } = await connect(engine);
    const appUser = connectionObjects(await fx.control.getState(), connectionId).users[0];
    expect((await asAnotherAdmin("PATCH", `systemusers(${appUser.systemuserid})`, { isdisabled: true })).status).toBe(204);

    const { plan } = await planRepair(engine, accountId, connectionId, "application_user_disabled");
    expect(plan.whoChanged).toEqual(["Auditing is off in this environment, so Dynamics 365 kept no record of who changed the application user."]);
    expect(JSON.stringify(plan)).not.toMatch(/disabled by/);
  });

  it("says nothing when the audit history cannot be read (throttled), and the plan goes on", async () => {
    const engine = testEngine(t.db, fx);
    await startAuditing();
    const { accountId, connectionId } = await connect(engine);
    const appUser = connectionObjects(await fx.control.getState(), connectionId).users[0];
    expect((await asAnotherAdmin("PATCH", `systemusers(${appUser.systemuserid})`, { isdisabled: true })).status).toBe(204);
    await fx.control.addFault({
      service: "dataverse",
      method: "GET",
      path: `/dynamics/${ENVIRONMENTS.contosoSales.urlName}/api/data/v9.2/audits`,
      kind: "throttle",
      retryAfterSeconds: 300,
      remaining: null,
    });

    const since = new Date();
    const { plan } = await planRepair(engine, accountId, connectionId, "application_user_disabled");
    expect((await fx.control.getRequests(since)).filter((r) => r.path.endsWith("/audits")).map((r) => r.status)).toContain(429);
    expect(plan.whoChanged).toBeUndefined();
    expect(plan.blockers).toEqual([]);
  });

  it("names the role taken from the application user, and who took it", async () => {
    const engine = testEngine(t.db, fx);
    await startAuditing();
    const { accountId, connectionId } = await connect(engine);
    const { users, roleLinks } = connectionObjects(await fx.control.getState(), connectionId);
    const removed = await asAnotherAdmin("DELETE", `systemusers(${users[0].systemuserid})/systemuserroles_association(${roleLinks[0].roleid})/$ref`);
    expect(removed.status).toBe(204);
    const audits = (await fx.control.getState()).environments.find((e) => e.id === ENVIRONMENTS.contosoSales.id)!.audits!;

    const { plan } = await planRepair(engine, accountId, connectionId, "privilege_missing");
    expect(plan.whoChanged).toEqual([
      `The security role “Act-On Integration” was removed from the application user by Contoso MFA Admin on ${auditTimeLabel(audits.at(-1)!.createdon)}.`,
    ]);
  });
});
