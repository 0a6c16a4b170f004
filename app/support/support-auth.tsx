"use client";

import { BrowserCacheLocation, PublicClientApplication, type AccountInfo, type AuthError } from "@azure/msal-browser";
import { LogIn, LogOut, ShieldAlert } from "lucide-react";
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { Button } from "@/components/ui/button";
import { Notice } from "@/components/ui/notice";
import { isSignInEnded } from "@/lib/support/sign-in-ended";
import type { SupportConsoleConfig } from "@/lib/support/support-console-config";

/** The console's public sign-in settings, from the server component (a type only: nothing server-side comes along). */
export type SupportConsoleProps = SupportConsoleConfig;

export type SupportMe = { name: string | null; objectId: string; tenantId: string; roles: string[] };

/** An RFC 9457 problem as the console's API answers it. */
export type Problem = { status: number; code: string; detail: string; errors?: { field: string; message: string }[] };
export type ApiResult<T> = { ok: true; data: T } | { ok: false; problem: Problem };

type SupportSession = {
  account: AccountInfo;
  me: SupportMe;
  api: <T>(path: string, init?: RequestInit) => Promise<ApiResult<T>>;
  signOut: () => void;
};

const SessionContext = createContext<SupportSession | null>(null);

/** The signed-in staff member and an API caller that attaches their access token. Only inside <SupportAuth>. */
export function useSupportSession(): SupportSession {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSupportSession outside <SupportAuth>");
  return session;
}

// One MSAL instance per page load. Tokens live in sessionStorage (this tab only, gone when it closes), never in
// localStorage, and never reach the portal's server except as the Authorization header of an API call.
let msal: { key: string; ready: Promise<PublicClientApplication> } | null = null;
function getMsal(config: SupportConsoleProps): Promise<PublicClientApplication> {
  const key = JSON.stringify(config);
  if (msal?.key !== key) {
    const pca = new PublicClientApplication({
      auth: {
        clientId: config.clientId,
        authority: config.authority,
        knownAuthorities: [config.knownAuthority],
        redirectUri: config.redirectUri,
        postLogoutRedirectUri: new URL("/support", config.redirectUri).toString(),
      },
      cache: { cacheLocation: BrowserCacheLocation.SessionStorage },
    });
    msal = { key, ready: pca.initialize().then(() => pca) };
  }
  return msal.ready;
}

type State =
  | { kind: "starting" }
  | { kind: "signedOut"; error?: string }
  | { kind: "checking"; account: AccountInfo }
  | { kind: "refused"; account: AccountInfo; detail: string }
  | { kind: "ready"; account: AccountInfo; me: SupportMe }
  | { kind: "ended"; account: AccountInfo }
  | { kind: "failed"; account: AccountInfo | null; detail: string };

/** The problem code the console's API caller answers once the staff member's sign-in is over (the console then asks them to sign in again). */
const SIGN_IN_ENDED = "sign_in_ended";

function describeAuthError(error: unknown): string {
  const e = error as Partial<AuthError> & { message?: string };
  // Microsoft's own words (error_description, e.g. "AADSTS50020: User account … does not exist in tenant …").
  return e.errorMessage || e.message || "Microsoft sign-in did not complete.";
}

/**
 * Signs Act-On staff in with MSAL.js (authorization code + PKCE, redirect flow) against Act-On's tenant only, then asks
 * the portal's API who they are: without a Support role the console shows a refusal, not the data.
 */
export function SupportAuth({ config, children }: { config: SupportConsoleProps; children: ReactNode }) {
  const [state, setState] = useState<State>({ kind: "starting" });
  const [pca, setPca] = useState<PublicClientApplication | null>(null);

  // From the cache, else with the refresh token, else in a hidden iframe whose answer comes back through the redirect
  // bridge (msal-browser 5 needs that page as the redirect URI of every silent request).
  const getToken = useCallback(
    async (app: PublicClientApplication, account: AccountInfo): Promise<string> =>
      (await app.acquireTokenSilent({ scopes: [config.scope], account, redirectUri: config.silentRedirectUri })).accessToken,
    [config.scope, config.silentRedirectUri],
  );

  const api = useCallback(
    async <T,>(path: string, init: RequestInit = {}): Promise<ApiResult<T>> => {
      if (!pca) return { ok: false, problem: { status: 0, code: "unauthorized", detail: "Not signed in." } };
      const account = pca.getActiveAccount();
      if (!account) return { ok: false, problem: { status: 401, code: "unauthorized", detail: "Sign in again." } };
      let token: string;
      try {
        token = await getToken(pca, account);
      } catch (error) {
        if (isSignInEnded(error)) {
          // Revoked sessions, an expired refresh token or a bridge that never answered: only the person can go on.
          setState({ kind: "ended", account });
          return { ok: false, problem: { status: 401, code: SIGN_IN_ENDED, detail: "Your sign-in has ended. Sign in again." } };
        }
        return { ok: false, problem: { status: 401, code: "unauthorized", detail: describeAuthError(error) } };
      }
      const headers = new Headers(init.headers);
      headers.set("authorization", `Bearer ${token}`);
      if (init.body) headers.set("content-type", "application/json");
      let response: Response;
      try {
        response = await fetch(path, { ...init, headers, cache: "no-store", credentials: "omit" });
      } catch {
        return {
          ok: false,
          problem: { status: 0, code: "upstream_unavailable", detail: "The portal did not answer. Check your connection and try again." },
        };
      }
      const body = await response.json().catch(() => null);
      if (response.ok) return { ok: true, data: body as T };
      const problem = (body ?? {}) as Partial<Problem>;
      return {
        ok: false,
        problem: {
          status: response.status,
          code: problem.code ?? "internal",
          detail: problem.detail ?? `The portal answered ${response.status}.`,
          errors: problem.errors,
        },
      };
    },
    [pca, getToken],
  );

  useEffect(() => {
    let cancelled = false;
    (async () => {
      let app: PublicClientApplication;
      try {
        app = await getMsal(config);
      } catch (error) {
        if (!cancelled) setState({ kind: "failed", account: null, detail: describeAuthError(error) });
        return;
      }
      let account: AccountInfo | null = null;
      try {
        const result = await app.handleRedirectPromise();
        account = result?.account ?? app.getActiveAccount() ?? app.getAllAccounts()[0] ?? null;
      } catch (error) {
        if (!cancelled) setState({ kind: "signedOut", error: describeAuthError(error) });
        return;
      }
      if (cancelled) return;
      setPca(app);
      if (!account) return setState({ kind: "signedOut" });
      app.setActiveAccount(account);
      setState({ kind: "checking", account });
    })();
    return () => {
      cancelled = true;
    };
  }, [config]);

  useEffect(() => {
    if (state.kind !== "checking") return;
    let cancelled = false;
    // api() moves to "ended" only after awaiting MSAL (never synchronously in this effect), so no cascading render.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    api<SupportMe>("/api/support/me").then((me) => {
      if (cancelled) return;
      if (me.ok) setState({ kind: "ready", account: state.account, me: me.data });
      else if (me.problem.code === SIGN_IN_ENDED)
        return; // the caller already moved to "ended"
      else if (me.problem.status === 403) setState({ kind: "refused", account: state.account, detail: me.problem.detail });
      else setState({ kind: "failed", account: state.account, detail: me.problem.detail });
    });
    return () => {
      cancelled = true;
    };
  }, [state, api]);

  const signIn = useCallback(async () => {
    const app = pca ?? (await getMsal(config));
    await app.loginRedirect({ scopes: [config.scope], prompt: "select_account", redirectStartPage: window.location.href });
  }, [pca, config]);

  const signInAgain = useCallback(async () => {
    if (state.kind !== "ended") return;
    const app = pca ?? (await getMsal(config));
    // Interactive, for the same account (msal passes it as the login hint): Microsoft shows its sign-in page.
    await app.acquireTokenRedirect({ scopes: [config.scope], account: state.account, redirectStartPage: window.location.href });
  }, [pca, config, state]);

  const signOut = useCallback(() => {
    if (!pca) return;
    // Forget this tab's tokens; the Microsoft session itself is left alone (other Act-On apps may use it).
    pca.clearCache().then(() => setState({ kind: "signedOut" }));
  }, [pca]);

  const session = useMemo(() => (state.kind === "ready" ? { account: state.account, me: state.me, api, signOut } : null), [state, api, signOut]);

  if (state.kind === "starting" || state.kind === "checking") {
    return (
      <p role="status" className="text-slate-700">
        {state.kind === "starting" ? "Loading the support console…" : "Checking your access…"}
      </p>
    );
  }
  if (state.kind === "signedOut") {
    return (
      <section className="max-w-xl space-y-4" aria-labelledby="support-sign-in">
        <h1 id="support-sign-in" className="text-2xl font-bold tracking-tight">
          Act-On support console
        </h1>
        <p className="text-slate-700">
          Every customer&apos;s Dynamics connection, its failing step and Microsoft&apos;s request ids. For Act-On staff only: sign in with your
          Act-On Microsoft account.
        </p>
        {state.error ? (
          <Notice tone="error" title="Sign-in did not complete.">
            <p className="mt-1 break-words">{state.error}</p>
          </Notice>
        ) : null}
        <Button onClick={signIn}>
          <LogIn aria-hidden className="h-4 w-4" />
          Sign in with your Act-On account
        </Button>
      </section>
    );
  }
  if (state.kind === "ended") {
    return (
      <section className="max-w-xl space-y-4" aria-labelledby="support-sign-in-ended">
        <h1 id="support-sign-in-ended" className="flex items-center gap-2 text-2xl font-bold tracking-tight">
          <LogIn aria-hidden className="h-6 w-6 text-blue-800" />
          Your sign-in has ended — sign in again
        </h1>
        <p className="text-slate-700">
          Microsoft no longer accepts the sign-in of <strong>{state.account.username}</strong> for the support console: it was signed out (for example
          by an administrator or a password change) or has expired. Sign in again to go on where you were.
        </p>
        <div className="flex flex-wrap gap-3">
          <Button onClick={signInAgain}>
            <LogIn aria-hidden className="h-4 w-4" />
            Sign in again
          </Button>
          <Button variant="secondary" onClick={signOut}>
            <LogOut aria-hidden className="h-4 w-4" />
            Sign out
          </Button>
        </div>
      </section>
    );
  }
  if (state.kind === "refused" || state.kind === "failed") {
    const refused = state.kind === "refused";
    return (
      <section className="max-w-xl space-y-4" aria-labelledby="support-refused">
        <h1 id="support-refused" className="flex items-center gap-2 text-2xl font-bold tracking-tight">
          <ShieldAlert aria-hidden className="h-6 w-6 text-red-700" />
          {refused ? "You do not have access to the support console" : "The support console could not start"}
        </h1>
        {state.account ? (
          <p className="text-slate-700">
            Signed in as <strong>{state.account.username}</strong>.
          </p>
        ) : null}
        <p className="text-slate-700">
          {refused
            ? "The console is for Act-On staff who hold the Support.Read or Support.Admin role on the portal's app in Act-On's Microsoft tenant. Ask an Act-On administrator to assign you one, then sign in again."
            : state.detail}
        </p>
        {refused ? <p className="text-sm text-slate-600">The portal said: {state.detail}</p> : null}
        {state.account ? (
          <Button variant="secondary" onClick={signOut}>
            <LogOut aria-hidden className="h-4 w-4" />
            Sign out
          </Button>
        ) : null}
      </section>
    );
  }
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}
