/**
 * The authorization matrix: every journey page and action × every kind of person who might ask × every state a
 * connection can be in, answered by the one guard (`authorize`) the pages and actions call, against real Microsoft
 * sign-ins from the sandbox stored as the portal stores them. Each cell asserts the answer, and that asking changed
 * nothing in the database or at Microsoft. The expected answers are written out below as rules in plain words, apart
 * from the policy table they check. A structural test proves every page, action and route of app/connect asks.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { ensureAccount } from "../domain/account/ensure-account";
import { completeSignIn as driveSignInPages, FetchBrowser } from "@/emulator/testing/fetch-browser";
import { loadAdminSession, saveAdminSession } from "../domain/session/admin-sign-in";
import type { AdminSession } from "../microsoft/admin-session";
import { beginMicrosoftSignIn, completeMicrosoftSignIn, type SignInContext } from "../sessions/microsoft-sign-in";
import type { Engine } from "../provisioning/engine";
import { createPortalSession } from "../sessions/portal-sessions";
import { DEFAULT_SESSION_LIFETIMES, type PortalSessionView, type SessionIntent } from "../sessions/session-view";
import { TEST_KEYS, testEngine } from "@/test/support/engine-fixture";
import { CONTOSO_ADMIN, CONTOSO_USER, SANDBOX_PASSWORD, TENANTS, signInAs, useMicrosoftSandbox } from "@/test/support/microsoft-sandbox";
import { useTestDatabase } from "@/test/support/test-databases";
import { JOURNEY_ACTIONS, type JourneyAction } from "./action-policy";
import { authorize } from "./authorize";

vi.setConfig({ testTimeout: 120_000 });
const fx = useMicrosoftSandbox();
const t = useTestDatabase("sqlite");
const FABRIKAM_ADMIN = "admin@fabrikam.onmicrosoft.com";

const STATES = ["draft", "planning", "awaitingApproval", "active", "failed", "disconnected"] as const;
type State = (typeof STATES)[number];

const ACTORS = [
  "noSession",
  "accountWithoutMicrosoft",
  "contosoUser",
  "contosoUserWithAdminsSignInStored",
  "contosoAdmin",
  "fabrikamAdmin",
  "handoffColleague",
  "statusLink",
  "otherAccount",
] as const;
type Actor = (typeof ACTORS)[number];

/** The pages of app/connect and the action each asks the guard about before it renders (see the structural test). */
const PAGES: Record<string, JourneyAction> = {
  "sign-in": "signIn",
  environment: "chooseEnvironment",
  legacy: "chooseEnvironment",
  migrate: "chooseEnvironment",
  plan: "view",
  progress: "view",
  status: "view",
  sync: "saveSyncOptions",
  disconnect: "disconnect",
  manual: "manual",
  "on-premises": "onPremises",
};

type Answer = "ok" | "unauthorized" | "forbidden" | "not_found";

/** Actions that change nothing in the customer's tenant: a look, Act-On-side settings, a navigation, a sign-in or out. */
const NO_MICROSOFT: readonly JourneyAction[] = ["view", "signIn", "signOut", "saveSyncOptions", "verify", "startOver"];
/** What a colleague's hand-off link allows: sign in as themselves, check the plan as themselves, approve it, retry its run. */
const HANDOFF: readonly JourneyAction[] = ["view", "signIn", "signOut", "recheckPlan", "approvePlan", "retryRun"];
/** Write credentials over the connection: need a Microsoft sign-in only once the connection belongs to a tenant. */
const CREDENTIAL_PATHS: readonly JourneyAction[] = ["manual", "onPremises"];

/** The expected answer, as rules in words (independent of action-policy.ts, whose table this checks). */
function expected(actor: Actor, action: JourneyAction, state: State, purpose: "act" | "page"): Answer {
  // No session: the session-ended answer. Another account's session: the connection does not exist for it.
  if (actor === "noSession") return "unauthorized";
  if (actor === "otherAccount") return "not_found";
  // A status link only looks.
  if (actor === "statusLink") return action === "view" || action === "signOut" ? "ok" : "forbidden";
  // A colleague's hand-off only takes the steps it was sent for, and acts only while the plan it was pinned to is open
  // (a plan being prepared or awaiting approval here; a draft has none, the other states' runs have ended).
  if (actor === "handoffColleague" && !HANDOFF.includes(action)) return "forbidden";
  if (
    actor === "handoffColleague" &&
    purpose === "act" &&
    action !== "view" &&
    action !== "signOut" &&
    !["planning", "awaitingApproval"].includes(state)
  )
    return "forbidden";
  if (purpose === "page" || NO_MICROSOFT.includes(action)) return "ok";
  // From here the action acts in the customer's tenant: the person's own stored sign-in, from the tenant acted in.
  const tenantKnown = state !== "draft";
  if (CREDENTIAL_PATHS.includes(action) && !tenantKnown) return "ok";
  // Handing a plan off needs the person signed in (a colleague's sign-in replaces the stored one by design); every
  // other such action needs the sign-in stored for the connection to be the person's own.
  const ownSignIn = actor !== "accountWithoutMicrosoft" && (actor !== "contosoUserWithAdminsSignInStored" || action === "createHandoff");
  if (!ownSignIn) return "unauthorized";
  if (actor === "fabrikamAdmin" && tenantKnown) return "forbidden";
  return "ok";
}

type Cell = { actor: Actor; action: string; state: State; got: Answer; want: Answer };

describe("who may act: the authorization matrix", () => {
  let engine: Engine;
  const signIns = new Map<string, AdminSession>();
  const cells: Cell[] = [];

  beforeAll(() => {
    engine = testEngine(t.db, fx);
  });

  // The sandbox is reset to its consented world before each test (not before beforeAll): sign in there, once.
  beforeEach(async () => {
    if (signIns.size) return;
    signIns.set(CONTOSO_ADMIN, await signInAs(fx, CONTOSO_ADMIN));
    signIns.set(CONTOSO_USER, await signInAs(fx, CONTOSO_USER));
    signIns.set(FABRIKAM_ADMIN, await signInInBrowser(FABRIKAM_ADMIN));
  });

  afterAll(() => {
    // One line per refused expectation, so a failure names every wrong cell at once.
    const wrong = cells.filter((c) => c.got !== c.want);
    if (wrong.length) console.error(wrong.map((c) => `${c.actor} × ${c.action} × ${c.state}: got ${c.got}, want ${c.want}`).join("\n"));
  });

  /**
   * A Microsoft sign-in as the portal gets it from a person in a browser (authorization code, consent for their
   * organization): Fabrikam never consented to the portal, so its admin cannot be signed in without the pages.
   */
  async function signInInBrowser(username: string): Promise<AdminSession> {
    const account = await ensureAccount(t.db, { actonAccountId: `acct-signin-${Math.random().toString(36).slice(2)}`, name: "Sign-in" });
    const connection = await t.db.connection.create({ data: { accountId: account.id, authMode: "cloud", status: "draft" } });
    const { session } = await createPortalSession(t.db, {
      accountId: account.id,
      connectionId: connection.id,
      intent: "connect",
      lifetimes: DEFAULT_SESSION_LIFETIMES,
    });
    const ctx: SignInContext = { db: t.db, keys: TEST_KEYS, identity: fx.config, redirectUri: "http://localhost:3641/auth/callback" };
    const { url } = await beginMicrosoftSignIn(ctx, session);
    const browser = new FetchBrowser(fx.origin);
    const step = await driveSignInPages(browser, await browser.go(url), { username, password: SANDBOX_PASSWORD, consent: "accept-for-organization" });
    if (step.kind !== "back-to-app") throw new Error(`expected the redirect back, got: ${step.text.slice(0, 300)}`);
    const done = await completeMicrosoftSignIn(ctx, session, step.params);
    if (!done.ok) throw new Error(`sign-in refused: ${done.outcome}`);
    const stored = await loadAdminSession(t.db, { connectionId: connection.id, keys: TEST_KEYS, config: fx.config });
    if (!stored) throw new Error("the sign-in was not stored");
    return stored;
  }

  /** A connection in `state`, as the portal leaves it: tenant, status and the latest run. */
  async function connectionIn(state: State, accountId: string) {
    const tenantId = state === "draft" || state === "planning" || state === "awaitingApproval" ? null : TENANTS.contoso;
    const status = { draft: "draft", planning: "draft", awaitingApproval: "draft", active: "active", failed: "failed", disconnected: "disconnected" }[
      state
    ];
    const connection = await t.db.connection.create({ data: { accountId, authMode: "cloud", status: status as never, tenantId } });
    const run = {
      planning: { status: "planning", approvedAt: null },
      awaitingApproval: { status: "awaitingApproval", approvedAt: null },
      active: { status: "succeeded", approvedAt: new Date() },
      failed: { status: "failed", approvedAt: new Date() },
      disconnected: { status: "succeeded", approvedAt: new Date() },
      draft: null,
    }[state];
    if (run) {
      await t.db.provisioningRun.create({
        data: {
          connectionId: connection.id,
          kind: state === "disconnected" ? "disconnect" : "connect",
          status: run.status as never,
          approvedAt: run.approvedAt,
          tenantId: state === "draft" ? null : TENANTS.contoso,
          options: { mode: "cloud", role: "leastPrivilege", requestedBy: CONTOSO_ADMIN },
        },
      });
    }
    return connection;
  }

  const identities: Record<string, { tenantId: string; username: string }> = {
    [CONTOSO_ADMIN]: { tenantId: TENANTS.contoso, username: CONTOSO_ADMIN },
    [CONTOSO_USER]: { tenantId: TENANTS.contoso, username: CONTOSO_USER },
    [FABRIKAM_ADMIN]: { tenantId: TENANTS.fabrikam, username: FABRIKAM_ADMIN },
  };

  /** The actor's portal session on a fresh connection in `state`, with the sign-in the portal would have stored for it. */
  async function actorOn(actor: Actor, state: State): Promise<{ session: PortalSessionView | null; connectionId: string }> {
    const account = await ensureAccount(t.db, { actonAccountId: `acct-${Math.random().toString(36).slice(2)}`, name: "Contoso" });
    const connection = await connectionIn(state, account.id);
    if (actor === "noSession") return { session: null, connectionId: connection.id };
    const signedInAs: Partial<Record<Actor, string>> = {
      contosoUser: CONTOSO_USER,
      contosoUserWithAdminsSignInStored: CONTOSO_USER,
      contosoAdmin: CONTOSO_ADMIN,
      fabrikamAdmin: FABRIKAM_ADMIN,
      handoffColleague: CONTOSO_USER,
      statusLink: CONTOSO_ADMIN,
    };
    const username = signedInAs[actor];
    const stored = actor === "contosoUserWithAdminsSignInStored" ? CONTOSO_ADMIN : username;
    if (stored) await saveAdminSession(t.db, { connectionId: connection.id, session: signIns.get(stored)!, keys: TEST_KEYS });
    const intent: SessionIntent = actor === "handoffColleague" ? "handoff" : actor === "statusLink" ? "status" : "connect";
    let sessionAccount = account.id;
    let sessionConnection = connection.id;
    if (actor === "otherAccount") {
      const other = await ensureAccount(t.db, { actonAccountId: `acct-${Math.random().toString(36).slice(2)}`, name: "Other" });
      sessionAccount = other.id;
      sessionConnection = (await connectionIn(state, other.id)).id;
      await saveAdminSession(t.db, { connectionId: sessionConnection, session: signIns.get(CONTOSO_ADMIN)!, keys: TEST_KEYS });
    }
    // A hand-off link pinned to the connection's latest run (the plan it was made for), as createHandoffForPlan makes it.
    const pinned = await t.db.provisioningRun.findFirst({ where: { connectionId: connection.id }, orderBy: { createdAt: "desc" } });
    const handoff =
      intent === "handoff"
        ? await t.db.handoffLink.create({
            data: {
              accountId: account.id,
              connectionId: connection.id,
              steps: ["appRegistration", "adminConsent"],
              createdBy: `${TENANTS.contoso}:first-admin`,
              expiresAt: new Date(Date.now() + 3_600_000),
              runId: pinned?.id ?? null,
              planKind: pinned?.kind ?? null,
              planRole: pinned ? "leastPrivilege" : null,
              planEnvironment: null,
            },
          })
        : null;
    const { session } = await createPortalSession(t.db, {
      accountId: sessionAccount,
      connectionId: sessionConnection,
      intent,
      handoff: handoff ? { linkId: handoff.id, steps: ["appRegistration", "adminConsent"] } : null,
      lifetimes: DEFAULT_SESSION_LIFETIMES,
    });
    const who = actor === "otherAccount" ? identities[CONTOSO_ADMIN] : username ? identities[username] : null;
    const microsoft = who ? { ...who, objectId: `oid-${who.username}`, name: null } : null;
    return { session: { ...session, microsoft }, connectionId: connection.id };
  }

  /** Row counts of every table the journey writes, and the sandbox's whole state: what "nothing changed" means. */
  async function footprint(): Promise<string> {
    const counts = await Promise.all([
      t.db.connection.count(),
      t.db.provisioningRun.count(),
      t.db.provisioningStep.count(),
      t.db.secret.count({ where: { status: "active" } }),
      t.db.handoffLink.count({ where: { revokedAt: null } }),
      t.db.portalSession.count({ where: { revokedAt: null } }),
      t.db.webhookDelivery.count(),
      t.db.auditEvent.count(),
    ]);
    const connections = await t.db.connection.findMany({ select: { id: true, status: true, tenantId: true }, orderBy: { id: "asc" } });
    const runs = await t.db.provisioningRun.findMany({ select: { id: true, status: true }, orderBy: { id: "asc" } });
    const microsoft = createHash("sha256")
      .update(JSON.stringify(await fx.control.getState()))
      .digest("hex");
    return JSON.stringify({ counts, connections, runs, microsoft });
  }

  const answerOf = (result: Awaited<ReturnType<typeof authorize>>): Answer => (result.ok ? "ok" : (result.error.code as Exclude<Answer, "ok">));

  it.each(STATES)("every page and action, asked by every kind of person, on a connection that is %s", async (state) => {
    const before = await footprint();
    const setUps = new Map<Actor, Awaited<ReturnType<typeof actorOn>>>();
    for (const actor of ACTORS) setUps.set(actor, await actorOn(actor, state));
    const afterSetUp = await footprint();
    const mine: Cell[] = [];
    for (const actor of ACTORS) {
      const { session, connectionId } = setUps.get(actor)!;
      for (const action of JOURNEY_ACTIONS) {
        const got = answerOf(await authorize(session, connectionId, action, { engine }));
        mine.push({ actor, action, state, got, want: expected(actor, action, state, "act") });
      }
      for (const [page, action] of Object.entries(PAGES)) {
        const got = answerOf(await authorize(session, connectionId, action, { engine, purpose: "page" }));
        mine.push({ actor, action: `page:${page}`, state, got, want: expected(actor, action, state, "page") });
      }
    }
    cells.push(...mine);
    // Asking never writes: the database and Microsoft are exactly as the set-up left them.
    expect(await footprint()).toBe(afterSetUp);
    expect(afterSetUp).not.toBe(before);
    expect(mine.filter((c) => c.got !== c.want).map((c) => `${c.actor} × ${c.action}: got ${c.got}, want ${c.want}`)).toEqual([]);
  });

  it("covers every action, and each kind of answer, somewhere in the matrix", () => {
    expect(new Set(cells.map((c) => c.action))).toEqual(new Set([...JOURNEY_ACTIONS, ...Object.keys(PAGES).map((p) => `page:${p}`)]));
    expect(new Set(cells.map((c) => c.got))).toEqual(new Set(["ok", "unauthorized", "forbidden", "not_found"]));
  });
});

/** Every file of app/connect that renders a page, runs an action or answers a route, and how it asks the guard. */
function connectFiles(dir = join(process.cwd(), "app/connect")): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return connectFiles(path);
    return /(page\.tsx|layout\.tsx|\.action\.ts|route\.ts)$/.test(name) ? [path] : [];
  });
}

describe("every page, action and route of app/connect asks the guard", () => {
  it("names a known action, or reads the journey (which asks for `view`), before anything else", () => {
    const problems: string[] = [];
    for (const file of connectFiles()) {
      const source = readFileSync(file, "utf8");
      const rel = file.slice(process.cwd().length + 1);
      if (/app\/connect\/not-found\.tsx$/.test(rel)) continue;
      const asks = [...source.matchAll(/authorize(?:Request|Page)?\([^,]+,\s*"(\w+)"/g)].map((m) => m[1]);
      const readsJourney = /\bload(?:Journey|PlanView|ChecklistPage)\(/.test(source) || /\bloadJourney\b/.test(source);
      for (const a of asks) if (!(JOURNEY_ACTIONS as readonly string[]).includes(a)) problems.push(`${rel}: unknown action ${a}`);
      if (rel.endsWith(".action.ts")) {
        const exported = [...source.matchAll(/export async function (\w+)/g)].map((m) => m[1]);
        if (asks.length < exported.length) problems.push(`${rel}: ${exported.length} actions, ${asks.length} authorize calls`);
      } else if (asks.length === 0 && !readsJourney) problems.push(`${rel}: renders or answers without asking`);
    }
    expect(problems).toEqual([]);
  });

  it("lists every page of app/connect in the matrix", () => {
    const pages = connectFiles()
      .filter((f) => f.endsWith("page.tsx"))
      .map((f) => f.split("/").at(-2)!)
      .filter((p) => p !== "[connectionId]");
    expect(new Set(pages)).toEqual(new Set(Object.keys(PAGES)));
  });
});
