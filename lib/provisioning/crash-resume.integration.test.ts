/**
 * Durability: a runner process killed at every step boundary, and between each Microsoft write and the database
 * write that would record it, resumes from the database in another process; a finished run driven again changes
 * nothing; two runners racing on one run do it once. Each ends with exactly one of everything at Microsoft.
 */
import { describe, expect, it, vi } from "vitest";
import { CONTOSO_ADMIN, TENANTS, signInAs, useMicrosoftSandbox } from "@/test/support/microsoft-sandbox";
import { engineMatrix, scenarioState, useSandboxScenario } from "@/test/support/engine-scenarios";
import { providersUnderTest, useTestDatabase } from "@/test/support/test-databases";
import { approveRun } from "./approve-run";
import { driveRunWith, type Engine } from "./engine";
import { resumeDueRuns } from "./resume-due-runs";
import { startRun } from "./start-run";
import { runUntilCrash } from "@/test/support/crash-runner";
import type { CrashPoint } from "@/test/support/crash-worker";
import { loadRun } from "../domain/run/run-store";
import { testEngine } from "@/test/support/engine-fixture";
import { connectionObjects, expectExactlyOneOfEverything as expectOneOfEverything } from "@/test/support/sandbox-objects";
import { startApprovedContosoRun } from "@/test/support/hand-made-setup";

// Whole runs against the sandbox on a shared two-core machine: allow more than the default 30 s.
vi.setConfig({ testTimeout: 90_000 });
const providers = await providersUnderTest();
const fx = useMicrosoftSandbox();
const actor = { type: "admin" as const, id: CONTOSO_ADMIN, tenantId: TENANTS.contoso };
// Short, so each kill point waits little for the dead runner's lease to expire; a live runner renews its lease every
// third of it, and only by owner, so a slow one keeps its run.
const LEASE_MS = 400;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The credential each database's sweep makes: a certificate (the default) on one, a client secret on the other, so
 * both credential steps are killed between their Microsoft write and its record without doubling the sweep's time.
 */
const CREDENTIAL: Record<string, "certificate" | "secret"> = { sqlite: "certificate", postgresql: "secret" };

/** The credential step's Microsoft write: addPassword, or the upload of the certificate to the app's keyCredentials. */
const CREDENTIAL_WRITE: Record<"certificate" | "secret", CrashPoint> = {
  secret: { afterCall: "/addPassword" },
  certificate: { afterCallMatching: "^PATCH /graph/v1\\.0/applications/[0-9a-f-]+$" },
};

/** Every kill point of a run (in the order a run whose steps go one at a time would meet them). */
const crashPoints = (credential: "certificate" | "secret"): CrashPoint[] => [
  { afterStep: "environment" },
  { afterStep: "preconditions" },
  { afterCall: "POST /graph/v1.0/applications" },
  { afterCall: "POST /graph/v1.0/servicePrincipals" },
  { afterStep: "appRegistration" },
  { afterCall: "POST /graph/v1.0/oauth2PermissionGrants" },
  { afterStep: "adminConsent" },
  CREDENTIAL_WRITE[credential],
  { afterStep: "clientSecret" },
  // The application user's writes, in the step's fixed order: the user, the assignment. The security role's writes
  // are made beside the Graph steps (prepared-role.ts), at no point of this order: the next sweep kills after them.
  { afterCall: "POST /dynamics/contoso-sales/api/data/v9.2/systemusers" },
  { afterCall: "/systemuserroles_association/$ref" },
  { afterStep: "applicationUser" },
];

/**
 * The security role's writes, which the drive makes beside the Graph steps: each is reached whatever the Graph side
 * has done meanwhile (the environment has no role when the first process starts, and a role without privileges when
 * the second does), and the resumed run finds the role by name.
 */
const ROLE_CRASH_POINTS: CrashPoint[] = [
  { afterCall: "POST /dynamics/contoso-sales/api/data/v9.2/roles" },
  { afterCall: "/Microsoft.Dynamics.CRM.AddPrivilegesRole" },
];

describe.each(engineMatrix(providers))("crash, resume, double run and races on %s against the %s sandbox", (provider, scenario) => {
  const t = useTestDatabase(provider);
  useSandboxScenario(fx, scenario);

  const credential = CREDENTIAL[provider] ?? "secret";
  const approvedRun = (engine: Engine) => startApprovedContosoRun(t.db, engine, fx, `acct-${Math.random().toString(36).slice(2)}`, credential);
  const expectExactlyOneOfEverything = (connectionId: string) => expectOneOfEverything(t.db, fx, connectionId);

  /**
   * A run that finished with kill points left: its end state is checked, then the sandbox starts from its scenario
   * again (the environment's shared role among what goes), so the next run creates everything anew and can be
   * killed where this one could no longer be.
   */
  const sweepInFreshWorld = async (connectionId: string) => {
    const run = await t.db.provisioningRun.findFirstOrThrow({ where: { connectionId }, select: { status: true } });
    expect(run.status).toBe("succeeded");
    await expectExactlyOneOfEverything(connectionId);
    await fx.control.reset({ state: scenarioState(fx) });
  };

  it("resumes after a crash at every step boundary and between every Microsoft write and its database write", async () => {
    const engine = testEngine(t.db, fx, { config: { leaseMs: LEASE_MS } });
    const survivor = testEngine(t.db, fx, { owner: "survivor", config: { leaseMs: LEASE_MS } });
    // Steps that run at once call Microsoft in no fixed order: each process dies at the first kill point it meets that
    // no process before it met. A point a run can no longer meet (its write went out beside a call another point
    // killed, and the resumed step found it done) is met in a new run.
    const points = crashPoints(credential);
    const remaining = points.map((point) => point);
    const runs: { id: string; connectionId: string; credentialKilled: boolean }[] = [];
    let processes = 0;
    while (remaining.length > 0) {
      expect(runs.length, `kill points no run met: ${JSON.stringify(remaining)}`).toBeLessThan(3);
      if (runs.length > 0) await sweepInFreshWorld(runs.at(-1)!.connectionId);
      const run = await approvedRun(engine);
      const swept = { id: run.id, connectionId: run.connection.id, credentialKilled: false };
      runs.push(swept);
      while (remaining.length > 0) {
        expect(processes, "the sweep should need about one process per kill point").toBeLessThan(points.length * 3);
        const crashed = await runUntilCrash({
          databaseUrl: t.url,
          runId: run.id,
          owner: `crashing-${processes++}`,
          config: engine.config,
          crashAtFirstOf: remaining,
        });
        if (crashed.code === 137) {
          const [point] = remaining.splice(Number(/CRASHED (\d+)/.exec(crashed.output)![1]), 1);
          if (point === CREDENTIAL_WRITE[credential]) swept.credentialKilled = true;
          await sleep(LEASE_MS + 150); // the dead process's lease must expire before anyone may take over
          continue;
        }
        expect(crashed.code, crashed.output).toBe(0);
        const after = await loadRun(t.db, run.id);
        if (after!.status === "succeeded") break;
        // Waiting out Microsoft's lag longer than a runner sleeps inline: carry on once it is due.
        await sleep(Math.max(0, (after!.notBefore?.getTime() ?? 0) - Date.now()) + 50);
      }
    }
    for (const swept of runs.slice(-1)) {
      // Another instance, which knows nothing of the run, finds it among the due runs and finishes it.
      await resumeDueRuns(survivor);
      const resumed = await loadRun(t.db, swept.id);
      expect(resumed!.status).toBe("succeeded");
      expect(resumed!.steps.every((s) => s.status === "succeeded")).toBe(true);
      // Killed after its Microsoft write, the credential step ran again: a secret whose value died with the process
      // was replaced, a certificate whose key was stored first was finished under the same keyId.
      if (swept.credentialKilled) expect(resumed!.steps.find((s) => s.name === "clientSecret")!.attempts).toBeGreaterThanOrEqual(2);
      await expectExactlyOneOfEverything(swept.connectionId);
    }
    expect(runs.some((r) => r.credentialKilled)).toBe(true);
  }, 300_000); // fourteen crashing processes (each started while the one before runs): minutes on a loaded machine

  it("resumes after a crash right after the security role's creation and right after its privileges, made beside the Graph steps", async () => {
    const engine = testEngine(t.db, fx, { config: { leaseMs: LEASE_MS } });
    const run = await approvedRun(engine);
    for (const [index, point] of ROLE_CRASH_POINTS.entries()) {
      const crashed = await runUntilCrash({ databaseUrl: t.url, runId: run.id, owner: `crashing-role-${index}`, config: engine.config, ...point });
      expect({ point, code: crashed.code }, crashed.output).toEqual({ point, code: 137 });
      await sleep(LEASE_MS + 150);
    }
    const picked = await resumeDueRuns(testEngine(t.db, fx, { owner: "survivor", config: { leaseMs: LEASE_MS } }));
    const resumed = picked.find((p) => p.runId === run.id)!.result;
    expect(resumed.status).toBe("succeeded");
    await expectExactlyOneOfEverything(run.connection.id);
    // Its privileges were added once the role existed, whichever process got there: all Act-On's, organization-wide.
    const role = connectionObjects(await fx.control.getState(), run.connection.id).env.roles.find((r) => r.name === "Act-On Integration")!;
    const wanted = (await t.db.provisioningRun.findUniqueOrThrow({ where: { id: run.id } })).plan as {
      findings?: { dataverse?: { privileges?: unknown[] } };
    };
    expect(role.privileges).toHaveLength(wanted.findings?.dataverse?.privileges?.length ?? -1);
    expect(role.privileges.every((p) => p.depth === "Global")).toBe(true);
  });

  it("driving a finished run again, and connecting the same connection again, leave exactly one of everything", async () => {
    const engine = testEngine(t.db, fx);
    const run = await approvedRun(engine);
    expect((await driveRunWith(engine, run.id)).status).toBe("succeeded");
    expect((await driveRunWith(testEngine(t.db, fx), run.id)).status).toBe("succeeded");

    const account = await t.db.connection.findUniqueOrThrow({ where: { id: run.connection.id }, select: { accountId: true } });
    const again = await startRun(engine, {
      accountId: account.accountId,
      connectionId: run.connection.id,
      kind: "connect",
      options: { mode: "cloud", credential, environment: "Contoso Sales", requestedBy: CONTOSO_ADMIN },
      session: await signInAs(fx),
      actor,
    });
    if (!again.ok) throw new Error(again.error.userMessage);
    const verbs = again.value
      .plan!.steps.filter((s) => s.step === "appRegistration" || s.step === "applicationUser")
      .flatMap((s) => s.actions.map((a) => a.verb));
    expect(verbs).not.toContain("create");
    await approveRun(engine, { runId: again.value.id, actor });
    expect((await driveRunWith(engine, again.value.id)).status).toBe("succeeded");
    await expectExactlyOneOfEverything(run.connection.id);
  });

  it("two runners racing on one run: one does the work, the other stands back", async () => {
    const a = testEngine(t.db, fx, { owner: "instance-a" });
    const b = testEngine(t.db, fx, { owner: "instance-b" });
    const run = await approvedRun(a);
    const results = await Promise.all([driveRunWith(a, run.id), driveRunWith(b, run.id), driveRunWith(a, run.id)]);
    expect(results.some((r) => r.status === "succeeded")).toBe(true);
    const final = await driveRunWith(b, run.id);
    expect(final.status).toBe("succeeded");
    await expectExactlyOneOfEverything(run.connection.id);
  });
});
