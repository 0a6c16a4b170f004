import { describe, expect, it } from "vitest";
import { DATAVERSE_USER_DISABLED_MESSAGE, mapMicrosoftError, MicrosoftError, parseUpstreamError } from "./errors";

/** An Entra token-endpoint error body as documented (contract §1.8). */
function aad(code: number, error: string, message: string, extra: Record<string, unknown> = {}) {
  return {
    error,
    error_description: `AADSTS${code}: ${message}\r\nTrace ID: 255d1aef-8c98-452f-ac51-23d051240864\r\nCorrelation ID: fb3d2015-bc17-4bb9-bb85-30c5cf1aaaa7\r\nTimestamp: 2016-01-09 02:02:12Z`,
    error_codes: [code],
    timestamp: "2016-01-09 02:02:12Z",
    trace_id: "255d1aef-8c98-452f-ac51-23d051240864",
    correlation_id: "fb3d2015-bc17-4bb9-bb85-30c5cf1aaaa7",
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    ...extra,
  };
}

function graph(code: string, message: string, details?: { code: string; message: string; target?: string }[]) {
  return {
    error: {
      code,
      message,
      ...(details ? { details } : {}),
      innerError: {
        date: "2022-08-29T14:46:37",
        "request-id": "c4fd3acc-1558-4950-8028-68bb058f7bf0",
        "client-request-id": "c4fd3acc-1558-4950-8028-68bb058f7bf0",
      },
    },
  };
}

const dataverse = (code: string, message: string) => ({ error: { code, message } });

describe("mapMicrosoftError: Entra (AADSTS)", () => {
  const cases: [string, number, number, string, string, string, boolean][] = [
    [
      "consent missing",
      400,
      65001,
      "invalid_grant",
      "The user or administrator has not consented to use the application with ID 'x' named 'y'.",
      "consent_required",
      false,
    ],
    [
      "MFA required",
      400,
      50076,
      "invalid_grant",
      "Due to a configuration change made by your administrator ... you must use multi-factor authentication to access 'x'.",
      "mfa_required",
      false,
    ],
    [
      "MFA enrollment required",
      400,
      50079,
      "interaction_required",
      "you must enroll in multi-factor authentication to access 'x'.",
      "mfa_required",
      false,
    ],
    ["conditional access", 400, 53003, "invalid_grant", "Access has been blocked by Conditional Access policies.", "mfa_required", false],
    ["invalid secret", 401, 7000215, "invalid_client", "Invalid client secret provided.", "client_secret_invalid", false],
    ["expired secret", 401, 7000222, "invalid_client", "The provided client secret keys for app 'x' are expired.", "client_secret_expired", false],
    [
      "app not found",
      400,
      700016,
      "unauthorized_client",
      "Application with identifier 'x' was not found in the directory 'contoso'.",
      "not_found",
      false,
    ],
    [
      "client SP missing",
      400,
      7000229,
      "invalid_client",
      "The client application x is missing service principal in the tenant y",
      "not_found",
      false,
    ],
    [
      "resource SP missing",
      400,
      500011,
      "invalid_resource",
      "The resource principal named x was not found in the tenant named y.",
      "not_found",
      false,
    ],
    [
      "wrong password",
      400,
      50126,
      "invalid_grant",
      "Error validating credentials due to invalid username or password.",
      "invalid_credentials",
      false,
    ],
    ["unknown user", 400, 50034, "invalid_grant", "The user account {EUII Hidden} does not exist in the x directory.", "invalid_credentials", false],
    ["unknown tenant", 400, 90002, "invalid_request", "Tenant 'nope' not found.", "not_found", false],
    [
      "not a public client",
      401,
      7000218,
      "invalid_client",
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
      "public_client_not_allowed",
      false,
    ],
    [
      "public client sent a secret",
      400,
      700025,
      "invalid_client",
      "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
      "invalid_input",
      false,
    ],
    ["invalid user input", 400, 90013, "invalid_request", "Invalid input received from the user.", "invalid_input", false],
  ];
  it.each(cases)("%s (AADSTS%s) → %s", (_name, status, code, error, message, expected, retryable) => {
    const mapped = mapMicrosoftError({ service: "identity", status, body: aad(code, error, message) });
    expect(mapped.code).toBe(expected);
    expect(mapped.retryable).toBe(retryable);
    expect(mapped.detail).toContain(`AADSTS${code}`);
    expect(mapped.requestIds).toEqual(["255d1aef-8c98-452f-ac51-23d051240864", "fb3d2015-bc17-4bb9-bb85-30c5cf1aaaa7"]);
    expect(mapped.userMessage.length).toBeGreaterThan(20);
  });

  it.each([700016, 7000229, 500011, 7000215])("AADSTS%s right after a create is a retryable replication_pending", (code) => {
    const mapped = mapMicrosoftError({ service: "identity", status: 400, body: aad(code, "invalid_client", "x"), justCreated: true });
    expect(mapped).toMatchObject({ code: "replication_pending", retryable: true });
  });

  it("replication waits name Microsoft's window (up to two minutes), not 'less than a minute'", () => {
    const graph = mapMicrosoftError({ service: "identity", status: 400, body: aad(700016, "unauthorized_client", "x"), justCreated: true });
    const dv = mapMicrosoftError({
      service: "dataverse",
      status: 403,
      body: dataverse("0x80072560", "The user is not a member of the organization."),
      justCreated: true,
    });
    for (const mapped of [graph, dv]) {
      expect(mapped.userMessage).toMatch(/up to two minutes/);
      expect(mapped.userMessage).not.toMatch(/less than a minute/);
    }
  });

  it("AADSTS700025 says the app is a public client that must not be sent a credential: never 'allow public client flows'", () => {
    const body = aad(700025, "invalid_client", "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.");
    const mapped = mapMicrosoftError({ service: "identity", status: 400, body });
    expect(mapped.userMessage).toMatch(/public client/);
    expect(mapped.userMessage).toMatch(/turn "Allow public client flows" off/);
    expect(mapped.userMessage).not.toMatch(/Enable "Allow public client flows"/);
    // 7000218 is the opposite case and keeps its own advice.
    const opposite = mapMicrosoftError({ service: "identity", status: 401, body: aad(7000218, "invalid_client", "x") });
    expect(opposite.userMessage).toMatch(/Enable "Allow public client flows"/);
  });

  it("AADSTS90013 is invalid input from the user, never a tenant that was not found", () => {
    const mapped = mapMicrosoftError({
      service: "identity",
      status: 400,
      body: aad(90013, "invalid_request", "Invalid input received from the user."),
    });
    expect(mapped.userMessage).not.toMatch(/tenant\b.*not find|could not find that Microsoft tenant|contact Act-On support/i);
    expect(mapped.userMessage).toMatch(/could not accept a value/);
  });

  it("tells an MFA user what to do in legacy mode", () => {
    const mapped = mapMicrosoftError({ service: "identity", status: 400, body: aad(50076, "invalid_grant", "mfa", { suberror: "basic_action" }) });
    expect(mapped.userMessage).toMatch(/must not require MFA in legacy mode/);
    expect(mapped.userMessage).toMatch(/app-only mode/);
  });

  it("finds the AADSTS number in the description when error_codes is missing", () => {
    const body = { error: "invalid_grant", error_description: "AADSTS65001: The user or administrator has not consented." };
    expect(mapMicrosoftError({ service: "identity", status: 400, body }).code).toBe("consent_required");
  });

  it("maps a token endpoint 429 and 503 to retryable codes", () => {
    expect(mapMicrosoftError({ service: "identity", status: 429, body: {} })).toMatchObject({ code: "throttled", retryable: true });
    expect(mapMicrosoftError({ service: "identity", status: 503, body: { error: "temporarily_unavailable" } })).toMatchObject({
      code: "upstream_unavailable",
      retryable: true,
    });
  });
});

describe("mapMicrosoftError: Graph", () => {
  it("Authorization_RequestDenied → insufficient_privileges", () => {
    const mapped = mapMicrosoftError({
      service: "graph",
      status: 403,
      body: graph("Authorization_RequestDenied", "Insufficient privileges to complete the operation."),
    });
    expect(mapped).toMatchObject({ code: "insufficient_privileges", retryable: false });
    expect(mapped.requestIds).toContain("c4fd3acc-1558-4950-8028-68bb058f7bf0");
    expect(mapped.detail).toContain("Authorization_RequestDenied");
  });

  it("Request_ResourceNotFound is not_found, or replication_pending right after a create", () => {
    const body = graph("Request_ResourceNotFound", "Resource 'x' does not exist or one of its queried reference-property objects are not present.");
    expect(mapMicrosoftError({ service: "graph", status: 404, body })).toMatchObject({ code: "not_found", retryable: false });
    expect(mapMicrosoftError({ service: "graph", status: 404, body, justCreated: true })).toMatchObject({
      code: "replication_pending",
      retryable: true,
    });
  });

  it("NoBackingApplicationObject is always replication_pending", () => {
    const body = graph("Request_BadRequest", "The appId 'x' of the service principal does not reference a valid application object.", [
      { code: "NoBackingApplicationObject", message: "The appId 'x' does not reference a valid application object.", target: "appId" },
    ]);
    expect(mapMicrosoftError({ service: "graph", status: 400, body })).toMatchObject({ code: "replication_pending", retryable: true });
  });

  it("Request_MultipleObjectsWithSameKeyValue → conflict", () => {
    const body = graph(
      "Request_MultipleObjectsWithSameKeyValue",
      "A conflicting object with one or more of the specified property values is present in the directory.",
    );
    expect(mapMicrosoftError({ service: "graph", status: 409, body }).code).toBe("conflict");
  });

  it("TooManyRequests → throttled, serviceNotAvailable → upstream_unavailable, InvalidAuthenticationToken → unauthorized", () => {
    expect(mapMicrosoftError({ service: "graph", status: 429, body: graph("TooManyRequests", "Too many requests") })).toMatchObject({
      code: "throttled",
      retryable: true,
    });
    expect(mapMicrosoftError({ service: "graph", status: 503, body: graph("serviceNotAvailable", "down") })).toMatchObject({
      code: "upstream_unavailable",
      retryable: true,
    });
    expect(
      mapMicrosoftError({ service: "graph", status: 401, body: graph("InvalidAuthenticationToken", "Access token has expired.") }),
    ).toMatchObject({ code: "unauthorized", retryable: false });
  });

  it("takes request ids from headers too", () => {
    const mapped = mapMicrosoftError({
      service: "graph",
      status: 500,
      body: "oops",
      headers: new Headers({ "request-id": "r-1", "client-request-id": "c-1" }),
    });
    expect(mapped.requestIds).toEqual(["r-1", "c-1"]);
    expect(mapped.code).toBe("upstream_unavailable");
  });
});

describe("mapMicrosoftError: Dataverse", () => {
  it("0x80072560 not a member: forbidden, or replication_pending right after the application user was created", () => {
    const body = dataverse("0x80072560", "The user is not a member of the organization.");
    expect(mapMicrosoftError({ service: "dataverse", status: 403, body }).code).toBe("forbidden");
    expect(mapMicrosoftError({ service: "dataverse", status: 403, body, justCreated: true })).toMatchObject({
      code: "replication_pending",
      retryable: true,
    });
  });

  it("0x80040220 privilege denied → insufficient_privileges naming System Administrator", () => {
    const body = dataverse(
      "0x80040220",
      "Principal user (Id=x, type=8, roleCount=0, privilegeCount=0), is missing prvCreateUser privilege (Id=y) on OTC=8 for entity 'systemuser'.",
    );
    const mapped = mapMicrosoftError({ service: "dataverse", status: 403, body });
    expect(mapped.code).toBe("insufficient_privileges");
    expect(mapped.userMessage).toMatch(/System Administrator of the environment/);
  });

  it("0x80040237 duplicate → conflict; 0x80060888 / 0x80040217 → not_found; 401 → unauthorized", () => {
    expect(
      mapMicrosoftError({ service: "dataverse", status: 412, body: dataverse("0x80040237", "A record with matching key values already exists.") })
        .code,
    ).toBe("conflict");
    expect(
      mapMicrosoftError({ service: "dataverse", status: 404, body: dataverse("0x80060888", "Resource not found for the segment 'x'.") }).code,
    ).toBe("not_found");
    expect(mapMicrosoftError({ service: "dataverse", status: 404, body: dataverse("0x80040217", "role With Id = x Does Not Exist") }).code).toBe(
      "not_found",
    );
    expect(mapMicrosoftError({ service: "dataverse", status: 401, body: "" }).code).toBe("unauthorized");
  });

  it("captures Dataverse request ids from headers", () => {
    const mapped = mapMicrosoftError({
      service: "dataverse",
      status: 429,
      body: {},
      headers: { "x-ms-service-request-id": "svc-1", REQ_ID: "svc-1" },
    });
    expect(mapped).toMatchObject({ code: "throttled", requestIds: ["svc-1"] });
  });
});

describe("mapMicrosoftError: transport", () => {
  it("timeout → timeout, network → upstream_unavailable, both retryable", () => {
    expect(mapMicrosoftError({ service: "graph", transport: "timeout" })).toMatchObject({ code: "timeout", retryable: true });
    expect(mapMicrosoftError({ service: "dataverse", transport: "network" })).toMatchObject({ code: "upstream_unavailable", retryable: true });
  });
});

describe("MicrosoftError", () => {
  it("has a message with the call and codes but no payload", () => {
    const body = aad(7000215, "invalid_client", "Invalid client secret provided.");
    const appError = mapMicrosoftError({ service: "identity", status: 401, body, operation: "POST /token" });
    const e = new MicrosoftError({ appError, service: "identity", status: 401, upstreamCode: "AADSTS7000215", operation: "POST /token" });
    expect(e.message).toBe("Microsoft identity POST /token failed (401 AADSTS7000215): client_secret_invalid");
    expect(e.message).not.toMatch(/Invalid client secret provided/);
    expect(appError.detail).not.toMatch(/Invalid client secret provided/);
  });

  it("parseUpstreamError reads Graph innerError request ids and detail codes", () => {
    const u = parseUpstreamError(graph("Request_BadRequest", "x", [{ code: "NoBackingApplicationObject", message: "m" }]));
    expect(u).toMatchObject({
      code: "Request_BadRequest",
      detailCodes: ["NoBackingApplicationObject"],
      requestIds: ["c4fd3acc-1558-4950-8028-68bb058f7bf0"],
    });
  });
});

describe("a disabled Dataverse user", () => {
  it("is told apart from a user that does not exist, by Dataverse's documented message", () => {
    const disabled = mapMicrosoftError({
      service: "dataverse",
      status: 403,
      body: {
        error: {
          code: "0x80040225",
          message:
            "The user with SystemUserId=9d2d2afd-87ce-4946-bd5e-7b1eca12b665 in OrganizationContext=60000000-0000-4000-8000-000000000001 is disabled. Disabled users cannot access the system. Consider enabling this user.",
        },
      },
    });
    expect(disabled).toMatchObject({ code: "forbidden", userMessage: DATAVERSE_USER_DISABLED_MESSAGE });
    const missing = mapMicrosoftError({
      service: "dataverse",
      status: 403,
      body: { error: { code: "0x80072560", message: "The user is not a member of the organization." } },
    });
    expect(missing.userMessage).not.toBe(DATAVERSE_USER_DISABLED_MESSAGE);
  });
});

describe("replication lag is judged by context, not by message text", () => {
  const neutral = (code: string) => ({ error: { code, message: "The request could not be completed." } });
  it.each([400, 403, 404])("Graph %i right after our create is replication_pending, whatever the wording", (status) => {
    expect(mapMicrosoftError({ service: "graph", status, body: neutral("Request_BadRequest"), justCreated: true })).toMatchObject({
      code: "replication_pending",
      retryable: true,
    });
    expect(mapMicrosoftError({ service: "graph", status, body: neutral("Request_BadRequest"), justCreated: false }).code).not.toBe(
      "replication_pending",
    );
  });

  it.each([400, 403, 404])("Dataverse %i right after our create is replication_pending, whatever the wording", (status) => {
    expect(mapMicrosoftError({ service: "dataverse", status, body: neutral("0x80040216"), justCreated: true })).toMatchObject({
      code: "replication_pending",
      retryable: true,
    });
    expect(mapMicrosoftError({ service: "dataverse", status, body: neutral("0x80040216"), justCreated: false }).code).not.toBe("replication_pending");
  });

  it("a message that merely sounds like replication is not taken for it outside the window", () => {
    const body = { error: { code: "0x80040216", message: "The user with id x was not found in the directory of tenant y." } };
    expect(mapMicrosoftError({ service: "dataverse", status: 400, body }).code).not.toBe("replication_pending");
    const graphBody = { error: { code: "Request_BadRequest", message: "The backing application of the service principal does not exist." } };
    expect(mapMicrosoftError({ service: "graph", status: 400, body: graphBody }).code).not.toBe("replication_pending");
  });

  it("throttling stays throttling inside the window", () => {
    expect(mapMicrosoftError({ service: "dataverse", status: 429, body: neutral("0x80072322"), justCreated: true }).code).toBe("throttled");
  });
});
