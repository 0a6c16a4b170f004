import "server-only";
import { appError, fail, ok, type Result } from "../core/errors";
import type { Db } from "../core/db";
import { guardPublicAddress } from "../core/net/public-address-guard";
import type { ProbeFinding } from "../domain/connection/health";
import type { EncryptionKey } from "../domain/secret/secret-box";
import { readActiveSecret } from "../domain/secret/store-secret";
import { verifyOnPremisesSignIn } from "../microsoft/on-premises-sign-in";
import { isWebApiVersion } from "../microsoft/web-api-version";
import { isMicrosoftError } from "../microsoft/errors";
import type { CallSettings } from "../microsoft/http";
import { classifyOnPremisesProbeFailure } from "./classify-probe-failure";

export type OnPremisesProbeTarget = {
  id: string;
  environmentUrl: string;
  username: string;
  adfsClientId: string | null;
  webApiVersion: string | null;
};

/**
 * Probes an on-premises connection as Act-On's connector signs in: the server's own sign-in (Windows/NTLM, or a
 * token from its AD FS) with the domain user's stored password, then WhoAmI on the Web API version found at connect. The address is checked again first and the request pinned to it, as when it was connected: the
 * password goes nowhere else, whatever DNS says now. Fails (nothing found) only when the stored password cannot be
 * opened with the portal's keys.
 */
export async function probeOnPremises(
  deps: { db: Db; keys: EncryptionKey[]; allowedPrivateHosts: string[]; call: CallSettings },
  connection: OnPremisesProbeTarget,
): Promise<Result<ProbeFinding>> {
  const secret = await readActiveSecret(deps.db, { connectionId: connection.id, kind: "password", keys: deps.keys });
  if (secret.status === "none") return ok({ ok: false, cause: "credential_removed", detail: "no active password is stored for this connection" });
  if (secret.status === "unreadable")
    return fail(appError("internal", "The stored password could not be opened with the portal's keys.", { detail: `secret ${secret.id}` }));
  const target = await guardPublicAddress(connection.environmentUrl, { allowedPrivateHosts: deps.allowedPrivateHosts });
  if (!target.ok) {
    return ok({
      ok: false,
      cause: "tenant_unreachable",
      detail: `address check: ${target.error.code}; ${target.error.detail ?? target.error.userMessage}`,
    });
  }
  try {
    await verifyOnPremisesSignIn(
      { ...deps.call, environmentUrl: target.value.url, target: target.value, allowedPrivateHosts: deps.allowedPrivateHosts },
      {
        username: connection.username,
        password: secret.value,
        adfsClientId: connection.adfsClientId,
        apiVersion: isWebApiVersion(connection.webApiVersion) ? connection.webApiVersion : null,
      },
    );
    return ok({ ok: true });
  } catch (error) {
    if (!isMicrosoftError(error)) throw error;
    return ok({ ok: false, cause: classifyOnPremisesProbeFailure(error), detail: error.appError.detail ?? error.message });
  }
}
