/**
 * `npm run emulator`: the Microsoft sandbox on EMULATOR_PORT (default 4443), with the default scenario. Prints what a
 * developer needs: the origin, how Node trusts it, and who can sign in.
 */
import { startSandbox } from "./core/server";
import { getState } from "./core/store";
import { defaultDataDir } from "./core/tls";
import { PORTAL_APP, SANDBOX_PASSWORD } from "./scenarios/ids";

async function main(): Promise<void> {
  const port = Number(process.env.EMULATOR_PORT || 4443);
  const verbose = process.env.EMULATOR_LOG === "1";
  const sandbox = await startSandbox({
    port,
    host: process.env.EMULATOR_HOST || undefined,
    dataDir: defaultDataDir(),
    scenario: process.env.EMULATOR_SCENARIO || "default",
    log: verbose ? (line) => console.log(line) : undefined,
  });

  const state = getState();
  const users = state.users
    .map((u) => `    ${u.userPrincipalName.padEnd(42)} ${u.perUserMfaState === "disabled" ? "" : `(MFA ${u.perUserMfaState})`}`)
    .join("\n");
  const envs = state.environments
    .map(
      (e) =>
        `    ${e.friendlyName.padEnd(18)} ${sandbox.origin}/dynamics/${e.urlName}${e.onPremises === "windows" ? "  (on-premises, Windows sign-in: CONTOSO\\crmadmin)" : e.onPremises === "ifd" ? "  (on-premises IFD, AD FS sign-in: crmadmin@contoso.local)" : ""}`,
    )
    .join("\n");
  console.log(`Microsoft sandbox listening on ${sandbox.origin}
  identity (authority host)  ${sandbox.origin}            e.g. ${sandbox.origin}/contoso.onmicrosoft.com
  Graph                      ${sandbox.origin}/graph/v1.0
  Global Discovery           ${sandbox.origin}/globaldisco/api/discovery/v2.0/Instances
  control API                ${sandbox.origin}/__emulator/endpoints
  CA bundle                  ${sandbox.certificates.caBundle}

  Trust it from Node (set before the process starts):
    export NODE_EXTRA_CA_CERTS=${sandbox.certificates.caBundle}

  Users (password ${SANDBOX_PASSWORD}):
${users}
  Dataverse environments:
${envs}
  Portal app: client id ${PORTAL_APP.appId} (sandbox secret: see emulator/README.md)
`);

  const stop = () => {
    void sandbox.close().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((error: unknown) => {
  console.error("[sandbox] failed to start:", error);
  process.exit(1);
});
