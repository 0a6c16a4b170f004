import "server-only";
import { appCredentialOf, credentialSecretKind } from "../domain/secret/app-credential";
import { readSecret } from "../domain/secret/store-secret";
import { getAppToken } from "../microsoft/app-tokens";
import { sameServiceUrl } from "../microsoft/identity-config";
import { runCredentialMode, type StepContext } from "./steps/step-context";
import type { StepResult } from "./runner";

/** What an app-only token proves: one stored credential of the app, signing in to one tenant for one environment. */
export type AppTokenTarget = { secretId: string; tenantId: string; clientId: string; environmentUrl: string };

const sameTarget = (a: AppTokenTarget, b: AppTokenTarget) =>
  a.secretId === b.secretId &&
  a.tenantId.toLowerCase() === b.tenantId.toLowerCase() &&
  a.clientId.toLowerCase() === b.clientId.toLowerCase() &&
  sameServiceUrl(a.environmentUrl, b.environmentUrl);

/**
 * The app-only token verify signs in with, asked for as soon as the credential step has made the credential: Entra
 * answers while the application user is still being set up, so verify's WhoAmI need not wait for it. Handed out once,
 * and only for exactly the credential and target it was asked for. A failure is never seen by itself: whoever takes
 * it gets null and asks Entra as it would have.
 */
export class PreparedAppToken {
  private prepared: { target: AppTokenTarget; token: Promise<string> } | null = null;

  /** Begins acquiring a token for `target`, replacing any prepared earlier. */
  prepare(target: AppTokenTarget, acquire: () => Promise<string>): void {
    const token = acquire();
    token.catch(() => undefined);
    this.prepared = { target, token };
  }

  /** The token prepared for exactly `target` (once), or null: none prepared, one for something else, or one that failed. */
  async take(target: AppTokenTarget): Promise<string | null> {
    const prepared = this.prepared;
    if (!prepared || !sameTarget(prepared.target, target)) return null;
    this.prepared = null;
    return prepared.token.catch(() => null);
  }
}

/**
 * After a cloud run's credential step made or kept a certificate or secret, begins the token verify will sign in with
 * (verify decides whether it is the one it checks). Never throws: a credential it cannot read is simply not prepared.
 */
export function prepareVerifyToken(ctx: StepContext, result: StepResult, tokens: PreparedAppToken): void {
  if (ctx.step !== "clientSecret" || result.kind !== "done" || ctx.options.mode !== "cloud") return;
  const mode = runCredentialMode(ctx);
  const secretId = result.output?.secretId;
  const { tenantId, clientId, environmentUrl } = ctx.connection;
  if (mode === "connector" || typeof secretId !== "string" || !tenantId || !clientId || !environmentUrl) return;
  tokens.prepare({ secretId, tenantId, clientId, environmentUrl }, async () => {
    const kind = credentialSecretKind(mode);
    const opened = await readSecret(ctx.db, { secretId, keys: ctx.config.keys });
    if (!opened?.ok) throw new Error("provisioning: the new credential cannot be read to sign in with it");
    return getAppToken({
      ...ctx.call,
      config: ctx.config.identity,
      ...appCredentialOf(kind, opened.value),
      tenantId,
      clientId,
      resource: { environmentUrl },
    });
  });
}
