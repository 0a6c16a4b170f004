/**
 * Which IP addresses the portal may send an on-premises customer's credentials to: public unicast only. A customer's
 * on-premises Dynamics host cannot be known in advance, so instead of an allow-list of names the portal refuses every
 * address that would let a URL typed into a form reach the portal's own network (loopback, RFC 1918, link-local and
 * cloud metadata, CGNAT, multicast, documentation and other special-purpose ranges).
 * Pure: the same rules run in unit tests with literal addresses.
 */
import ipaddr from "ipaddr.js";

export type AddressVerdict =
  { public: true; address: string; family: 4 | 6 } | { public: false; address: string; family: 4 | 6; range: string; reason: string };

/** Plain words for each special-purpose range, as an admin would understand them. */
const RANGE_WORDS: Record<string, string> = {
  unspecified: "an unspecified address (0.0.0.0 or ::)",
  broadcast: "the broadcast address",
  multicast: "a multicast address",
  linkLocal: "a link-local address (169.254.x.x or fe80::, which includes cloud metadata services)",
  loopback: "a loopback address (this server itself)",
  carrierGradeNat: "a carrier-grade NAT address (100.64.0.0/10)",
  private: "a private network address (10.x, 172.16–31.x or 192.168.x)",
  reserved: "a reserved or documentation-only address",
  as112: "a reserved address (AS112)",
  amt: "a reserved address (AMT)",
  uniqueLocal: "a private IPv6 address (fc00::/7)",
  deprecatedSiteLocal: "a private IPv6 address (site-local fec0::/10)",
  discard: "a discard-only IPv6 address",
  rfc6145: "an IPv4-translated IPv6 address",
  rfc6052: "a NAT64 address (64:ff9b::/96)",
  "6to4": "a 6to4 tunnel address (2002::/16)",
  teredo: "a Teredo tunnel address (2001::/32)",
  benchmarking: "a benchmarking-only address",
  as112v6: "a reserved address (AS112)",
  deprecatedOrchid: "a reserved address (ORCHID)",
  orchid2: "a reserved address (ORCHIDv2)",
  droneRemoteIdProtocolEntityTags: "a reserved address (DRIP)",
  reservedV6: "a reserved or documentation-only IPv6 address",
  notGlobalUnicast: "an IPv6 address outside the global unicast range (2000::/3)",
};

const IPV6_DOCUMENTATION = ipaddr.parseCIDR("2001:db8::/32");
const IPV6_GLOBAL_UNICAST = ipaddr.parseCIDR("2000::/3");
/** IETF protocol assignments (192.0.0.0/24) is in ipaddr's `reserved`; 0.0.0.0/8 in `unspecified`. */

function verdict(addr: ipaddr.IPv4 | ipaddr.IPv6, shown: string): AddressVerdict {
  if (addr.kind() === "ipv6") {
    const v6 = addr as ipaddr.IPv6;
    // An IPv4-mapped address (::ffff:127.0.0.1) reaches the IPv4 address it carries: judge that one.
    if (v6.isIPv4MappedAddress()) {
      const inner = verdict(v6.toIPv4Address(), shown);
      return { ...inner, address: shown, family: 6 };
    }
    const range = v6.range();
    if (range !== "unicast")
      return { public: false, address: shown, family: 6, range, reason: RANGE_WORDS[range] ?? `a special-purpose address (${range})` };
    if (v6.match(IPV6_DOCUMENTATION)) return { public: false, address: shown, family: 6, range: "reservedV6", reason: RANGE_WORDS.reservedV6 };
    if (!v6.match(IPV6_GLOBAL_UNICAST))
      return { public: false, address: shown, family: 6, range: "notGlobalUnicast", reason: RANGE_WORDS.notGlobalUnicast };
    return { public: true, address: shown, family: 6 };
  }
  const range = (addr as ipaddr.IPv4).range();
  if (range !== "unicast")
    return { public: false, address: shown, family: 4, range, reason: RANGE_WORDS[range] ?? `a special-purpose address (${range})` };
  return { public: true, address: shown, family: 4 };
}

/**
 * Parses an IP address in any form a URL or a resolver may present it (dotted, decimal `2130706433`, octal
 * `0177.0.0.1`, hex `0x7f.1`, bracketed or zoned IPv6) and says whether it is public. Null when `text` is no address.
 */
export function classifyAddress(text: string): AddressVerdict | null {
  let raw = text.trim();
  if (raw.startsWith("[") && raw.endsWith("]")) raw = raw.slice(1, -1);
  const zoneless = raw.split("%")[0];
  if (ipaddr.IPv6.isValid(zoneless) && zoneless.includes(":")) return verdict(ipaddr.IPv6.parse(zoneless), ipaddr.IPv6.parse(zoneless).toString());
  // ipaddr's IPv4 parser accepts the inet_aton forms (one to four parts, decimal, octal with 0, hex with 0x) that
  // resolvers and URL parsers also accept, so "2130706433" and "0177.0.0.1" are both 127.0.0.1 here as they are there.
  if (ipaddr.IPv4.isValid(zoneless)) {
    const v4 = ipaddr.IPv4.parse(zoneless);
    return verdict(v4, v4.toString());
  }
  return null;
}
