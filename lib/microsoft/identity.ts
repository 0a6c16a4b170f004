import "server-only";

/**
 * Microsoft identity platform, split by concern:
 * - identity-config.ts   where the authority, Graph and Discovery are; scopes
 * - msal-transport.ts    MSAL through the one transport (http.ts), error mapping, token retries
 * - admin-session.ts     the admin's delegated session (an opaque class with token() and serialize())
 * - app-tokens.ts        the Act-On app's client-credentials tokens
 * - password-sign-in.ts  the legacy integration user's password tokens
 * This module only re-exports them for callers written before the split; new code imports the file it needs.
 */
export { identityConfigFromEnv, delegatedScope, adminSignInScopes, appScope } from "./identity-config";
export type { IdentityConfig, TokenCallOptions, TokenResource } from "./identity-config";
export { toMicrosoftError } from "./msal-transport";
export {
  AdminSession,
  createAdminSession,
  getSignInUrl,
  completeSignIn,
  signInWithDeviceCode,
  signInWithPassword,
  serializeAdminSession,
  restoreAdminSession,
  hasAdminSessionChanged,
  getSignedInIdentity,
  getAdminToken,
  getAdminAccessToken,
} from "./admin-session";
export type { AdminSessionClientType, SignInRequest } from "./admin-session";
export { getAppToken } from "./app-tokens";
export { getUserTokenByPassword } from "./password-sign-in";
