/**
 * The state as the control API shows and accepts it. Shown: everything except credentials (password and secret
 * digests are replaced by their metadata). Accepted: a full state, where clear-text `password`/`secretText` fields
 * are hashed so test fixtures can be written by hand.
 */
import type { SandboxState } from "../core/state";
import { ntHashHex } from "../dataverse/ntlm-server";
import { sha256Hex } from "../scenarios/default";

export function redactState(state: SandboxState): unknown {
  return {
    ...state,
    users: state.users.map(({ passwordSha256: _digest, ...rest }) => rest),
    applications: state.applications.map((app) => ({
      ...app,
      passwordCredentials: app.passwordCredentials.map(({ secretSha256: _digest, ...meta }) => meta),
    })),
    environments: state.environments.map((env) => ({
      ...env,
      domainUsers: env.domainUsers.map(({ ntHash: _digest, ...rest }) => rest),
    })),
  };
}

type Loose = Record<string, unknown>;

function hashField(row: Loose, clear: string, digest: string, hash: (text: string) => string = sha256Hex): Loose {
  if (typeof row[clear] !== "string") return row;
  const { [clear]: value, ...rest } = row;
  return { ...rest, [digest]: hash(value as string) };
}

export function normaliseIncomingState(input: Loose): SandboxState {
  const state = structuredClone(input) as Loose;
  state.users = (state.users as Loose[]).map((u) => hashField(u, "password", "passwordSha256"));
  state.applications = (state.applications as Loose[]).map((a) => ({
    ...a,
    passwordCredentials: ((a.passwordCredentials as Loose[] | undefined) ?? []).map((c) => hashField(c, "secretText", "secretSha256")),
  }));
  state.environments = (state.environments as Loose[]).map((e) => ({
    ...e,
    // A domain controller keeps the NT hash (MD4 of the UTF-16 password): NTLM and AD FS both check against it.
    domainUsers: ((e.domainUsers as Loose[] | undefined) ?? []).map((b) => hashField(b, "password", "ntHash", ntHashHex)),
  }));
  return state as unknown as SandboxState;
}
