import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { scratchDir, startServer, type Running, type StartOptions } from "../processes.js";
import type { Backend, BalancerKind, BalancerOptions } from "../stacks/types.js";

const MODULES = "/usr/lib/apache2/modules";

/**
 * One `BalancerMember` per backend, its route the backend's own (a Tomcat node's jvmRoute) or else its name. A
 * line of `lines` that names a backend instead of a URL (`BalancerMember n1 route=worker1`) replaces that
 * backend's member, the URL filled in: routes that differ from the nodes' jvmRoute, as teams misconfigure them.
 */
function members(backends: Backend[], lines: string[], healthCheck?: string): { members: string[]; rest: string[] } {
  const url = (b: Backend) => `"http://127.0.0.1:${b.port}"`;
  // retry=0: a member that refused one connection while its JVM was busy starting is tried again on the next
  // request, as the scenario's own design expects, instead of sitting out Apache's default 60 s.
  const check = ` retry=0${healthCheck ? ` hcmethod=GET hcuri=${healthCheck} hcinterval=1 hcfails=1 hcpasses=1` : ""}`;
  const overrides = new Map<string, string>();
  const rest: string[] = [];
  for (const line of lines) {
    const m = /^BalancerMember\s+(\S+)(.*)$/.exec(line.trim());
    const backend = m && backends.find((b) => b.name === m[1]);
    if (backend) overrides.set(backend.name, `BalancerMember ${url(backend)}${m![2]}${check}`);
    else rest.push(line);
  }
  return {
    members: backends.map(
      (b) => overrides.get(b.name) ?? `BalancerMember ${url(b)} route=${b.route ?? b.name}${check}`,
    ),
    rest,
  };
}

/**
 * A real Apache httpd with mod_proxy_balancer in front of the backends: byrequests (round robin), optionally
 * sticky on the route suffix of JSESSIONID (`stickysession=JSESSIONID|jsessionid`), health checks by
 * mod_proxy_hcheck. One process (-X; its threads serve requests in parallel), so stopping it by pid leaves no
 * worker behind.
 */
export async function startApache(
  backends: Backend[],
  opts: Partial<BalancerOptions> & StartOptions = {},
): Promise<Running> {
  return startServer(
    "apache2",
    (port) => {
      const dir = scratchDir("apache");
      const log = join(dir, "error.log");
      const { members: memberLines, rest } = members(backends, opts.lines ?? [], opts.healthCheck);
      const modules = [
        "mpm_event",
        "authz_core",
        "proxy",
        "proxy_http",
        "proxy_balancer",
        "lbmethod_byrequests",
        "slotmem_shm",
        ...(opts.healthCheck ? ["proxy_hcheck"] : []),
        // X-Forwarded-Proto, and the balancer's own route cookie (`Header add Set-Cookie "ROUTEID=…"`) in `frontLines`.
        "headers",
      ];
      const config = [
        `ServerRoot "${dir}"`,
        `DefaultRuntimeDir "${dir}"`,
        `PidFile "${join(dir, "httpd.pid")}"`,
        `Mutex file:${dir} default`,
        `ErrorLog "${log}"`,
        "LogLevel warn",
        "ServerName 127.0.0.1",
        // Started as root, Apache refuses to serve as root; Debian's package has this user.
        ...(process.getuid?.() === 0 ? ["User www-data", "Group www-data"] : []),
        `Listen 127.0.0.1:${port}`,
        ...modules.map((m) => `LoadModule ${m}_module ${MODULES}/mod_${m}.so`),
        "ProxyTimeout 10",
        "ProxyPreserveHost On",
        ...(opts.forwardedProto ? [`RequestHeader set X-Forwarded-Proto ${opts.forwardedProto}`] : []),
        ...(opts.frontLines ?? []),
        '<Proxy "balancer://app">',
        ...memberLines.map((l) => `  ${l}`),
        `  ProxySet lbmethod=byrequests${opts.sticky ? " stickysession=JSESSIONID|jsessionid" : ""}`,
        ...rest.map((l) => `  ${l}`),
        "</Proxy>",
        'ProxyPass "/" "balancer://app/"',
        'ProxyPassReverse "/" "balancer://app/"',
        "",
      ].join("\n");
      const file = join(dir, "httpd.conf");
      writeFileSync(file, config);
      return { command: "apache2", args: ["-f", file, "-X"], cleanup: dir, logFile: log };
    },
    opts,
  );
}

export const apacheBalancer: BalancerKind = {
  kind: "apache",
  title: "Apache httpd (mod_proxy_balancer)",
  packages: ["apache2"],
  start: startApache,
};
