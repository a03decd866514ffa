import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { scratchDir, startServer, type Running, type StartOptions } from "../processes.js";
import type { Backend, BalancerKind, BalancerOptions } from "../stacks/types.js";

/**
 * Where the session cookie's value comes from, for `hash … consistent`. `$cookie_<name>` works only for names that
 * are nginx variable names (letters, digits, `_`): `$cookie_connect.sid` is `$cookie_connect` followed by the text
 * ".sid", the same key for everyone, so every user lands on one backend. Other names are read from the Cookie
 * header with a `map`.
 */
function stickyKey(backends: Backend[]): { map: string[]; variable: string } {
  const names = new Set(backends.map((b) => b.sessionCookie));
  const name = backends[0]?.sessionCookie;
  if (!name || names.size > 1)
    throw new Error(`nginx sticky: the backends must name one session cookie (they name ${[...names].join(", ")})`);
  if (/^\w+$/.test(name)) return { map: [], variable: `$cookie_${name}` };
  const pattern = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return {
    map: [
      "  map $http_cookie $session_cookie {",
      '    default "";',
      `    "~(^|;) *${pattern}=(?<value>[^;]*)" $value;`,
      "  }",
    ],
    variable: "$session_cookie",
  };
}

/**
 * A cloud balancer's affinity cookie: a new opaque value on every answer (a code naming the backend that answered, then
 * the request's random id), routed on its code when it comes back. Each backend gets an upstream of its own.
 */
function rotatingCookie(backends: Backend[], cookie: { name: string; routes: boolean }) {
  const code = (i: number) => `k${i + 1}x`;
  return {
    http: [
      "  map $upstream_addr $affinity_code {",
      '    default "";',
      ...backends.map((b, i) => `    "127.0.0.1:${b.port}" ${code(i)};`),
      "  }",
      ...(cookie.routes
        ? [
            `  map $cookie_${cookie.name} $affinity_pool {`,
            "    default app;",
            ...backends.map((_, i) => `    "~^${code(i)}" app${i + 1};`),
            "  }",
          ]
        : []),
      ...backends.flatMap((b, i) => [`  upstream app${i + 1} { server 127.0.0.1:${b.port}; }`]),
    ],
    pool: cookie.routes ? "$affinity_pool" : "app",
    location: [
      `      add_header Set-Cookie "${cookie.name}=$affinity_code$request_id; Path=/; Max-Age=604800" always;`,
    ],
  };
}

/**
 * Open-source nginx in front of the backends, as a private instance: its prefix, pid, error log, temp paths and a
 * cache zone `app` (for `proxy_cache app;` in `frontLines`) in a scratch folder, one worker.
 *
 * - Round robin by default; `sticky` is open-source nginx's way, `hash <session cookie> consistent` (the cookie-
 *   inserting `sticky cookie` is nginx Plus only); `lines` go into the upstream (`ip_hash;`, `least_conn;` …).
 *   Hashing on the session cookie holds only once the cookie exists: a request without it goes round robin (an
 *   empty key), and a new or regenerated id hashes to any node, so with node-local sessions about half the users
 *   lose the session created at sign-in. It suits a shared store, not sessions in node memory.
 * - `healthCheck`: open-source nginx has only passive checks. A backend that fails a request (connection error,
 *   timeout, a 5xx answer) is left out for `fail_timeout`; the health path itself is never requested.
 * - `rotatingCookie`: an affinity cookie re-issued with a new value on every answer, as AWS ALB's AWSALB is.
 * - `frontLines` go into the server block (`add_header …`, `proxy_cache app;` …).
 */
export async function startNginx(
  backends: Backend[],
  opts: Partial<BalancerOptions> & StartOptions = {},
): Promise<Running> {
  const sticky = opts.sticky ? stickyKey(backends) : undefined;
  const rotating = opts.rotatingCookie && rotatingCookie(backends, opts.rotatingCookie);
  const passive = opts.healthCheck ? " max_fails=1 fail_timeout=5s" : "";
  return startServer(
    "nginx",
    (port) => {
      const dir = scratchDir("nginx");
      // Workers drop root privileges (to nobody): they must reach their temp and cache folders inside.
      chmodSync(dir, 0o711);
      const config = [
        "worker_processes 1;",
        `pid ${dir}/nginx.pid;`,
        `error_log ${dir}/error.log;`,
        "events { worker_connections 256; }",
        "http {",
        "  access_log off;",
        ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `  ${t}_temp_path ${dir}/${t}_temp;`),
        `  proxy_cache_path ${dir}/cache keys_zone=app:1m;`,
        ...(sticky?.map ?? []),
        ...(rotating?.http ?? []),
        "  upstream app {",
        ...(sticky ? [`    hash ${sticky.variable} consistent;`] : []),
        ...(opts.lines ?? []).map((l) => `    ${l}`),
        ...backends.map((b) => `    server 127.0.0.1:${b.port}${passive};`),
        "  }",
        "  server {",
        `    listen 127.0.0.1:${port};`,
        ...(opts.frontLines ?? []).map((l) => `    ${l}`),
        "    location / {",
        `      proxy_pass http://${rotating?.pool ?? "app"};`,
        ...(rotating?.location ?? []),
        "      proxy_set_header Host $host;",
        "      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        ...(opts.forwardedProto ? [`      proxy_set_header X-Forwarded-Proto ${opts.forwardedProto};`] : []),
        ...(opts.healthCheck ? ["      proxy_next_upstream error timeout http_500 http_502 http_503 http_504;"] : []),
        "    }",
        "  }",
        "}",
        "",
      ].join("\n");
      const file = join(dir, "nginx.conf");
      writeFileSync(file, config);
      return {
        command: "nginx",
        // -e: the error log from the start, before the config names one (the default is /var/log/nginx).
        args: ["-c", file, "-p", dir, "-e", join(dir, "error.log"), "-g", "daemon off;"],
        cleanup: dir,
        logFile: join(dir, "stderr.log"),
      };
    },
    opts,
  );
}

export const nginxBalancer: BalancerKind = {
  kind: "nginx",
  title: "nginx (open source)",
  packages: ["nginx"],
  start: startNginx,
};
