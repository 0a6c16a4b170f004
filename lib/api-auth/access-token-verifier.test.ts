import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type CryptoKey } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { createAccessTokenVerifier, type KeySource } from "./access-token-verifier";

const TENANT = "10000000-0000-4000-8000-000000000002";
const OTHER_TENANT = "10000000-0000-4000-8000-000000000001";
const CLIENT_ID = "31000000-0000-4000-8000-000000000001";
const V2_ISSUER = `https://login.example.test/${TENANT}/v2.0`;
const V1_ISSUER = `https://sts.windows.net/${TENANT}/`;

let signingKey: CryptoKey;
let strangerKey: CryptoKey;
let source: KeySource;

beforeAll(async () => {
  const pair = await generateKeyPair("RS256");
  signingKey = pair.privateKey;
  strangerKey = (await generateKeyPair("RS256")).privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", use: "sig", alg: "RS256" };
  source = { keys: createLocalJWKSet({ keys: [jwk] }), issuers: { v1: V1_ISSUER, v2: V2_ISSUER } };
});

type Claims = Record<string, unknown>;
const nowS = () => Math.floor(Date.now() / 1000);

function appToken(extra: Claims = {}): Claims {
  return {
    iss: V1_ISSUER,
    aud: `api://${CLIENT_ID}`,
    tid: TENANT,
    oid: "40000000-0000-4000-8000-000000000099",
    sub: "40000000-0000-4000-8000-000000000099",
    idtyp: "app",
    appid: "39000000-0000-4000-8000-000000000001",
    roles: ["Connections.Read"],
    ver: "1.0",
    iat: nowS(),
    nbf: nowS(),
    exp: nowS() + 3600,
    ...extra,
  };
}

function userToken(extra: Claims = {}): Claims {
  return {
    iss: V2_ISSUER,
    aud: CLIENT_ID,
    tid: TENANT,
    oid: "20000000-0000-4000-8000-000000000011",
    sub: "pairwise-subject",
    scp: "access_as_user",
    name: "Act-On Support",
    azp: CLIENT_ID,
    roles: ["Support.Read"],
    ver: "2.0",
    iat: nowS(),
    nbf: nowS(),
    exp: nowS() + 3600,
    ...extra,
  };
}

const sign = (claims: Claims, key: CryptoKey = signingKey, header: Record<string, unknown> = {}) =>
  new SignJWT(claims).setProtectedHeader({ alg: "RS256", typ: "JWT", kid: "k1", ...header }).sign(key);

const CUSTOM_URI = "https://api.act-on.example/portal";
const OTHER_APP = "39000000-0000-4000-8000-000000000077";

const verifier = (identifierUris?: string[]) =>
  createAccessTokenVerifier({
    authorityHost: "https://login.example.test",
    tenantId: TENANT,
    clientId: CLIENT_ID,
    identifierUris,
    keySource: source,
  });

/** Claims of each token version as Entra writes them (access-token-claims-reference). */
const V1 = { iss: V1_ISSUER, ver: "1.0" };
const V2 = { iss: V2_ISSUER, ver: "2.0" };
const v1User = (extra: Claims = {}) => userToken({ ...V1, azp: undefined, appid: CLIENT_ID, aud: `api://${CLIENT_ID}`, ...extra });
const v2App = (extra: Claims = {}) => appToken({ ...V2, appid: undefined, azp: "39000000-0000-4000-8000-000000000001", aud: CLIENT_ID, ...extra });

/** The verdict in a word: the caller's kind when accepted, else why not. */
async function verdictOf(claims: Claims, identifierUris?: string[]): Promise<string> {
  const result = await verifier(identifierUris).verify(await sign(claims), { roles: [] });
  return result.ok ? result.value.kind : result.reason;
}

describe("the claim matrix: token version × principal × audience", () => {
  const configured = [`api://${CLIENT_ID}`, CUSTOM_URI];
  it.each([
    // v1.0: aud is the identifier the client asked for — any configured identifier URI, or the client id.
    ["v1 app-only for api://<client id>", appToken(), "service"],
    ["v1 app-only for a configured custom identifier URI", appToken({ aud: CUSTOM_URI }), "service"],
    ["v1 app-only asked for by client id", appToken({ aud: CLIENT_ID }), "service"],
    ["v1 app-only for an identifier URI not configured", appToken({ aud: "https://api.act-on.example/other" }), "wrong_audience"],
    ["v1 delegated from the console for api://<client id>", v1User(), "user"],
    ["v1 delegated from the console for a custom identifier URI", v1User({ aud: CUSTOM_URI }), "user"],
    ["v1 delegated from the console asked for by client id", v1User({ aud: CLIENT_ID }), "user"],
    ["v1 delegated obtained by another app", v1User({ appid: OTHER_APP }), "wrong_client"],
    // v2.0: aud is always the client id, whatever the client asked for.
    ["v2 app-only for the client id", v2App(), "service"],
    ["v2 app-only claiming an identifier URI audience", v2App({ aud: `api://${CLIENT_ID}` }), "wrong_audience"],
    ["v2 delegated from the console", userToken(), "user"],
    ["v2 delegated claiming a custom identifier URI audience", userToken({ aud: CUSTOM_URI }), "wrong_audience"],
    ["v2 delegated obtained by another app", userToken({ azp: OTHER_APP }), "wrong_client"],
    // One version's issuer with the other's claims is not a token Entra issues.
    ["v1.0 from the v2.0 issuer", appToken({ iss: V2_ISSUER }), "wrong_issuer"],
    ["v2.0 from the v1.0 issuer", v2App({ iss: V1_ISSUER }), "wrong_issuer"],
    ["v1.0 naming its client in azp", appToken({ appid: undefined, azp: OTHER_APP }), "invalid_claims"],
    ["v2.0 naming its client in appid", v2App({ azp: undefined, appid: OTHER_APP }), "invalid_claims"],
    ["v1.0 without a client", appToken({ appid: undefined }), "invalid_claims"],
    ["without a version", appToken({ ver: undefined }), "invalid_claims"],
    ["of an unknown version", appToken({ ver: "3.0" }), "invalid_claims"],
  ])("%s → %s", async (_label, claims, expected) => {
    expect(await verdictOf(claims, configured)).toBe(expected);
  });

  it("accepts only api://<client id> (and the client id) when no identifier URI is configured", async () => {
    expect(await verdictOf(appToken())).toBe("service");
    expect(await verdictOf(appToken({ aud: CLIENT_ID }))).toBe("service");
    expect(await verdictOf(appToken({ aud: CUSTOM_URI }))).toBe("wrong_audience");
    // Configuring a custom URI replaces the default: an identifier the registration no longer lists is refused.
    expect(await verdictOf(appToken(), [CUSTOM_URI])).toBe("wrong_audience");
    expect(await verdictOf(v1User({ aud: CUSTOM_URI }), [CUSTOM_URI])).toBe("user");
  });

  it("pins people's tokens to the console but takes any of Act-On's services with the role", async () => {
    // A service's appid is its own registration; its app role assignment is what admits it.
    expect(await verdictOf(appToken({ appid: OTHER_APP }))).toBe("service");
    expect(await verdictOf(v2App({ azp: OTHER_APP }))).toBe("service");
    expect(await verdictOf(userToken({ azp: OTHER_APP }))).toBe("wrong_client");
  });
});

describe("createAccessTokenVerifier", () => {
  it("accepts a v1 app-only token for api://<client id> and names the service caller", async () => {
    const result = await verifier().verify(await sign(appToken()), { roles: ["Connections.Read"] });
    expect(result).toEqual({
      ok: true,
      value: { kind: "service", objectId: "40000000-0000-4000-8000-000000000099", tenantId: TENANT, name: null, roles: ["Connections.Read"] },
    });
  });

  it("accepts a v2 delegated token whose audience is the client id and names the user", async () => {
    const result = await verifier().verify(await sign(userToken()), { roles: ["Support.Read", "Support.Admin"] });
    expect(result.ok && result.value).toMatchObject({ kind: "user", name: "Act-On Support", roles: ["Support.Read"] });
  });

  it.each([
    ["expired beyond the skew", appToken({ exp: nowS() - 120, iat: nowS() - 4000, nbf: nowS() - 4000 }), /expired/],
    ["not valid yet beyond the skew", appToken({ nbf: nowS() + 600 }), /not valid yet/],
    ["for another audience", appToken({ aud: "api://some-other-api" }), /another audience/],
    ["for Microsoft Graph", appToken({ aud: "https://graph.microsoft.com" }), /another audience/],
    ["from another tenant's issuer", appToken({ iss: `https://sts.windows.net/${OTHER_TENANT}/`, tid: OTHER_TENANT }), /another tenant or authority/],
    ["whose tid differs from its issuer's tenant", appToken({ tid: OTHER_TENANT }), /another tenant/],
    ["without an object id", appToken({ oid: undefined }), /oid|claims/],
  ])("refuses a token %s with 401", async (_label, claims, message) => {
    const result = await verifier().verify(await sign(claims), { roles: [] });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe("unauthorized");
      expect(result.error.userMessage).toMatch(message);
    }
  });

  it("accepts a token expired by less than the clock skew", async () => {
    const result = await verifier().verify(await sign(appToken({ exp: nowS() - 20 })), { roles: [] });
    expect(result.ok).toBe(true);
  });

  it("refuses a token signed with another key, a tampered payload, an unsigned token and HS256", async () => {
    const forged = await sign(appToken(), strangerKey);
    const genuine = await sign(appToken());
    const [h, , s] = genuine.split(".");
    const tampered = `${h}.${Buffer.from(JSON.stringify(appToken({ roles: ["Connections.Credentials.Read"] }))).toString("base64url")}.${s}`;
    const unsigned = `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${genuine.split(".")[1]}.`;
    const hs256 = await new SignJWT(appToken()).setProtectedHeader({ alg: "HS256", kid: "k1" }).sign(new TextEncoder().encode("x".repeat(32)));
    for (const token of [forged, tampered, unsigned, hs256, "not-a-jwt"]) {
      const result = await verifier().verify(token, { roles: [] });
      expect(result.ok ? "accepted" : result.error.code).toBe("unauthorized");
    }
  });

  it("answers 403 when the token lacks the route's role, and counts a role only for the principal kind it is meant for", async () => {
    const readOnly = await verifier().verify(await sign(appToken()), { roles: ["Connections.Credentials.Read"] });
    expect(readOnly.ok ? "accepted" : readOnly.error.code).toBe("forbidden");
    // A person assigned a service role (or a service given a support role) does not get it.
    const userWithServiceRole = await verifier().verify(await sign(userToken({ roles: ["Connections.Credentials.Read"] })), {
      roles: ["Connections.Credentials.Read"],
    });
    expect(userWithServiceRole.ok ? "accepted" : userWithServiceRole.error.code).toBe("forbidden");
    const serviceWithSupportRole = await verifier().verify(await sign(appToken({ roles: ["Support.Admin"] })), { roles: ["Support.Admin"] });
    expect(serviceWithSupportRole.ok ? "accepted" : serviceWithSupportRole.error.code).toBe("forbidden");
    const unknownRole = await verifier().verify(await sign(appToken({ roles: ["Everything.All"] })), { roles: [] });
    expect(unknownRole.ok && unknownRole.value.roles).toEqual([]);
  });

  it("tells a service from a person as Microsoft documents: idtyp=app, else scp, else oid = sub", async () => {
    const kindOf = async (claims: Claims) => {
      const result = await verifier().verify(await sign(claims), { roles: [] });
      return result.ok ? result.value.kind : result.error.code;
    };
    // Without the optional idtyp claim (Entra's default), an app-only token has no scp and oid = sub.
    expect(await kindOf(appToken({ idtyp: undefined }))).toBe("service");
    expect(await kindOf(userToken())).toBe("user");
    // With idtyp's include_user_token property, a delegated token says idtyp=user.
    expect(await kindOf(userToken({ idtyp: "user" }))).toBe("user");
    // Neither scp nor an app identity: not a token Entra issues for this API, never "service" by default.
    expect(await kindOf(appToken({ idtyp: undefined, sub: "pairwise-subject" }))).toBe("unauthorized");
    expect(await kindOf(appToken({ idtyp: undefined, sub: undefined }))).toBe("unauthorized");
    expect(await kindOf(userToken({ scp: undefined }))).toBe("unauthorized");
    expect(await kindOf(userToken({ scp: undefined, idtyp: "user", sub: "20000000-0000-4000-8000-000000000011" }))).toBe("unauthorized");
    // Both at once contradicts itself.
    expect(await kindOf(appToken({ scp: "access_as_user" }))).toBe("unauthorized");
  });

  it("refuses a service token without an app identity even when it holds the route's role", async () => {
    const result = await verifier().verify(await sign(appToken({ idtyp: undefined, sub: "someone-else", roles: ["Connections.Read"] })), {
      roles: ["Connections.Read"],
    });
    expect(result.ok ? "accepted" : result.error.userMessage).toMatch(/neither a delegated/);
  });

  it("refuses tokens that live longer than Entra issues (28 hours), measured from nbf or else iat, and tokens without exp", async () => {
    const now = nowS();
    const verdict = async (claims: Claims) => {
      const result = await verifier().verify(await sign(claims), { roles: [] });
      return result.ok ? "accepted" : result.error.userMessage;
    };
    expect(await verdict(appToken({ iat: now, nbf: now, exp: now + 10 * 365 * 24 * 3600 }))).toMatch(/lives longer/);
    expect(await verdict(appToken({ iat: now, nbf: undefined, exp: now + 29 * 3600 }))).toMatch(/lives longer/);
    expect(await verdict(userToken({ iat: now, nbf: now, exp: now + 28 * 3600 + 5 * 60 }))).toMatch(/lives longer/);
    // A continuous-access-evaluation token of 28 hours, and one issued an hour ago that lives 27 hours, are Entra's own.
    expect(await verdict(userToken({ iat: now, nbf: now, exp: now + 28 * 3600 }))).toBe("accepted");
    expect(await verdict(appToken({ iat: now - 3600, nbf: now - 3600, exp: now + 26 * 3600 }))).toBe("accepted");
    expect(await verdict(appToken({ exp: undefined }))).toMatch(/exp/);
    expect(await verdict(appToken({ iat: undefined }))).toMatch(/iat/);
  });

  it("refuses every token when the tenant or the client id is not configured", async () => {
    const unconfigured = createAccessTokenVerifier({
      authorityHost: "https://login.example.test",
      tenantId: undefined,
      clientId: CLIENT_ID,
      keySource: source,
    });
    const result = await unconfigured.verify(await sign(appToken()), { roles: [] });
    expect(result.ok).toBe(false);
  });
});
