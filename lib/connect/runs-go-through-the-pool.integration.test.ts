/**
 * On-premises and disconnect, as the browser's actions call them: the action starts and approves the run and hands it
 * to the run pool, answering at once; a server that asks to wait shows on the checklist as waiting, never as a
 * failure, and the run carries on to its end. A disconnect acts with the person's OWN Microsoft sign-in: one that
 * another person left for the connection is never borrowed.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ensureAccount } from "../domain/account/ensure-account";
import { saveAdminSession } from "../domain/session/admin-sign-in";
import type { Engine } from "../provisioning/engine";
import { createRunPool, type RunPool } from "../provisioning/run-pool";
import { contosoSessionOn } from "@/test/support/portal-session-view";
import { useTestDatabase } from "@/test/support/test-databases";
import { TEST_KEYS, testEngine } from "@/test/support/engine-fixture";
import { CONTOSO_ADMIN, CONTOSO_USER, SANDBOX_PASSWORD, TENANTS, signInAs, useMicrosoftSandbox } from "@/test/support/microsoft-sandbox";
import { authorize, type Authorized } from "./authorize";
import { readChecklist } from "./checklist-view";
import { disconnect, previewDisconnect } from "./disconnect";
import { getConnectionForViewer } from "./engine";
import { connectOnPremises } from "./on-premises";

vi.setConfig({ testTimeout: 60_000 });
const fx = useMicrosoftSandbox();

describe("on-premises and disconnect runs go through the run pool", () => {
  const t = useTestDatabase("sqlite");
  let engine: Engine;
  let pool: RunPool;
  beforeAll(() => {
    // As in production, a step's budget outlasts the server's Retry-After; the inline wait (10 s) does not.
    const base = testEngine(t.db, fx, { config: { budget: { stepBudgetMs: 60_000, maxAttempts: 400 } } });
    pool = createRunPool(base, { size: 2 });
    engine = { ...base, wake: (runId) => pool.wake(runId) };
  });
  afterAll(() => pool.close());
  afterEach(async () => {
    await fx.control.clearFaults();
  });

  async function who(data: Record<string, unknown> = {}, username = CONTOSO_ADMIN): Promise<Authorized> {
    const account = await ensureAccount(t.db, { actonAccountId: `acct-${Math.random().toString(36).slice(2)}`, name: "Contoso" });
    const row = await t.db.connection.create({ data: { accountId: account.id, authMode: "cloud", status: "draft", ...data } });
    const session = contosoSessionOn(account, row.id, { username, objectId: "admin" });
    const connection = await getConnectionForViewer(t.db, row.id, { kind: "account", accountId: account.id });
    if (!connection.ok) throw new Error("the connection was not found");
    return { session, connection: connection.value, signIn: null };
  }

  /** What the disconnect action is given: `authorize`'s answer, with the person's own stored sign-in (or its refusal). */
  async function authorizedToDisconnect(w: Authorized) {
    return authorize(w.session, w.connection.id, "disconnect", { engine });
  }

  async function checklistUntil(w: Authorized, done: (status: string) => boolean) {
    let last = "";
    for (let i = 0; i < 600; i += 1) {
      const state = await readChecklist(engine, w);
      if (state.ok && done(state.value.runStatus)) return state.value;
      last = state.ok ? `${state.value.runStatus} ${JSON.stringify(state.value.steps.map((s) => [s.name, s.state, s.message]))}` : state.error.code;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`the checklist never reached the expected state (last: ${last})`);
  }

  it("an on-premises server that answers 429 with Retry-After shows as waiting, then the run finishes: the action neither waits nor fails", async () => {
    const w = await who();
    await fx.control.addFault({ service: "dataverse", kind: "throttle", path: "/dynamics/contoso-onprem", retryAfterSeconds: 12, remaining: 100 });
    const began = Date.now();
    const result = await connectOnPremises(engine, w, {
      serverUrl: fx.environmentUrl("contoso-onprem"),
      username: "CONTOSO\\crmadmin",
      password: SANDBOX_PASSWORD,
    });
    expect(result).toMatchObject({ ok: true });
    expect(Date.now() - began).toBeLessThan(5_000);

    const waiting = await checklistUntil(w, (s) => s === "waiting");
    expect(waiting.settled).toBe(false);
    expect(waiting.steps.some((s) => s.state === "failed")).toBe(false);

    await fx.control.clearFaults();
    if (result.ok) pool.wake(result.runId);
    const finished = await checklistUntil(w, (s) => s === "succeeded" || s === "failed");
    expect(finished).toMatchObject({ runStatus: "succeeded", connectionStatus: "active" });
  });

  it("a wrong on-premises password is the checklist's failed step, not the action's wait", async () => {
    const w = await who();
    const result = await connectOnPremises(engine, w, {
      serverUrl: fx.environmentUrl("contoso-onprem"),
      username: "CONTOSO\\crmadmin",
      password: "nope",
    });
    expect(result).toMatchObject({ ok: true });
    const failed = await checklistUntil(w, (s) => s === "failed");
    expect(failed.steps.find((s) => s.state === "failed")).toBeDefined();
  });

  it("a private address is refused before any run starts (the password goes nowhere)", async () => {
    const w = await who();
    const result = await connectOnPremises(engine, w, { serverUrl: "https://10.1.2.3/contoso", username: "u", password: "p" });
    expect(result).toMatchObject({ ok: false, field: "serverUrl" });
    expect(await t.db.provisioningRun.count({ where: { connectionId: w.connection.id } })).toBe(0);
  });

  it("a disconnect never acts with a sign-in another person left: the person is asked to sign in first, nothing starts", async () => {
    const w = await who({ status: "active", tenantId: TENANTS.contoso }, CONTOSO_USER);
    await saveAdminSession(t.db, { connectionId: w.connection.id, session: await signInAs(fx, CONTOSO_ADMIN), keys: TEST_KEYS });
    expect(await previewDisconnect(engine, w)).toMatchObject({ needsMicrosoftSignIn: true, signedIn: false });
    expect(await authorizedToDisconnect(w)).toMatchObject({ ok: false, error: { code: "unauthorized" } });
    // Even called without the guard, the use case acts only with the sign-in the guard found for the person (none).
    const refused = await disconnect(engine, w, { removeApplicationUser: false, deleteAppRegistration: false });
    expect(refused).toMatchObject({ ok: false, error: { code: "unauthorized" } });
    expect(await t.db.provisioningRun.count({ where: { connectionId: w.connection.id } })).toBe(0);
  });

  it("a disconnect with the person's own sign-in starts at once and finishes on the checklist", async () => {
    const w = await who({ status: "active", tenantId: TENANTS.contoso });
    await saveAdminSession(t.db, { connectionId: w.connection.id, session: await signInAs(fx, CONTOSO_ADMIN), keys: TEST_KEYS });
    expect(await previewDisconnect(engine, w)).toMatchObject({ needsMicrosoftSignIn: true, signedIn: true });
    const authorized = await authorizedToDisconnect(w);
    if (!authorized.ok) throw new Error(authorized.error.userMessage);
    const started = await disconnect(engine, authorized.value, { removeApplicationUser: false, deleteAppRegistration: false });
    expect(started).toMatchObject({ ok: true });
    const finished = await checklistUntil(w, (s) => s === "succeeded" || s === "failed");
    expect(finished).toMatchObject({ runStatus: "succeeded", connectionStatus: "disconnected" });
  });

  it("a sign-in past its expiry does not count on the confirmation", async () => {
    const w = await who({ status: "active", tenantId: TENANTS.contoso });
    const session = await signInAs(fx, CONTOSO_ADMIN);
    await saveAdminSession(t.db, { connectionId: w.connection.id, session, keys: TEST_KEYS, ttlMs: 1_000, now: new Date(Date.now() - 60_000) });
    expect(await previewDisconnect(engine, w)).toMatchObject({ signedIn: false });
  });
});
