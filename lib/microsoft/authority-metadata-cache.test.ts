import { describe, expect, it } from "vitest";
import { AuthorityMetadataCache, isAuthorityMetadataUrl, METADATA_TTL_MS } from "./authority-metadata-cache";

const URL_A = "https://login.example/tenant-a/v2.0/.well-known/openid-configuration";
const URL_B = "https://login.example/tenant-b/v2.0/.well-known/openid-configuration";
const answer = (issuer: string, status = 200) => ({ status, headers: {}, body: { issuer } });

describe("AuthorityMetadataCache", () => {
  it("keeps a success per authority until it is a day old", () => {
    let now = 0;
    const cache = new AuthorityMetadataCache(() => now);
    cache.keep(URL_A, answer("a"));
    expect(cache.find(URL_A)?.body).toEqual({ issuer: "a" });
    expect(cache.find(URL_B)).toBeNull();
    now = METADATA_TTL_MS - 1;
    expect(cache.find(URL_A)).not.toBeNull();
    now = METADATA_TTL_MS;
    expect(cache.find(URL_A)).toBeNull();
  });

  it("never keeps a failure", () => {
    const cache = new AuthorityMetadataCache(() => 0);
    cache.keep(URL_A, answer("a", 503));
    cache.keep(URL_B, answer("b", 404));
    expect(cache.find(URL_A)).toBeNull();
    expect(cache.find(URL_B)).toBeNull();
  });

  it("recognises only MSAL's discovery document", () => {
    expect(isAuthorityMetadataUrl(new URL(URL_A))).toBe(true);
    expect(isAuthorityMetadataUrl(new URL("https://login.example/tenant-a/oauth2/v2.0/token"))).toBe(false);
    expect(isAuthorityMetadataUrl(new URL(`${URL_A}?x=1`))).toBe(false);
  });
});
