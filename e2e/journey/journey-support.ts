/**
 * Support for the customer admin's journey specs: signed launch links (as `npm run deeplink` signs them), the
 * sandbox's control API, axe-core on every page, numbered screenshots kept as test artifacts, and a click counter.
 * SANDBOX and PORTAL are this worker's own (fixtures/worker-ports.ts).
 */
import { createHash } from "node:crypto";
import AxeBuilder from "@axe-core/playwright";
import { expect, type APIRequestContext, type Locator, type Page, type TestInfo } from "@playwright/test";
import { launchUrl, signLaunchToken } from "../../lib/deep-link/launch-link";
import { PORTAL, SANDBOX } from "../fixtures/worker-ports";

export { PORTAL, SANDBOX };
export const RETURN_ORIGIN = (process.env.E2E_ACTON_RETURN_ORIGINS || "https://app.act-on.example").split(",")[0];
export const PASSWORD = "Sandbox-Passw0rd!";
export const CONTOSO = "contoso.onmicrosoft.com";
/** Contoso Sales' environment URL as the sandbox's Global Discovery Service lists it. */
export const SALES_URL = `${SANDBOX}/dynamics/contoso-sales`;

/**
 * A signed launch link with the key the e2e portal verifies links with: what `npm run deeplink` prints (same claims,
 * same defaults), signed in this process instead of spawning npm → run.mjs → tsx (about 3 s a link).
 */
export async function deepLink(input: {
  account: string;
  user: string;
  name?: string;
  intent?: "connect" | "reconnect" | "status";
  returnTo?: string;
  environment?: string;
  /** Another portal of this worker (a differently configured one); this worker's portal by default. */
  portal?: string;
}): Promise<string> {
  const portal = input.portal ?? PORTAL;
  const [kid, secret] = (process.env.E2E_DEEP_LINK_SECRET ?? "").split(/:(.*)/s);
  const token = await signLaunchToken({
    keys: [{ kid, secret }],
    audience: portal,
    actonAccountId: input.account,
    accountName: input.name ?? `Act-On account ${input.account}`,
    userEmail: input.user,
    intent: input.intent ?? "connect",
    returnTo: input.returnTo ?? `${RETURN_ORIGIN}/settings/connectors/crm/dynamics`,
    environmentUrl: input.environment,
  });
  return launchUrl(portal, token);
}

const ACT_ON_PAGE = "<!doctype html><title>Act-On</title><h1>Act-On settings</h1>";

/**
 * Act-On's side of "Return to Act-On": returns the list of URLs the portal sent the browser to, filled as it happens,
 * and shows a stand-in Act-On page there. The portal's 303 from /return-to-acton is read where it is answered: in
 * Chromium's headless shell a cross-site navigation that follows a redirect never reaches Playwright's route handler.
 */
export async function standInForActOn(page: Page, portal = PORTAL): Promise<string[]> {
  const returned: string[] = [];
  await page.route(`${portal}/return-to-acton`, async (route) => {
    const response = await route.fetch({ maxRedirects: 0 });
    const location = response.headers()["location"] ?? "";
    if (response.status() !== 303 || !location.startsWith(`${RETURN_ORIGIN}/`)) return route.fulfill({ response });
    returned.push(location);
    return route.fulfill({ status: 200, contentType: "text/html", body: ACT_ON_PAGE });
  });
  // Anything else that leads to Act-On (a plain link) gets the same page; none may reach the real host.
  await page.route(`${RETURN_ORIGIN}/**`, (route) => {
    returned.push(route.request().url());
    return route.fulfill({ status: 200, contentType: "text/html", body: ACT_ON_PAGE });
  });
  return returned;
}

/** A fresh Act-On account id per test, so each test starts with a connection of its own. */
export const freshAccount = (label: string) => `e2e-${label}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

export async function resetSandbox(request: APIRequestContext, scenario: "default" | "realistic" = "default") {
  expect((await request.post(`${SANDBOX}/__emulator/reset`, { data: { scenario } })).ok()).toBe(true);
}

export type SandboxState = {
  applications: {
    appId: string;
    id: string;
    tags: string[];
    displayName: string;
    passwordCredentials: { keyId: string; endDateTime?: string }[];
    keyCredentials?: { keyId: string; endDateTime?: string }[];
  }[];
  servicePrincipals: { id: string; appId: string }[];
  oauth2PermissionGrants: { id: string; clientId: string; consentType: string; scope: string }[];
  environments: {
    urlName: string;
    systemUsers: { systemuserid: string; applicationid?: string | null; isdisabled?: boolean }[];
    systemUserRoles: { systemuserid: string; roleid: string }[];
    roles?: { roleid: string; name: string }[];
  }[];
};

export async function sandboxState(request: APIRequestContext): Promise<SandboxState> {
  const res = await request.get(`${SANDBOX}/__emulator/state`);
  expect(res.ok()).toBe(true);
  return (await res.json()) as SandboxState;
}

/** What the sandbox holds for one connection, found by the engine's tag on the app registration. */
export function connectionObjects(state: SandboxState, connectionId: string, urlName = "contoso-sales") {
  const apps = state.applications.filter((a) => a.tags.includes(`acton-connection:${connectionId}`));
  const appIds = apps.map((a) => a.appId);
  const sps = state.servicePrincipals.filter((sp) => appIds.includes(sp.appId));
  const grants = state.oauth2PermissionGrants.filter((g) => sps.some((sp) => sp.id === g.clientId));
  const env = state.environments.find((e) => e.urlName === urlName)!;
  const users = env.systemUsers.filter((u) => u.applicationid && appIds.includes(u.applicationid));
  const roleLinks = env.systemUserRoles.filter((r) => users.some((u) => u.systemuserid === r.systemuserid));
  const secrets = apps.flatMap((a) => a.passwordCredentials);
  const certificates = apps.flatMap((a) => a.keyCredentials ?? []);
  return { apps, sps, grants, users, roleLinks, secrets, certificates };
}

/**
 * How many of each object a connection has, for "exactly one of everything" (apps, sps, grants, users, roleLinks, app
 * credentials: client secrets and certificates together, whichever the connection's mode uses).
 */
export function objectCounts(objects: ReturnType<typeof connectionObjects>): number[] {
  return [objects.apps, objects.sps, objects.grants, objects.users, objects.roleLinks, [...objects.secrets, ...objects.certificates]].map(
    (o) => o.length,
  );
}

/** Everything the directory and the environments hold that a run could have written (for "nothing written"). */
export function writableFootprint(state: SandboxState) {
  return {
    applications: state.applications.map((a) => `${a.id}:${a.passwordCredentials.length}`).sort(),
    servicePrincipals: state.servicePrincipals.map((s) => s.id).sort(),
    grants: state.oauth2PermissionGrants.map((g) => `${g.id}:${g.scope}`).sort(),
    systemUsers: state.environments.flatMap((e) => e.systemUsers.map((u) => `${e.urlName}:${u.systemuserid}`)).sort(),
    roleLinks: state.environments.flatMap((e) => e.systemUserRoles.map((r) => `${e.urlName}:${r.systemuserid}:${r.roleid}`)).sort(),
  };
}

export async function addFault(request: APIRequestContext, fault: Record<string, unknown>): Promise<string> {
  const res = await request.post(`${SANDBOX}/__emulator/faults`, { data: fault });
  expect(res.status(), await res.text()).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

export async function clearFaults(request: APIRequestContext) {
  expect((await request.delete(`${SANDBOX}/__emulator/faults`)).ok()).toBe(true);
}

/** The journey's eyes: a numbered screenshot of every step (test artifacts) and axe-core on every portal page. */
export class Journey {
  clicks = 0;
  /** Time the test itself spent on screenshots and axe-core scans (not the admin's time). */
  instrumentationMs = 0;
  private shot = 0;
  readonly audited = new Set<string>();

  constructor(
    readonly page: Page,
    readonly testInfo: TestInfo,
    /** The portal this journey runs on: the worker's own unless a test started another. */
    readonly portal: string = PORTAL,
  ) {}

  /** A click the admin makes (counted). */
  async click(target: Locator) {
    this.clicks++;
    await target.click();
  }

  /** A key press that activates a control (counted like a click, for keyboard-only runs). */
  async press(target: Locator, key = "Enter") {
    this.clicks++;
    await target.press(key);
  }

  async screenshot(name: string) {
    this.shot++;
    const file = this.testInfo.outputPath(`${String(this.shot).padStart(2, "0")}-${name}.png`);
    await this.page.screenshot({ path: file, fullPage: true });
    await this.testInfo.attach(name, { path: file, contentType: "image/png" });
  }

  /** Screenshot, and on the portal's pages axe-core with zero violations (WCAG 2.x A/AA and best practices). */
  async checkpoint(name: string) {
    const started = Date.now();
    try {
      await this.audit(name);
    } finally {
      this.instrumentationMs += Date.now() - started;
    }
  }

  private async audit(name: string) {
    await this.screenshot(name);
    if (!this.page.url().startsWith(this.portal)) return;
    this.audited.add(new URL(this.page.url()).pathname.replace(/\/connect\/[^/]+/, "/connect/[id]"));
    // The same page in the same state (a plan page in the fifth journey of this worker) is scanned once: axe-core is
    // about a third of a journey's browser CPU, and its verdict depends on the page's elements and attributes.
    const shape = await pageShape(this.page);
    if (scannedShapes.has(shape)) return;
    const results = await new AxeBuilder({ page: this.page })
      .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"])
      .analyze();
    const summary = results.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
    expect(summary, `axe-core on ${name} (${this.page.url()})`).toEqual([]);
    scannedShapes.add(shape);
  }
}

/** The page shapes axe-core found clean in this worker (a Playwright worker is one process). */
const scannedShapes = new Set<string>();

/**
 * A page's shape: its path with ids generalised, and every element's tag, classes, role, type and attribute names,
 * with whether it holds text. What differs between two connections (names, ids, times) is left out; what axe-core
 * judges (structure, labels, landmarks, the classes that give colour and contrast) is in.
 */
async function pageShape(page: Page): Promise<string> {
  const path = new URL(page.url()).pathname.replace(/\/connect\/[^/]+/, "/connect/[id]");
  const elements = await page.evaluate(() => {
    const out: string[] = [];
    for (const el of Array.from(document.body.querySelectorAll("*"))) {
      const names = Array.from(el.attributes, (a) => a.name)
        .filter((n) => n !== "class" && n !== "style")
        .sort();
      const text = Array.from(el.childNodes).some((n) => n.nodeType === Node.TEXT_NODE && n.textContent?.trim()) ? "t" : "";
      out.push(
        `${el.tagName}.${el.getAttribute("class") ?? ""}|${el.getAttribute("role") ?? ""}|${el.getAttribute("type") ?? ""}|${names.join(" ")}|${text}`,
      );
    }
    return out.join("\n");
  });
  return createHash("sha256").update(path).update("\n").update(elements).digest("hex");
}

/** The connection id of the page the browser is on (/connect/<id>/…). */
export function connectionIdOf(page: Page): string {
  const m = /\/connect\/([^/?#]+)/.exec(page.url());
  expect(m, `not on a connection page: ${page.url()}`).toBeTruthy();
  return decodeURIComponent(m![1]);
}

/**
 * Microsoft's sign-in pages in the sandbox, in whatever order Microsoft shows them: the account picker (a browser
 * already signed in), the e-mail page (skipped when the portal passed a login hint), the password, MFA when the account
 * enforces it, and the consent page when the portal has not been consented yet.
 */
export async function signInAtMicrosoft(
  j: Journey,
  user: string,
  options: { keyboard?: boolean; consentForOrganization?: boolean; expectConsent?: boolean } = {},
) {
  const { page } = j;
  const activate = (target: Locator) => (options.keyboard ? j.press(target) : j.click(target));
  const picker = page.getByRole("heading", { name: "Pick an account" });
  const email = page.getByLabel("Email, phone, or Skype");
  const password = page.getByLabel("Password");
  const verify = page.getByRole("button", { name: "Verify" });
  const consent = page.getByText("Permissions requested");
  const deadline = Date.now() + 60_000;
  let consented = false;
  await page.waitForLoadState();
  while (!page.url().startsWith(j.portal)) {
    if (Date.now() > deadline) throw new Error(`stuck at Microsoft: ${page.url()}`);
    if (await picker.isVisible()) {
      await j.checkpoint("microsoft-pick-account");
      await activate(page.getByRole("button", { name: new RegExp(user.replace(/[.]/g, "\\.")) }));
    } else if (await email.isVisible()) {
      await email.fill(user);
      await j.checkpoint("microsoft-email");
      await activate(page.getByRole("button", { name: "Next" }));
    } else if (await password.isVisible()) {
      await password.fill(PASSWORD);
      await j.checkpoint("microsoft-password");
      await activate(page.getByRole("button", { name: "Sign in" }));
    } else if (await verify.isVisible()) {
      await j.checkpoint("microsoft-mfa");
      await activate(verify);
    } else if (await consent.isVisible()) {
      if (options.consentForOrganization) {
        const box = page.getByLabel("Consent on behalf of your organization");
        if (options.keyboard) await j.press(box, "Space");
        else await j.click(box);
      }
      await j.checkpoint("microsoft-consent");
      await activate(page.getByRole("button", { name: "Accept" }));
      consented = true;
    } else {
      await page.waitForTimeout(100);
      continue;
    }
    await page.waitForLoadState();
  }
  if (options.expectConsent !== undefined) expect(consented, "Microsoft's consent page was shown").toBe(options.expectConsent);
  await page.waitForLoadState();
}
