/**
 * `npm run provision` as Act-On's services team uses it: a real child process, the device-code sign-in completed in
 * a (fetch-driven) browser by a first-time admin who consents for the organization, the plan, live progress, and the
 * connection's final state. It must never print a secret.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxPortalEnv } from "@/test/support/sandbox-portal-env";
import { buildDefaultScenario } from "@/emulator/scenarios/default";
import { completeSignIn, FetchBrowser } from "@/emulator/testing/fetch-browser";
import {
  ADFS_REGISTERED_CLIENT,
  CONTOSO_ADMIN,
  ENVIRONMENTS,
  SANDBOX_PASSWORD,
  TENANTS,
  useMicrosoftSandbox,
} from "@/test/support/microsoft-sandbox";
import { ensureAccount } from "@/lib/domain/account/ensure-account";
import { createConnection } from "@/lib/domain/connection/create-connection";
import { readSecret } from "@/lib/domain/secret/store-secret";
import { createTestDatabase, type TestDatabase } from "@/test/support/test-databases";

const fx = useMicrosoftSandbox(() => buildDefaultScenario());
const root = join(import.meta.dirname, "..");

describe("npm run provision", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase("sqlite");
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  function provision(
    args: string[],
    keys: string,
    signIn: { username: string } = { username: CONTOSO_ADMIN },
    extraEnv: Record<string, string> = {},
  ) {
    const child = spawn(join(root, "node_modules", ".bin", "tsx"), ["--conditions=react-server", join(root, "scripts", "provision.ts"), ...args], {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: t.url,
        PORTAL_ENCRYPTION_KEYS: keys,
        ...sandboxPortalEnv(fx),
        PROVISIONING_POLL_INTERVAL_MS: "100",
        LOG_LEVEL: "error",
        ...extraEnv,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const signedIn = new Promise<void>((resolve, reject) => {
      child.stdout.on("data", async (chunk: Buffer) => {
        output += chunk.toString();
        const m = /open the page (\S+) and enter the code (\S+) to authenticate/.exec(chunk.toString());
        if (!m) return;
        try {
          const browser = new FetchBrowser(fx.origin);
          const afterCode = await browser.submit(await browser.go(m[1]), { otc: m[2] });
          await completeSignIn(browser, afterCode, { username: signIn.username, password: SANDBOX_PASSWORD, consent: "accept-for-organization" });
          resolve();
        } catch (error) {
          reject(error);
        }
      });
    });
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? -1)));
    return { signedIn, exited, output: () => output };
  }

  it("signs in with a device code, shows the plan, applies it with --yes, and ends Active on a certificate without printing its key", async () => {
    const key = randomBytes(32);
    const since = new Date();
    const run = provision(["--account", "acme-42", "--create-account", "--environment", "Contoso Sales", "--yes"], `cli:${key.toString("base64")}`);
    await run.signedIn;
    expect(await run.exited, run.output()).toBe(0);
    const out = run.output();
    expect(out).toMatch(/To sign in, use a web browser to open the page https:\/\/localhost:\d+\/devicelogin and enter the code/);
    expect(out).toContain(`Signed in as ${CONTOSO_ADMIN}`);
    // A first connection with no --tenant: the admin's own organization picks the tenant.
    const signIns = (await fx.control.getRequests(since)).filter((r) => r.path.endsWith("/oauth2/v2.0/devicecode"));
    expect(signIns.map((r) => r.path)).toEqual(["/organizations/oauth2/v2.0/devicecode"]);
    expect(out).toContain("Plan (connect");
    expect(out).toContain("+ App registration “Act-On Integration”");
    expect(out).toContain("prvWriteLead");
    expect(out).toContain("✓ Verify the connection");
    expect(out).toMatch(/Connection\s+\S+ — active/);

    const connection = await t.db.connection.findFirstOrThrow({ where: { account: { actonAccountId: "acme-42" } } });
    expect(connection.status).toBe("active");
    // A certificate by default: its private key is stored (encrypted) and never printed; no client secret exists.
    expect(connection.credentialMode).toBe("certificate");
    expect(out).toMatch(/Credential\s+A certificate, no client secret/);
    expect(await t.db.secret.count({ where: { connectionId: connection.id, kind: "clientSecret" } })).toBe(0);
    const secret = await t.db.secret.findFirstOrThrow({ where: { connectionId: connection.id, kind: "certificateKey", status: "active" } });
    const plaintext = await readSecret(t.db, { secretId: secret.id, keys: [{ id: "cli", key }] });
    expect(plaintext?.ok).toBe(true);
    if (plaintext?.ok) expect(out).not.toContain(JSON.parse(plaintext.value).privateKeyPem.split("\n")[1]);
    expect(out).not.toContain("PRIVATE KEY");
  }, 90_000);

  it("refuses an unknown --account unless --create-account is given, before any sign-in", async () => {
    const run = provision(["--account", "acme-typo", "--environment", "Contoso Sales", "--yes"], `cli:${randomBytes(32).toString("base64")}`);
    expect(await run.exited).toBe(2);
    expect(run.output()).toContain("--create-account");
    expect(run.output()).not.toContain("To sign in");
    expect(await t.db.account.count({ where: { actonAccountId: "acme-typo" } })).toBe(0);
  }, 60_000);

  it.each([
    ["a re-run", ["--environment", "Contoso Sales"]],
    ["a disconnect", ["--disconnect", "--remove-app-user", "--delete-app"]],
  ])(
    "refuses %s signed in from another tenant than the connection's, naming the mismatch, before any call to Graph, Dataverse or Discovery",
    async (_what, extra) => {
      const account = await ensureAccount(t.db, { actonAccountId: `acme-bound-${randomBytes(3).toString("hex")}`, name: "Acme" });
      const { id: connectionId } = await createConnection(t.db, {
        accountId: account.id,
        authMode: "cloud",
        environmentUrl: fx.environmentUrl(ENVIRONMENTS.contosoSales.urlName),
        environmentName: "Contoso Sales",
        tenantId: TENANTS.contoso,
      });
      await t.db.connection.update({ where: { id: connectionId }, data: { status: "active" } });
      const before = await t.db.connection.findUniqueOrThrow({ where: { id: connectionId } });
      const since = new Date();

      // A partner admin naming their own organization: the sign-in goes there (not to the connection's tenant).
      const run = provision(
        ["--account", account.actonAccountId, ...extra, "--tenant", "fabrikam.onmicrosoft.com", "--yes"],
        `cli:${randomBytes(32).toString("base64")}`,
        { username: "admin@fabrikam.onmicrosoft.com" },
      );
      await run.signedIn;
      const code = await run.exited;
      expect(code, run.output()).not.toBe(0);
      expect(run.output()).toContain(`belongs to Microsoft tenant ${TENANTS.contoso}, but you are signed in to tenant ${TENANTS.fabrikam}`);
      // Only the sign-in itself reached Microsoft: no Graph, Dataverse or Discovery request, with or without a token.
      const requests = await fx.control.getRequests(since);
      expect(requests.filter((r) => r.service !== "identity")).toEqual([]);
      expect(requests.filter((r) => r.path.endsWith("/oauth2/v2.0/devicecode")).map((r) => r.path)).toEqual([
        "/fabrikam.onmicrosoft.com/oauth2/v2.0/devicecode",
      ]);
      expect(await t.db.provisioningRun.count({ where: { connectionId } })).toBe(0);
      expect(await t.db.connection.findUniqueOrThrow({ where: { id: connectionId } })).toEqual(before);
    },
    90_000,
  );

  it("signs in at the connection's tenant when it is known, so a guest admin acts in the customer's organization", async () => {
    const account = await ensureAccount(t.db, { actonAccountId: `acme-guest-${randomBytes(3).toString("hex")}`, name: "Acme" });
    await createConnection(t.db, {
      accountId: account.id,
      authMode: "cloud",
      environmentUrl: fx.environmentUrl(ENVIRONMENTS.contosoSales.urlName),
      environmentName: "Contoso Sales",
      tenantId: TENANTS.contoso,
    });
    const since = new Date();
    // Fabrikam's admin is a Global Administrator guest in Contoso: through `organizations` they would get Fabrikam.
    const run = provision(["--account", account.actonAccountId, "--environment", "Contoso Sales"], `cli:${randomBytes(32).toString("base64")}`, {
      username: "admin@fabrikam.onmicrosoft.com",
    });
    await run.signedIn;
    // No --yes and no terminal: the plan is shown, then abandoned (exit 4) with nothing changed.
    expect(await run.exited, run.output()).toBe(4);
    expect(run.output()).toContain(`Signed in as admin@fabrikam.onmicrosoft.com (tenant ${TENANTS.contoso})`);
    const requests = await fx.control.getRequests(since);
    expect(requests.filter((r) => r.path.endsWith("/oauth2/v2.0/devicecode")).map((r) => r.path)).toEqual([
      `/${TENANTS.contoso}/oauth2/v2.0/devicecode`,
    ]);
  }, 90_000);

  it("refuses bad arguments with a clear message and exit code 2", async () => {
    const run = provision(["--account", "acme-42", "--mode", "sideways"], `cli:${randomBytes(32).toString("base64")}`);
    expect(await run.exited).toBe(2);
    expect(run.output()).toMatch(/--mode: Invalid option/i);
    const connector = provision(["--account", "acme-42", "--credential", "connector"], `cli:${randomBytes(32).toString("base64")}`);
    expect(await connector.exited).toBe(2);
    // Without ACTON_CONNECTOR_APP_ID and its certificate the connector is not offered: refused before any sign-in.
    expect(connector.output()).toMatch(/--credential: The Act-On Connector is not configured on this portal/);
    expect(connector.output()).not.toContain("Sign in with a Microsoft administrator");
  });

  it.each([
    [
      "a Windows (NTLM) server",
      ENVIRONMENTS.contosoOnPrem.urlName,
      "CONTOSO\\crmadmin",
      [],
      { signIn: "ntlm", webApiVersion: "9.1", adfsClientId: null },
    ],
    [
      "an IFD server behind AD FS",
      ENVIRONMENTS.contosoIfd.urlName,
      "crmadmin@contoso.local",
      ["--adfs-client-id", ADFS_REGISTERED_CLIENT.clientId],
      { signIn: "adfs", webApiVersion: "9.0", adfsClientId: ADFS_REGISTERED_CLIENT.clientId },
    ],
  ])(
    "--mode onprem connects %s without any Microsoft sign-in, the password from PROVISION_PASSWORD never printed",
    async (_what, urlName, username, extra, expected) => {
      const actonAccountId = `acme-onprem-${randomBytes(3).toString("hex")}`;
      const run = provision(
        [
          "--account",
          actonAccountId,
          "--create-account",
          "--mode",
          "onprem",
          "--environment",
          fx.environmentUrl(urlName),
          "--username",
          username,
          ...extra,
          "--yes",
        ],
        `cli:${randomBytes(32).toString("base64")}`,
        undefined,
        { PROVISION_PASSWORD: SANDBOX_PASSWORD },
      );
      expect(await run.exited, run.output()).toBe(0);
      const out = run.output();
      expect(out).not.toContain("To sign in");
      expect(out).toContain("Ask the server how it signs in");
      expect(out).toContain("✓ Verify the connection");
      expect(out).not.toContain(SANDBOX_PASSWORD);
      const connection = await t.db.connection.findFirstOrThrow({ where: { account: { actonAccountId } } });
      expect(connection).toMatchObject({ status: "active", authMode: "onprem", integrationUsername: username, onPremisesSignIn: expected.signIn });
      expect({ webApiVersion: connection.webApiVersion, adfsClientId: connection.adfsClientId }).toEqual({
        webApiVersion: expected.webApiVersion,
        adfsClientId: expected.adfsClientId,
      });
    },
    90_000,
  );
});
