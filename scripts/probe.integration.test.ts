/**
 * `npm run probe -- --connection <id>` and `npm run probe -- --due` as an operator runs them: a real child process
 * against the sandbox, which prints the state, the cause and the fix line by line (with --due, a line per due
 * connection and a summary), exits 0 whatever the health, and non-zero when it cannot probe.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxPortalEnv } from "@/test/support/sandbox-portal-env";
import { SANDBOX_PASSWORD, useMicrosoftSandbox } from "@/test/support/microsoft-sandbox";
import { testEngine } from "@/test/support/engine-fixture";
import { connectionObjects } from "@/test/support/sandbox-objects";
import { readSecret, storeSecret } from "@/lib/domain/secret/store-secret";
import { probeConnection } from "@/lib/health/probe-connection";
import { createTestDatabase, type TestDatabase } from "@/test/support/test-databases";
import { connectContosoThroughEngine } from "@/test/support/hand-made-setup";

const fx = useMicrosoftSandbox();
const root = join(import.meta.dirname, "..");
const key = randomBytes(32);

describe("npm run probe", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase("sqlite");
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  function probe(args: string[]): Promise<{ code: number; output: string }> {
    const child = spawn(join(root, "node_modules", ".bin", "tsx"), ["--conditions=react-server", join(root, "scripts", "probe.ts"), ...args], {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: t.url,
        PORTAL_ENCRYPTION_KEYS: `cli:${key.toString("base64")}`,
        ...sandboxPortalEnv(fx),
        LOG_LEVEL: "error",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    return new Promise((resolve) => child.on("close", (code) => resolve({ code: code ?? -1, output })));
  }

  it("prints failing (was healthy) with the cause and the fix once the application user is gone; refuses what it cannot probe", async () => {
    const engine = testEngine(t.db, fx, { config: { keys: [{ id: "cli", key }] } });
    const connectionId = await connectContosoThroughEngine(t.db, engine, fx, "acme-probe");

    // Probed healthy first, in process (the command's own healthy answer is the same code path).
    expect(await probeConnection({ db: t.db, config: engine.config, call: engine.call }, { connectionId })).toMatchObject({
      ok: true,
      value: { state: "healthy" },
    });

    // Someone deletes the application user in Dynamics. The control API shows secrets as metadata only, so the
    // connection's own secret is given back in clear with the changed state.
    const state = await fx.control.getState();
    const { users } = connectionObjects(state, connectionId);
    const row = await t.db.secret.findFirstOrThrow({ where: { connectionId, kind: "clientSecret", status: "active" } });
    const secret = await readSecret(t.db, { secretId: row.id, keys: [{ id: "cli", key }] });
    if (!secret?.ok) throw new Error("secret unreadable");
    for (const app of connectionObjects(state, connectionId).apps)
      for (const c of app.passwordCredentials) if (c.keyId === row.microsoftKeyId) Object.assign(c, { secretText: secret.value });
    for (const env of state.environments) env.systemUsers = env.systemUsers.filter((u) => u.systemuserid !== users[0].systemuserid);
    await fx.control.reset({ state });

    // The three runs at once: each process spends its seconds starting tsx, not probing.
    const [failing, unknown, missing] = await Promise.all([
      probe(["--connection", connectionId]),
      probe(["--connection", "no-such-connection"]),
      probe([]),
    ]);
    expect(failing.code, failing.output).toBe(0);
    expect(failing.output).toMatch(/State\s+failing \(was healthy\)/);
    expect(failing.output).toMatch(/Cause\s+application_user_missing/);
    expect(failing.output).toMatch(/Fix\s+.*repair/);
    expect(failing.output).toMatch(/Webhook\s+connection\.health_changed/);
    expect(failing.output).not.toContain(secret.value);

    expect(unknown.code).toBe(1);
    expect(unknown.output).toContain("No connection has this id");
    expect(missing.code).toBe(2);
    expect(missing.output).toContain("--connection <connection id> is required");
  }, 90_000);

  it("--due probes each due connection once, a line per connection and a summary, and leaves the rest on the schedule", async () => {
    const engine = testEngine(t.db, fx, { config: { keys: [{ id: "cli", key }] } });
    const due = await connectContosoThroughEngine(t.db, engine, fx, "acme-due");
    const notYet = await t.db.connection.create({
      data: { accountId: (await t.db.connection.findUniqueOrThrow({ where: { id: due } })).accountId, authMode: "cloud", status: "active" },
    });
    // An on-premises connection (CONTOSO\\crmadmin over HTTP Basic) is on the same schedule.
    const onPremises = await t.db.connection.create({
      data: {
        accountId: notYet.accountId,
        authMode: "onprem",
        status: "active",
        environmentUrl: fx.environmentUrl("contoso-onprem"),
        integrationUsername: "CONTOSO\\crmadmin",
      },
    });
    await storeSecret(t.db, {
      connectionId: onPremises.id,
      kind: "password",
      plaintext: SANDBOX_PASSWORD,
      keys: [{ id: "cli", key }],
      status: "active",
    });
    const past = new Date(Date.now() - 60_000);
    await t.db.connection.updateMany({
      where: { status: "active", id: { notIn: [due, onPremises.id] } },
      data: { probeDueAt: new Date(Date.now() + 3600_000) },
    });
    await t.db.connection.updateMany({ where: { id: { in: [due, onPremises.id] } }, data: { probeDueAt: past } });

    const first = await probe(["--due"]);
    expect(first.code, first.output).toBe(0);
    expect(first.output).toMatch(new RegExp(`${due}\\s+healthy`));
    expect(first.output).toMatch(new RegExp(`${onPremises.id}\\s+healthy`));
    expect(first.output).not.toContain(notYet.id);
    expect(first.output).toMatch(/Probed 2 in [\d.]+ s: 2 healthy, 0 degraded, 0 failing/);
    const after = await t.db.connection.findUniqueOrThrow({ where: { id: due } });
    expect(after).toMatchObject({ healthState: "healthy", probeLeaseOwner: null, probeLeaseUntil: null });
    // Back on the schedule, about one interval (6 h by default) on: nothing is due for a second run.
    expect(after.probeDueAt!.getTime() - Date.now()).toBeGreaterThan(3 * 3600_000);
    const [second, both] = await Promise.all([probe(["--due"]), probe(["--due", "--connection", due])]);
    expect(second.code, second.output).toBe(0);
    expect(second.output).toMatch(/Probed 0 .*nothing was due/);
    expect(await t.db.healthProbe.count({ where: { connectionId: due } })).toBe(1);
    expect(both.code).toBe(2);
  }, 90_000);
});
