import { BrowserAuthError, BrowserAuthErrorCodes, InteractionRequiredAuthError, ServerError } from "@azure/msal-browser";
import { describe, expect, it } from "vitest";
import { isSignInEnded } from "./sign-in-ended";

describe("isSignInEnded: a failed silent renewal that needs the person to sign in again", () => {
  it("Microsoft's login_required through the redirect bridge (an older browser session after revokeSignInSessions)", () => {
    expect(
      isSignInEnded(new InteractionRequiredAuthError("login_required", "AADSTS50058: A silent sign-in request was sent but no user is signed in.")),
    ).toBe(true);
    expect(isSignInEnded(new InteractionRequiredAuthError("interaction_required", ""))).toBe(true);
    expect(isSignInEnded(new InteractionRequiredAuthError("consent_required", ""))).toBe(true);
  });

  it("a refresh token Entra refuses: revoked sessions (AADSTS50173), the SPA's 24 hours over (AADSTS700084)", () => {
    const revoked = new ServerError(
      "invalid_grant",
      "AADSTS50173: The provided grant has expired due to it being revoked, a fresh auth token is needed.",
    );
    expect(isSignInEnded(revoked)).toBe(true);
    // The same code reached through a wrapper that kept only the message.
    expect(isSignInEnded({ errorCode: "server_error", errorMessage: "AADSTS50173: The provided grant has expired" })).toBe(true);
    expect(isSignInEnded({ errorCode: "server_error", errorMessage: "AADSTS700084: The refresh token was issued to a single page app" })).toBe(true);
  });

  it("the redirect bridge never answered before msal's timeout", () => {
    expect(isSignInEnded(new BrowserAuthError(BrowserAuthErrorCodes.timedOut, "", "redirect_bridge_timeout"))).toBe(true);
    expect(isSignInEnded(new BrowserAuthError(BrowserAuthErrorCodes.redirectBridgeEmptyResponse, ""))).toBe(true);
  });

  it("not a faulty network, a misconfiguration or another AADSTS: those are reported as they are", () => {
    expect(isSignInEnded(new BrowserAuthError(BrowserAuthErrorCodes.noNetworkConnectivity, ""))).toBe(false);
    expect(isSignInEnded(new ServerError("invalid_request", "AADSTS50011: The redirect URI does not match"))).toBe(false);
    expect(isSignInEnded(new ServerError("invalid_client", "AADSTS7000215: Invalid client secret provided."))).toBe(false);
    // A longer code that merely starts with a session-ending one.
    expect(isSignInEnded({ errorCode: "server_error", errorMessage: "AADSTS501731: something else" })).toBe(false);
    expect(isSignInEnded(new Error("fetch failed"))).toBe(false);
    expect(isSignInEnded(null)).toBe(false);
    expect(isSignInEnded("login_required")).toBe(false);
  });
});
