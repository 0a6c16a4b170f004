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
  source = { keys: createLocalJWKSet({ keys: [jwk] }), issuers: [V2_ISSUER, V1_ISSUER] };
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

const verifier = () =>
  createAccessTokenVerifier({ authorityHost: "https://login.example.test", tenantId: TENANT, clientId: CLIENT_ID, keySource: source });

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
