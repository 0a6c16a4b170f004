/**
 * `npm run provision -- --account <id> [--environment <name or URL>] [--mode cloud|legacy|onprem|migrate]
 *   [--role least-privilege|system-administrator] [--credential connector|certificate|secret] [--username <integration user>]
 *   [--adfs-client-id <id>] [--tenant <tenant id or domain>] [--disconnect [--remove-app-user]
 *   [--delete-app]] [--create-account] [--yes]`
 *
 * The provisioning engine from a terminal, for Act-On's services team and scripted rehearsals in the sandbox. The
 * admin signs in with the device-code flow (as `az login` does) at the customer's tenant when it is known (the
 * connection's, or `--tenant` for a guest or partner admin's first connection), reviews the plan, and watches each step. Passwords
 * for legacy and on-premises modes are read from a hidden prompt or PROVISION_PASSWORD, never from the command line;
 * no secret is ever printed.
 */
import { randomUUID } from "node:crypto";
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import { z } from "zod";
import { ensureAccount } from "../lib/domain/account/ensure-account";
import { createDb } from "../lib/core/db";
import { parseEnv } from "../lib/core/env-schema";
import { signInWithDeviceCode, type AdminSession } from "../lib/microsoft/admin-session";
import type { Actor } from "../lib/provisioning/actor";
import { approveRun } from "../lib/provisioning/approve-run";
import { engineConfigFromEnv } from "../lib/provisioning/config";
import { driveRunWith, type Engine } from "../lib/provisioning/engine";
import { getRunView } from "../lib/provisioning/get-run-view";
import { cancelRun } from "../lib/provisioning/retry-run";
import { STEP_LABELS, type StepName } from "../lib/domain/run/machine";
import type { RunView } from "../lib/domain/run/run-view";
import { startDisconnect } from "../lib/provisioning/start-disconnect";
import { startRun } from "../lib/provisioning/start-run";
import type { Result } from "../lib/core/errors";
import { printCommandError } from "../lib/cli/command-error";
import { chooseCredentialMode, CREDENTIAL_MODES, credentialModeLabel } from "../lib/domain/secret/credential-mode";
import { organizationSchema } from "../lib/sessions/sign-in-organization";

const argsSchema = z.object({
  account: z.string().trim().min(1, "--account <Act-On account id> is required").max(128),
  environment: z.string().trim().min(1).optional(),
  mode: z.enum(["cloud", "legacy", "onprem", "migrate"]).default("cloud"),
  role: z.enum(["least-privilege", "system-administrator"]).default("least-privilege"),
  /**
   * Cloud mode: what the connection signs in with. The Act-On Connector (Act-On's own app, no credential in the
   * customer's tenant) by default when ACTON_CONNECTOR_APP_ID is configured, else a certificate (a repair keeps the
   * connection's current mode); a client secret only when asked. The engine refuses the connector when it is not configured.
   */
  credential: z.enum(CREDENTIAL_MODES, { error: "must be connector, certificate or secret" }).optional(),
  username: z.string().trim().min(1).optional(),
  /** On-premises behind AD FS (IFD): the client id the customer registered with Add-AdfsClient. */
  "adfs-client-id": z.string().trim().min(1).max(200).optional(),
  /**
   * The customer's organization (tenant id or verified domain) to sign in to. Without it, the connection's tenant once
   * known, else `organizations` (the admin's home tenant, which a guest or partner admin must not get).
   */
  tenant: organizationSchema.optional(),
  disconnect: z.boolean().default(false),
  "remove-app-user": z.boolean().default(false),
  "delete-app": z.boolean().default(false),
  /** An unknown --account is refused (a typo must not create an account and connect it) unless this is given. */
  "create-account": z.boolean().default(false),
  yes: z.boolean().default(false),
});

const color = (code: number) => (s: string) => (process.stdout.isTTY ? `\u001b[${code}m${s}\u001b[0m` : s);
const green = color(32);
const red = color(31);
const yellow = color(33);
const dim = color(2);
const bold = color(1);

function fail(message: string, code = 1): never {
  console.error(red(`✗ ${message}`));
  process.exit(code);
}

function unwrap<T>(result: Result<T>): T {
  if (!result.ok) fail(`${result.error.userMessage}${result.error.detail ? dim(` (${result.error.detail})`) : ""}`);
  return result.value;
}

async function readPassword(prompt: string): Promise<string> {
  if (process.env.PROVISION_PASSWORD) return process.env.PROVISION_PASSWORD;
  if (!process.stdin.isTTY) fail("Set PROVISION_PASSWORD (it is never accepted as a command-line argument).", 2);
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  const output = rl as unknown as { _writeToOutput: (s: string) => void };
  const write = output._writeToOutput.bind(rl);
  output._writeToOutput = (s: string) => write(s.startsWith(prompt) ? s : "");
  const answer = await rl.question(prompt);
  rl.close();
  process.stdout.write("\n");
  return answer;
}

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const answer = await rl.question(question);
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}

const VERB_MARK: Record<string, string> = { create: "+", reuse: "=", update: "~", remove: "-", disable: "-", delete: "-", check: "?", approve: "!" };

function printPlan(view: RunView) {
  console.log(bold(`\nPlan (${view.kind}, run ${view.id}) — nothing has been changed yet:`));
  for (const step of view.plan?.steps ?? []) {
    console.log(`  ${step.label}`);
    for (const action of step.actions) {
      console.log(`    ${VERB_MARK[action.verb] ?? " "} ${action.what}${action.detail ? dim(` — ${action.detail}`) : ""}`);
      for (const p of action.privileges ?? []) console.log(dim(`        ${p.name.padEnd(22)} ${p.feature}`));
    }
  }
  for (const note of view.plan?.notes ?? []) console.log(dim(`  note: ${note}`));
  if (view.plan?.blockers.length) {
    console.log(red("\nFix these before connecting:"));
    for (const b of view.plan.blockers) console.log(red(`  ✗ ${b.message}`));
  }
}

function printConnection(view: RunView) {
  const c = view.connection;
  const rows: [string, string | null][] = [
    ["Connection", `${c.id} — ${c.status === "active" ? green(c.status) : c.status === "failed" ? red(c.status) : c.status}`],
    ["Mode", c.authMode],
    ["Environment", c.environmentName ? `${c.environmentName} (${c.environmentUrl})` : c.environmentUrl],
    ["Tenant", c.tenantId],
    ["Client id", c.clientId],
    ["Application user", c.applicationUserId],
    ["Security role", c.securityRole],
    ["Last verified", c.lastVerifiedAt],
    ["Credential", c.credentialMode ? credentialModeLabel(c.credentialMode) : null],
    ["Act-On Connector", c.credentialMode === "connector" ? "nothing is stored for this connection; nothing in your tenant expires" : null],
    [
      c.credentialMode === "certificate" ? "Certificate expires" : "Secret expires",
      c.secretExpiresAt
        ? `${c.secretExpiresAt} (${c.credentialMode === "certificate" ? "private key" : "secret"} stored encrypted; never shown)`
        : null,
    ],
    ["Last error", c.lastErrorMessage ? `${c.lastErrorCode}: ${c.lastErrorMessage}` : null],
  ];
  console.log(bold("\nConnection"));
  for (const [k, v] of rows) if (v) console.log(`  ${k.padEnd(17)} ${v}`);
}

async function main() {
  const { values } = parseArgs({
    options: {
      account: { type: "string" },
      environment: { type: "string" },
      mode: { type: "string" },
      role: { type: "string" },
      credential: { type: "string" },
      username: { type: "string" },
      "adfs-client-id": { type: "string" },
      tenant: { type: "string" },
      disconnect: { type: "boolean" },
      "remove-app-user": { type: "boolean" },
      "delete-app": { type: "boolean" },
      "create-account": { type: "boolean" },
      yes: { type: "boolean", short: "y" },
    },
    strict: true,
  });
  const parsed = argsSchema.safeParse(values);
  if (!parsed.success) fail(parsed.error.issues.map((i) => `${i.path.join(".") ? `--${i.path.join(".")}: ` : ""}${i.message}`).join("; "), 2);
  const args = parsed.data;

  const env = parseEnv(process.env);
  // The connector is offered only where it is configured: refused here, before anyone signs in.
  const credentialChoice = chooseCredentialMode({ asked: args.credential, current: null, connectorConfigured: !!env.ACTON_CONNECTOR });
  if (!credentialChoice.ok) fail(`--credential: ${credentialChoice.message}`, 2);
  const db = createDb(env.DATABASE_URL);
  const engine: Engine = {
    db,
    config: engineConfigFromEnv(env),
    owner: `cli-${randomUUID().slice(0, 8)}`,
    onEvent: (event) => {
      if (event.type === "stepStarted") {
        console.log(`${dim("…")} ${STEP_LABELS[event.step as StepName]}${event.attempt > 1 ? dim(` (attempt ${event.attempt})`) : ""}`);
      } else if (event.type === "stepFinished") {
        const label = STEP_LABELS[event.step as StepName];
        if (event.status === "succeeded") console.log(`${green("✓")} ${label}`);
        else if (event.status === "waiting")
          console.log(
            `${yellow("⏳")} ${label}: waiting for ${event.waitingFor}${event.notBefore ? dim(` (next try ${event.notBefore.toISOString()})`) : ""}`,
          );
        else
          console.log(
            `${red("✗")} ${label}: ${event.error?.userMessage ?? event.status}${event.error?.requestIds?.length ? dim(` [request ids ${event.error.requestIds.join(", ")}]`) : ""}`,
          );
      }
    },
  };

  const known = await db.account.findUnique({ where: { actonAccountId: args.account }, select: { id: true } });
  if (!known && !args["create-account"]) {
    await db.$disconnect();
    fail(`Act-On account “${args.account}” is not known to the portal. Check the id, or pass --create-account to create it.`, 2);
  }
  const account = known ?? (await ensureAccount(db, { actonAccountId: args.account, name: args.account }));
  // The connection the command acts on, found before the sign-in so that it goes to the connection's own tenant.
  const target = await db.connection.findFirst({
    where: { accountId: account.id, status: { not: "disconnected" }, ...(args.mode === "migrate" && !args.disconnect ? { authMode: "legacy" } : {}) },
    orderBy: { updatedAt: "desc" },
    select: { id: true, tenantId: true },
  });
  if (args.disconnect && !target) fail(`Account ${args.account} has no connection to disconnect.`);
  if (args.mode === "migrate" && !args.disconnect && !target)
    fail(`Account ${args.account} has no username-and-password connection to move to OAuth.`);
  const needsMicrosoft = args.mode !== "onprem" || args.disconnect;
  let session: AdminSession | null = null;
  if (needsMicrosoft) {
    console.log(bold("Sign in with a Microsoft administrator account of the customer's tenant."));
    session = await signInWithDeviceCode({
      config: engine.config.identity,
      tenant: args.tenant ?? target?.tenantId ?? undefined,
      onCode: (message) => console.log(`\n${message}\n`),
    }).catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
    console.log(`${green("✓")} Signed in as ${session.username} (tenant ${session.tenantId})`);
  }
  const actor: Actor = session
    ? { type: "admin", id: session.username ?? `cli:${process.env.USER ?? "unknown"}`, tenantId: session.tenantId ?? undefined }
    : { type: "admin", id: `cli:${process.env.USER ?? "unknown"}` };

  let view: RunView;
  if (args.disconnect) {
    view = unwrap(
      await startDisconnect(engine, {
        connectionId: target!.id,
        scope: { removeApplicationUser: args["remove-app-user"], deleteAppRegistration: args["delete-app"] },
        session,
        actor,
      }),
    );
  } else {
    const mode = args.mode === "migrate" ? "cloud" : args.mode;
    // Running the command again continues the account's connection (the engine reuses what exists) instead of
    // registering a second app; a migration moves the latest username-and-password one.
    const connectionId = target?.id;
    const needsPassword = args.mode === "legacy" || args.mode === "onprem";
    if (args.credential && args.mode !== "cloud" && args.mode !== "migrate")
      fail(`--credential applies to cloud mode only; ${args.mode} mode signs in with the integration user's password.`, 2);
    if (needsPassword && !args.username)
      fail(`--username is required in ${args.mode} mode (e.g. ${args.mode === "onprem" ? "CONTOSO\\\\crmadmin" : "crm@contoso.com"}).`, 2);
    const password = needsPassword ? await readPassword(`Password for ${args.username}: `) : undefined;
    view = unwrap(
      await startRun(engine, {
        accountId: account.id,
        connectionId,
        kind: args.mode === "migrate" ? "migrate" : "connect",
        options: {
          mode,
          role: args.role === "system-administrator" ? "systemAdministrator" : "leastPrivilege",
          environment: args.environment,
          integrationUsername: args.username,
          ...(args.mode === "onprem" && args["adfs-client-id"] ? { adfsClientId: args["adfs-client-id"] } : {}),
          credential: args.credential,
          requestedBy: actor.id,
        },
        session,
        password,
        actor,
      }),
    );
  }

  printPlan(view);
  const abandon = async (code: number, message?: string) => {
    // Leave nothing half-started: the run is cancelled (which also forgets the admin's stored sign-in).
    await cancelRun(engine, { runId: view.id, actor });
    if (message) console.log(message);
    await db.$disconnect();
    process.exit(code);
  };
  if (view.plan?.blockers.length) await abandon(3);
  if (!args.yes && !(await confirm("\nApply this plan? [y/N] "))) await abandon(4, "Nothing was changed. (Use --yes to apply without asking.)");
  unwrap(await approveRun(engine, { runId: view.id, actor }));
  console.log(bold("\nApplying:"));
  let result = await driveRunWith(engine, view.id);
  // Long waits free the run for any portal instance; the command line stays and keeps going.
  while (result.status === "waiting" || result.status === "notClaimed") {
    await new Promise((r) => setTimeout(r, 2_000));
    result = await driveRunWith(engine, view.id);
  }
  const final = unwrap(await getRunView(db, view.id, { viewer: { kind: "system" } }));
  printConnection(final);
  await db.$disconnect();
  process.exit(final.status === "succeeded" ? 0 : 1);
}

main().catch((error: unknown) => {
  printCommandError(error, red("✗ "));
  process.exit(1);
});
