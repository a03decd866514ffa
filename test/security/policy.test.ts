import { describe, expect, it } from "vitest";
import { DEFAULT_HTTP_LIMITS, HttpClient } from "../../src/probes/http/client.js";
import { createPolicy } from "../../src/probes/http/policy.js";

const allows = (entries: string[], url: string) => {
  try {
    createPolicy(entries).checkUrl(new URL(url));
    return true;
  } catch {
    return false;
  }
};

describe("addresses are normalised before they are checked", () => {
  const wide = createPolicy(["app.example.com", "0.0.0.0/0", "::/0"]);
  const metadata = [
    "169.254.169.254",
    "::ffff:169.254.169.254", // IPv4-mapped
    "::ffff:a9fe:a9fe",
    "64:ff9b::169.254.169.254", // NAT64, well-known prefix
    "64:ff9b::a9fe:a9fe",
    "64:ff9b:1::a9fe:a9fe", // NAT64, local-use prefix
    "2002:a9fe:a9fe::1", // 6to4
    "::169.254.169.254", // IPv4-compatible
    "::a9fe:a9fe",
  ];
  it.each(metadata)("%s is the metadata address, for a name and as a literal", (address) => {
    expect(() => wide.checkAddress("app.example.com", address)).toThrow(/link-local/);
    expect(allows(["0.0.0.0/0", "::/0"], `http://[${address}]/`.replace("[169.254.169.254]", "169.254.169.254"))).toBe(
      false,
    );
  });

  it("keeps the addresses that only look alike: loopback and unspecified IPv6, ordinary IPv6", () => {
    expect(allows(["::1"], "http://[::1]:8080/")).toBe(true);
    expect(allows(["::/0"], "http://[2001:db8::a9fe:a9fe]/")).toBe(true);
    expect(allows(["0.0.0.0/0", "::/0"], "http://[::]/")).toBe(false);
    // An allowlisted IPv4 range covers its IPv6 forms (a NAT64 gateway reaches the same host).
    expect(allows(["10.0.0.0/8"], "http://[64:ff9b::10.1.2.3]/")).toBe(true);
    expect(allows(["10.0.0.0/8"], "http://[2002:0a01:0203::1]/")).toBe(true);
  });
});

describe("host names", () => {
  it("are refused without a lookup when only address entries could allow them", async () => {
    const client = new HttpClient(createPolicy(["10.0.0.0/8", "192.168.1.1"]), DEFAULT_HTTP_LIMITS);
    // A lookup of a .invalid name fails; being refused before it, the message is the allowlist's.
    await expect(client.fetch("http://attacker.invalid/")).rejects.toThrow(
      /^http:\/\/attacker\.invalid is not in the allowlist \(10\.0\.0\.0\/8, 192\.168\.1\.1\/32\)$/,
    );
    await client.close();
  });

  it("are allowed by a name entry, a wildcard or a URL prefix on the name", () => {
    expect(allows(["app.example.com"], "https://app.example.com:8443/x")).toBe(true);
    expect(allows(["*.example.com"], "http://a.b.example.com/")).toBe(true);
    expect(allows(["*.example.com"], "http://example.com.evil.test/")).toBe(false);
    expect(allows(["https://shop.example.com/"], "https://shop.example.com/cart")).toBe(true);
  });
});

describe("URL prefixes", () => {
  it("match on path segment boundaries", () => {
    for (const prefix of ["http://h.example/app", "http://h.example/app/"]) {
      expect(allows([prefix], "http://h.example/app/login"), prefix).toBe(true);
      expect(allows([prefix], "http://h.example/app"), prefix).toBe(true);
      expect(allows([prefix], "http://h.example/app-admin/"), prefix).toBe(false);
      expect(allows([prefix], "http://h.example/application"), prefix).toBe(false);
    }
  });

  it("allow their scheme and port only, on a name or an address", () => {
    for (const host of ["h.example", "10.0.0.5"]) {
      const entry = [`http://${host}:8080/app/`];
      expect(allows(entry, `http://${host}:8080/app/x`), host).toBe(true);
      expect(allows(entry, `https://${host}:8080/app/x`), host).toBe(false);
      expect(allows(entry, `http://${host}:9090/app/x`), host).toBe(false);
      expect(allows(entry, `http://${host}/app/x`), host).toBe(false);
    }
    expect(() => createPolicy(["http://h.example:8080/"]).checkUrl(new URL("http://h.example/"))).toThrow(
      /^http:\/\/h\.example is not the scheme and port of an allowlisted prefix/,
    );
  });
});
