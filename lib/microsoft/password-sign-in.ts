import "server-only";
import { PublicClientApplication } from "@azure/msal-node";
import { delegatedScope, identityConfigFromEnv, type TokenCallOptions } from "./identity-config";
import { acquire, msalConfiguration } from "./msal-transport";

/**
 * Gets a delegated Dataverse token for the legacy integration user with user name and password (ROPC on the Act-On
 * app, which must allow public client flows). Nothing is cached. @throws MicrosoftError
 */
export async function getUserTokenByPassword(
  options: TokenCallOptions & {
    tenantId: string;
    clientId: string;
    username: string;
    password: string;
    environmentUrl: string;
    justCreated?: boolean;
  },
): Promise<string> {
  const config = options.config ?? identityConfigFromEnv();
  const app = new PublicClientApplication(msalConfiguration(config, options.clientId, options.tenantId));
  const result = await acquire("POST /token (password)", options, () =>
    app.acquireTokenByUsernamePassword({
      scopes: [delegatedScope(config, { environmentUrl: options.environmentUrl })],
      username: options.username,
      password: options.password,
    }),
  );
  return result.accessToken;
}
