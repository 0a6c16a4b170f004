import { describe, expect, it } from "vitest";
import { classifyAddress } from "./public-address";

describe("classifyAddress", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["10.0.0.1", "private"],
    ["10.255.255.255", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.254", "private"],
    ["192.168.1.10", "private"],
    ["169.254.169.254", "linkLocal"],
    ["100.64.0.1", "carrierGradeNat"],
    ["0.0.0.0", "unspecified"],
    ["224.0.0.1", "multicast"],
    ["255.255.255.255", "broadcast"],
    ["192.0.2.10", "reserved"],
    ["198.51.100.7", "reserved"],
    ["203.0.113.9", "reserved"],
    ["::1", "loopback"],
    ["[::1]", "loopback"],
    ["::", "unspecified"],
    ["fd12:3456:789a::1", "uniqueLocal"],
    ["fc00::1", "uniqueLocal"],
    ["fe80::1", "linkLocal"],
    ["fe80::1%eth0", "linkLocal"],
    ["ff02::1", "multicast"],
    ["2001:db8::1", "reserved"],
    ["64:ff9b::a00:1", "rfc6052"],
    ["2002:7f00:1::1", "6to4"],
  ])("refuses %s as %s", (address, range) => {
    const verdict = classifyAddress(address);
    expect(verdict).toMatchObject({ public: false, range });
    expect(verdict && !verdict.public && verdict.reason).toBeTruthy();
  });

  it.each([
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["[::ffff:10.1.2.3]", "private"],
    ["::ffff:169.254.169.254", "linkLocal"],
    ["::ffff:192.168.0.1", "private"],
  ])("judges the IPv4 address inside the IPv4-mapped IPv6 address %s (%s)", (address, range) => {
    expect(classifyAddress(address)).toMatchObject({ public: false, family: 6, range });
  });

  it.each([
    ["2130706433", "127.0.0.1"],
    ["0177.0.0.1", "127.0.0.1"],
    ["0x7f.0.0.1", "127.0.0.1"],
    ["127.1", "127.0.0.1"],
    ["017700000001", "127.0.0.1"],
    ["167772161", "10.0.0.1"],
    ["012.0.0.1", "10.0.0.1"],
    ["0xa9fea9fe", "169.254.169.254"],
  ])("reads the decimal, octal and hex form %s as %s and refuses it", (form, dotted) => {
    expect(classifyAddress(form)).toMatchObject({ public: false, address: dotted });
  });

  it.each([
    ["20.42.73.1", 4],
    ["8.8.8.8", 4],
    ["172.32.0.1", 4],
    ["192.169.0.1", 4],
    ["100.128.0.1", 4],
    ["2603:1030:20e:3::23c", 6],
    ["::ffff:20.42.73.1", 6],
  ])("accepts the public address %s", (address, family) => {
    expect(classifyAddress(address)).toMatchObject({ public: true, family });
  });

  it("returns null for host names", () => {
    expect(classifyAddress("crm.contoso.com")).toBeNull();
    expect(classifyAddress("localhost")).toBeNull();
    expect(classifyAddress("999.1.1.1")).toBeNull();
  });
});
