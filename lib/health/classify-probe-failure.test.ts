import { describe, expect, it } from "vitest";
import { mapMicrosoftError, MicrosoftError, upstreamCodeOf, type MicrosoftErrorInput } from "../microsoft/errors";
import { classifyOnPremisesProbeFailure, classifyProbeFailure } from "./classify-probe-failure";

/** A MicrosoftError built from Microsoft's answer, as lib/microsoft builds it. */
function answer(input: MicrosoftErrorInput): MicrosoftError {
  return new MicrosoftError({
    appError: mapMicrosoftError(input),
    service: input.service,
    status: input.status,
    upstreamCode: upstreamCodeOf(input.body),
  });
}
const entra = (status: number, aadsts: number, error = "invalid_client") =>
  answer({ service: "identity", status, body: { error, error_description: `AADSTS${aadsts}: …`, error_codes: [aadsts] } });
const dataverse = (status: number, code?: string, message = "") =>
  answer({ service: "dataverse", status, body: code ? { error: { code, message } } : "" });

describe("classifying a failed probe", () => {
  it.each([
    ["entra(401, 7000222)", entra(401, 7000222), "credential_expired"],
    ["entra(401, 7000215)", entra(401, 7000215), "credential_removed"],
    ["entra(400, 700016, 'unauthorized_client')", entra(400, 700016, "unauthorized_client"), "consent_revoked"],
    ["entra(401, 7000229)", entra(401, 7000229), "consent_revoked"],
    ["entra(401, 7000112, 'unauthorized_client')", entra(401, 7000112, "unauthorized_client"), "consent_revoked"],
    ["entra(400, 500011, 'invalid_resource')", entra(400, 500011, "invalid_resource"), "environment_not_found"],
    ["entra(429, 0, 'temporarily_unavailable')", entra(429, 0, "temporarily_unavailable"), "microsoft_unavailable"],
    ["entra(503, 0, 'temporarily_unavailable')", entra(503, 0, "temporarily_unavailable"), "microsoft_unavailable"],
    ["answer({ service: 'identity', transport: 'network' })", answer({ service: "identity", transport: "network" }), "tenant_unreachable"],
    ["answer({ service: 'identity', transport: 'timeout' })", answer({ service: "identity", transport: "timeout" }), "microsoft_unavailable"],
    ["dataverse(403, '0x80072560')", dataverse(403, "0x80072560", "The user is not a member of the organization."), "application_user_missing"],
    ["dataverse(403, '0x80040225')", dataverse(403, "0x80040225", "The user with SystemUserId=… is disabled."), "application_user_disabled"],
    ["dataverse(403, '0x80040220')", dataverse(403, "0x80040220", "Principal user … is missing prvReadUser privilege …"), "privilege_missing"],
    ["dataverse(401)", dataverse(401), "application_user_missing"],
    ["dataverse(404)", dataverse(404), "environment_not_found"],
    ["dataverse(429, '0x80072322')", dataverse(429, "0x80072322"), "microsoft_unavailable"],
    ["dataverse(429, '0x80072321')", dataverse(429, "0x80072321"), "microsoft_unavailable"],
    ["dataverse(429, '0x80072326')", dataverse(429, "0x80072326"), "microsoft_unavailable"],
    ["dataverse(503)", dataverse(503), "microsoft_unavailable"],
    ["answer({ service: 'dataverse', transport: 'network' })", answer({ service: "dataverse", transport: "network" }), "tenant_unreachable"],
    ["answer({ service: 'dataverse', transport: 'timeout' })", answer({ service: "dataverse", transport: "timeout" }), "microsoft_unavailable"],
  ] as const)("%s", (_answer, error, cause) => {
    expect(classifyProbeFailure(error), String(error)).toBe(cause);
  });
});

/** An AD FS token endpoint's refusal as the on-premises sign-in reports it (its OAuth `error` as the upstream code). */
const adfs = (error: string, code: "invalid_input" | "invalid_credentials") =>
  new MicrosoftError({ service: "identity", status: 400, upstreamCode: error, appError: { code, userMessage: "…", retryable: false } });

describe("classifying a failed on-premises probe (NTLM or AD FS, then WhoAmI)", () => {
  it.each([
    ["AD FS invalid_client: the registered client was removed", adfs("invalid_client", "invalid_input"), "consent_revoked"],
    ["AD FS invalid_grant: the password refused", adfs("invalid_grant", "invalid_credentials"), "credential_removed"],
    ["dataverse(401): the domain user's name and password refused", dataverse(401), "credential_removed"],
    // The domain user signed in but is not a user of the organization: there is no application user to miss.
    ["dataverse(403, '0x80072560')", dataverse(403, "0x80072560", "The user is not a member of the organization."), "integration_user_missing"],
    ["dataverse(403, '0x80040225')", dataverse(403, "0x80040225", "The user with SystemUserId=… is disabled."), "application_user_disabled"],
    ["dataverse(404)", dataverse(404), "environment_not_found"],
    ["dataverse(503)", dataverse(503), "microsoft_unavailable"],
    ["answer({ service: 'dataverse', transport: 'network' })", answer({ service: "dataverse", transport: "network" }), "tenant_unreachable"],
  ] as const)("%s", (_answer, error, cause) => {
    expect(classifyOnPremisesProbeFailure(error), String(error)).toBe(cause);
  });
});
