import { describe, expect, it } from "vitest";
import { guardPublicAddress, type ResolveHost } from "./public-address-guard";

/** A resolver answering from a table, recording every name it was asked about. */
function fakeDns(table: Record<string, string[]>): ResolveHost & { asked: string[] } {
  const asked: string[] = [];
  const resolve = async (hostname: string) => {
    asked.push(hostname);
    const answers = table[hostname];
    if (!answers) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
    return answers.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  };
  return Object.assign(resolve, { asked });
}

const PUBLIC = "20.42.73.1";
const none: string[] = [];

describe("guardPublicAddress", () => {
  it("accepts an https URL whose host resolves only to public addresses, and pins the first", async () => {
    const dns = fakeDns({ "crm.contoso.com": [PUBLIC, "2603:1030:20e:3::23c"] });
    const result = await guardPublicAddress("https://CRM.contoso.com/contoso/", { allowedPrivateHosts: none, resolveHost: dns });
    expect(result).toEqual({
      ok: true,
      value: { url: "https://crm.contoso.com/contoso", hostname: "crm.contoso.com", port: 443, address: PUBLIC, family: 4 },
    });
    expect(dns.asked).toEqual(["crm.contoso.com"]);
  });

  it.each([
    ["http://crm.contoso.com/contoso", "https://"],
    ["ftp://crm.contoso.com/", "https://"],
    ["crm.contoso.com/contoso", "https://"],
    ["https://user:pw@crm.contoso.com/", "user name and password"],
    ["https://crm.contoso.com/?x=1", "without ? or #"],
  ])("refuses %s before any lookup", async (url, words) => {
    const dns = fakeDns({ "crm.contoso.com": [PUBLIC] });
    const result = await guardPublicAddress(url, { allowedPrivateHosts: none, resolveHost: dns });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.code).toBe("environment_not_allowed");
    expect(!result.ok && result.error.userMessage).toContain(words);
    expect(dns.asked).toEqual([]);
  });

  it.each([
    ["loopback", "127.0.0.1", "loopback"],
    ["10/8", "10.20.30.40", "private"],
    ["172.16/12", "172.20.1.1", "private"],
    ["192.168/16", "192.168.0.10", "private"],
    ["169.254/16 (cloud metadata)", "169.254.169.254", "linkLocal"],
    ["CGNAT", "100.100.1.1", "carrierGradeNat"],
    ["IPv6 loopback", "::1", "loopback"],
    ["IPv6 ULA", "fd00::5", "uniqueLocal"],
    ["IPv6 link-local", "fe80::1", "linkLocal"],
    ["IPv4-mapped IPv6 loopback", "::ffff:127.0.0.1", "loopback"],
    ["IPv4-mapped IPv6 private", "::ffff:10.0.0.1", "private"],
    ["unspecified", "0.0.0.0", "unspecified"],
  ])("refuses a DNS name resolving to %s (%s)", async (_label, address, range) => {
    const dns = fakeDns({ "crm.contoso.com": [address] });
    const result = await guardPublicAddress("https://crm.contoso.com/contoso", { allowedPrivateHosts: none, resolveHost: dns });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe("environment_not_allowed");
    expect(result.error.userMessage).toMatch(/crm\.contoso\.com leads to .*not to a server on the internet/);
    expect(result.error.detail).toContain(`(${range})`);
  });

  it("refuses a name whose answers mix a public and a private address", async () => {
    const dns = fakeDns({ "crm.contoso.com": [PUBLIC, "10.0.0.8"] });
    const result = await guardPublicAddress("https://crm.contoso.com", { allowedPrivateHosts: none, resolveHost: dns });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.detail).toContain("10.0.0.8");
  });

  it.each([
    ["https://127.0.0.1/org", "loopback"],
    ["https://2130706433/org", "loopback"],
    ["https://0177.0.0.1/org", "loopback"],
    ["https://0x7f.1/org", "loopback"],
    ["https://10.0.0.1/org", "private"],
    ["https://167772161/org", "private"],
    ["https://[::1]/org", "loopback"],
    ["https://[fd00::1]/org", "uniqueLocal"],
    ["https://[fe80::1]/org", "linkLocal"],
    ["https://[::ffff:127.0.0.1]/org", "loopback"],
    ["https://[::ffff:192.168.1.1]/org", "private"],
    ["https://169.254.169.254/latest/meta-data", "linkLocal"],
  ])("refuses the address literal %s without a lookup", async (url, range) => {
    const dns = fakeDns({});
    const result = await guardPublicAddress(url, { allowedPrivateHosts: none, resolveHost: dns });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.detail).toContain(`(${range})`);
    expect(dns.asked).toEqual([]);
  });

  it("accepts a public address literal and pins it", async () => {
    const result = await guardPublicAddress("https://20.42.73.1:8443/org", { allowedPrivateHosts: none, resolveHost: fakeDns({}) });
    expect(result).toMatchObject({ ok: true, value: { address: PUBLIC, port: 8443, family: 4 } });
  });

  it("lets a configured host (the sandbox) resolve to a private address, by host and port", async () => {
    const dns = fakeDns({ localhost: ["127.0.0.1"] });
    const allowed = await guardPublicAddress("https://localhost:4443/dynamics/contoso-onprem", {
      allowedPrivateHosts: ["localhost:4443"],
      resolveHost: dns,
    });
    expect(allowed).toMatchObject({ ok: true, value: { address: "127.0.0.1", port: 4443, url: "https://localhost:4443/dynamics/contoso-onprem" } });
    const otherPort = await guardPublicAddress("https://localhost:4444/dynamics/contoso-onprem", {
      allowedPrivateHosts: ["localhost:4443"],
      resolveHost: dns,
    });
    expect(otherPort.ok).toBe(false);
    const otherName = await guardPublicAddress("https://127.0.0.1:4443/dynamics/contoso-onprem", {
      allowedPrivateHosts: ["localhost:4443"],
      resolveHost: dns,
    });
    expect(otherName.ok).toBe(false);
    const anyPort = await guardPublicAddress("https://localhost:9999/x", { allowedPrivateHosts: ["localhost"], resolveHost: dns });
    expect(anyPort.ok).toBe(true);
  });

  it("explains a name that does not resolve", async () => {
    const result = await guardPublicAddress("https://crm.nowhere.example/org", { allowedPrivateHosts: none, resolveHost: fakeDns({}) });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe("not_found");
    expect(result.error.userMessage).toContain("No server named crm.nowhere.example can be found");
    expect(result.error.detail).toContain("ENOTFOUND");
  });

  it("treats a trailing dot as the same host", async () => {
    const dns = fakeDns({ "crm.contoso.com": ["10.0.0.1"] });
    const result = await guardPublicAddress("https://crm.contoso.com./org", { allowedPrivateHosts: none, resolveHost: dns });
    expect(result.ok).toBe(false);
    expect(dns.asked).toEqual(["crm.contoso.com"]);
  });
});
