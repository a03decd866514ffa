import ipaddr from "ipaddr.js";

/**
 * Where HTTP probes may go. Entries are host names (`app.example.com`, `*.example.com`), CIDRs or addresses
 * (`10.0.0.0/8`, `::1`), or URL prefixes (`https://app.example.com/shop/`). A host name is allowed only by a name
 * entry or a URL prefix on that name — an address entry never lets a name through, so a name nothing could allow is
 * refused before it is looked up. A URL prefix allows its scheme, host, port and path (on segment boundaries) only.
 * Link-local and cloud metadata addresses are refused even for an allowed name, in every IPv6 form that embeds them,
 * unless an address entry inside those ranges names them.
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

type Ip = ipaddr.IPv4 | ipaddr.IPv6;
type Cidr = [Ip, number];

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

/**
 * The IPv4 address an IPv6 address carries, for the forms that reach it: IPv4-mapped (::ffff:a.b.c.d), NAT64
 * (64:ff9b::/96 and the local-use 64:ff9b:1::/48), 6to4 (2002:aabb:ccdd::/48) and IPv4-compatible (::a.b.c.d).
 */
function embeddedIpv4(ip: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const p = ip.parts;
  const v4 = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  if (ip.isIPv4MappedAddress()) return ip.toIPv4Address();
  if (p[0] === 0x64 && p[1] === 0xff9b && (p[2] === 0 || p[2] === 1)) return v4(p[6]!, p[7]!);
  if (p[0] === 0x2002) return v4(p[1]!, p[2]!);
  // IPv4-compatible, but not :: or ::1 (whose "IPv4 part" starts with 0).
  if (p.slice(0, 6).every((x) => x === 0) && p[6]! >> 8 !== 0) return v4(p[6]!, p[7]!);
  return undefined;
}

/** An address as every rule sees it: an IPv6 form that embeds an IPv4 address is that IPv4 address. */
export function normaliseIp(address: string): Ip {
  const ip = ipaddr.parse(address.replace(/^\[|\]$/g, ""));
  return ip.kind() === "ipv6" ? (embeddedIpv4(ip as ipaddr.IPv6) ?? ip) : ip;
}

function inRange(ip: Ip, [net, bits]: Cidr): boolean {
  return ip.kind() === net.kind() && ip.match(net as never, bits);
}

export function isIpLiteral(host: string): boolean {
  return ipaddr.isValid(host.replace(/^\[|\]$/g, ""));
}

const HOST_NAME = /^(\*\.)?([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.?$/i;

export type PolicyEntry =
  | { kind: "host"; host: string }
  | { kind: "suffix"; suffix: string }
  | { kind: "prefix"; url: URL }
  | { kind: "cidr"; cidr: Cidr };

/** One allowlist entry, or an error saying what is wrong with it (for configuration files and `--allow`). */
export function parsePolicyEntry(raw: string): PolicyEntry {
  const entry = raw.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry)) {
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      throw new Error(`"${entry}" is not a valid URL prefix`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:")
      throw new Error(`"${entry}": URL prefixes are http:// or https://`);
    if (url.username || url.password || url.search || url.hash)
      throw new Error(`"${entry}": a URL prefix has no credentials, query or fragment`);
    return { kind: "prefix", url };
  }
  if (entry.includes("/")) {
    let cidr: Cidr;
    try {
      cidr = ipaddr.parseCIDR(entry);
    } catch {
      throw new Error(
        `"${entry}" is not a valid CIDR range (e.g. 10.0.0.0/8, fd00::/8; IPv4 prefixes are 0–32, IPv6 0–128)`,
      );
    }
    return { kind: "cidr", cidr: normaliseCidr(cidr) };
  }
  if (isIpLiteral(entry)) {
    const ip = normaliseIp(entry);
    return { kind: "cidr", cidr: [ip, ip.kind() === "ipv4" ? 32 : 128] };
  }
  if (!HOST_NAME.test(entry) || entry.slice(entry.startsWith("*.") ? 2 : 0).includes("*"))
    throw new Error(`"${entry}" is not a host name, *.domain, address, CIDR or http(s):// URL prefix`);
  const host = entry.toLowerCase().replace(/\.$/, "");
  return host.startsWith("*.") ? { kind: "suffix", suffix: host.slice(1) } : { kind: "host", host };
}

/** A CIDR written in an IPv6 form that embeds IPv4 (::ffff:10.0.0.0/104) is the IPv4 range it embeds. */
function normaliseCidr([ip, bits]: Cidr): Cidr {
  const v4 = ip.kind() === "ipv6" && bits >= 96 ? embeddedIpv4(ip as ipaddr.IPv6) : undefined;
  return v4 ? [v4, bits - 96] : [ip, bits];
}

const bare = (host: string) =>
  host
    .toLowerCase()
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "");

/** A URL's path is inside a prefix's path when it is the path itself or below it, segment by segment. */
function withinPath(path: string, prefix: string): boolean {
  const base = prefix.replace(/\/+$/, "");
  return base === "" || path === base || path.startsWith(`${base}/`);
}

function samePrefixOrigin(url: URL, prefix: URL): boolean {
  return url.protocol === prefix.protocol && bare(url.hostname) === bare(prefix.hostname) && url.port === prefix.port;
}

export function createPolicy(entries: readonly string[]): TargetPolicy {
  const parsed = entries.filter((e) => e.trim()).map(parsePolicyEntry);
  const hosts = parsed.flatMap((e) => (e.kind === "host" ? [e.host] : []));
  const suffixes = parsed.flatMap((e) => (e.kind === "suffix" ? [e.suffix] : []));
  const prefixes = parsed.flatMap((e) => (e.kind === "prefix" ? [e.url] : []));
  const cidrs = parsed.flatMap((e) => (e.kind === "cidr" ? [e.cidr] : []));
  const nameListed = (host: string) => hosts.includes(bare(host)) || suffixes.some((s) => bare(host).endsWith(s));
  const prefixHost = (host: string) => prefixes.some((p) => bare(p.hostname) === bare(host));
  const describe = () =>
    [
      ...hosts,
      ...suffixes.map((s) => `*${s}`),
      ...prefixes.map((p) => p.href),
      ...cidrs.map(([n, b]) => `${n.toString()}/${b}`),
    ].join(", ") || "nothing";

  const refuseBlocked = (hostname: string, address: string, ip: Ip) => {
    const blocked = BLOCKED.find((b) => inRange(ip, b.range));
    // Only an address entry inside the blocked range unlocks it: a name or a broad range never does.
    if (blocked && !cidrs.some((c) => inRange(ip, c) && c[1] >= blocked.range[1])) {
      const shown = bare(hostname) === bare(address) ? address : `${bare(hostname)} resolves to ${address}`;
      throw new TargetRefused(`${shown}, ${blocked.why}; refused unless that address is allowlisted`);
    }
  };

  const checkAddress = (hostname: string, address: string): void => {
    const ip = normaliseIp(address);
    refuseBlocked(hostname, address, ip);
    const ok = isIpLiteral(bare(hostname))
      ? cidrs.some((c) => inRange(ip, c))
      : nameListed(hostname) || prefixHost(hostname);
    if (!ok) throw new TargetRefused(`${bare(hostname)} (${address}) is not in the allowlist (${describe()})`);
  };

  return {
    checkUrl(url) {
      if (url.protocol !== "http:" && url.protocol !== "https:")
        throw new TargetRefused(`${url.protocol} URLs are not probed`);
      const host = bare(url.hostname);
      const byPrefix = prefixes.filter((p) => samePrefixOrigin(url, p));
      if (byPrefix.some((p) => withinPath(url.pathname, p.pathname))) {
        if (isIpLiteral(host)) refuseBlocked(host, host, normaliseIp(host));
        return;
      }
      if (isIpLiteral(host)) {
        if (byPrefix.length === 0) return checkAddress(host, host);
        refuseBlocked(host, host, normaliseIp(host));
        if (cidrs.some((c) => inRange(normaliseIp(host), c))) return;
      } else if (nameListed(host)) return;
      const where = byPrefix.length
        ? `${url.origin}${url.pathname} is outside the allowlisted prefixes`
        : prefixHost(host)
          ? `${url.origin} is not the scheme and port of an allowlisted prefix`
          : `${url.origin} is not in the allowlist`;
      throw new TargetRefused(`${where} (${describe()})`);
    },
    checkAddress,
    describe,
  };
}
