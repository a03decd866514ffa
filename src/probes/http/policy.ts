import ipaddr from "ipaddr.js";

/**
 * Where HTTP probes may go. Entries are host names (`app.example.com`, `*.example.com`), CIDRs or addresses
 * (`10.0.0.0/8`, `::1`), or URL prefixes (`https://app.example.com/shop/`). Link-local and cloud metadata
 * addresses are refused even for an allowed name, unless an address entry inside those ranges names them.
 */
export type TargetPolicy = {
  /** Throws TargetRefused when the URL's host (and, for an IP literal, its address) is not allowed. */
  checkUrl(url: URL): void;
  /** Throws TargetRefused when a resolved address may not be reached for this host name. */
  checkAddress(hostname: string, address: string): void;
  describe(): string;
};

export class TargetRefused extends Error {
  override name = "TargetRefused";
}

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Never reached by accident: link-local (cloud metadata lives there), metadata services, unspecified, multicast. */
const BLOCKED: Array<{ range: Cidr; why: string }> = [
  ["169.254.0.0/16", "a link-local address (cloud metadata at 169.254.169.254)"],
  ["fe80::/10", "a link-local address"],
  ["fd00:ec2::254/128", "the AWS metadata address"],
  ["100.100.100.200/32", "the Alibaba Cloud metadata address"],
  ["0.0.0.0/8", "an unspecified address"],
  ["::/128", "an unspecified address"],
  ["224.0.0.0/4", "a multicast address"],
  ["ff00::/8", "a multicast address"],
].map(([cidr, why]) => ({ range: ipaddr.parseCIDR(cidr!), why: why! }));

function parseIp(address: string): ipaddr.IPv4 | ipaddr.IPv6 {
  const ip = ipaddr.parse(address.replace(/^\[|\]$/g, ""));
  // An IPv4-mapped IPv6 address is its IPv4 address for every rule here.
  return ip.kind() === "ipv6" && (ip as ipaddr.IPv6).isIPv4MappedAddress() ? (ip as ipaddr.IPv6).toIPv4Address() : ip;
}

function inRange(ip: ipaddr.IPv4 | ipaddr.IPv6, [net, bits]: Cidr): boolean {
  return ip.kind() === net.kind() && ip.match(net as never, bits);
}

export function isIpLiteral(host: string): boolean {
  return ipaddr.isValid(host.replace(/^\[|\]$/g, ""));
}

export function createPolicy(entries: readonly string[]): TargetPolicy {
  const hosts: string[] = [];
  const suffixes: string[] = [];
  const prefixes: URL[] = [];
  const cidrs: Cidr[] = [];
  for (const raw of entries) {
    const entry = raw.trim();
    if (!entry) continue;
    if (/^https?:\/\//i.test(entry)) prefixes.push(new URL(entry));
    else if (entry.includes("/")) cidrs.push(ipaddr.parseCIDR(entry));
    else if (isIpLiteral(entry)) {
      const ip = parseIp(entry);
      cidrs.push([ip, ip.kind() === "ipv4" ? 32 : 128]);
    } else if (entry.startsWith("*.")) suffixes.push(entry.slice(1).toLowerCase());
    else hosts.push(entry.toLowerCase());
  }
  const bare = (host: string) => host.toLowerCase().replace(/^\[|\]$/g, "");
  const nameListed = (host: string) => hosts.includes(bare(host)) || suffixes.some((s) => bare(host).endsWith(s));
  const describe = () =>
    [
      ...hosts,
      ...suffixes.map((s) => `*${s}`),
      ...prefixes.map((p) => p.href),
      ...cidrs.map(([n, b]) => `${n.toString()}/${b}`),
    ].join(", ") || "nothing";

  const checkAddress = (hostname: string, address: string): void => {
    const ip = parseIp(address);
    const blocked = BLOCKED.find((b) => inRange(ip, b.range));
    // Only an address entry inside the blocked range unlocks it: a name or a broad range never does.
    if (blocked && !cidrs.some((c) => inRange(ip, c) && c[1] >= blocked.range[1])) {
      throw new TargetRefused(
        `${bare(hostname)} resolves to ${address}, ${blocked.why}; refused unless that address is allowlisted`,
      );
    }
    const ok =
      nameListed(hostname) ||
      prefixes.some((p) => bare(p.hostname) === bare(hostname)) ||
      cidrs.some((c) => inRange(ip, c));
    if (!ok) throw new TargetRefused(`${bare(hostname)} (${address}) is not in the allowlist (${describe()})`);
  };

  return {
    checkUrl(url) {
      if (url.protocol !== "http:" && url.protocol !== "https:")
        throw new TargetRefused(`${url.protocol} URLs are not probed`);
      const samePrefixOrigin = prefixes.filter((p) => p.origin === url.origin);
      if (
        !nameListed(url.hostname) &&
        samePrefixOrigin.length &&
        !samePrefixOrigin.some((p) => url.pathname.startsWith(p.pathname))
      ) {
        throw new TargetRefused(`${url.origin}${url.pathname} is outside the allowlisted prefixes (${describe()})`);
      }
      if (isIpLiteral(bare(url.hostname))) return checkAddress(url.hostname, bare(url.hostname));
      // A name is settled when its address is known (checkAddress, at connect time) unless nothing could allow it.
      if (!nameListed(url.hostname) && samePrefixOrigin.length === 0 && cidrs.length === 0) {
        throw new TargetRefused(`${url.origin} is not in the allowlist (${describe()})`);
      }
    },
    checkAddress,
    describe,
  };
}
