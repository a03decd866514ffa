import { beforeAll, describe, expect, it } from "vitest";
import { catalogue } from "./helpers/definitions.js";
import { SKIPPED, checkSnippets, type Outcome } from "./helpers/snippet-checks.js";

// Every snippet of every cause, including causes added later: a fix that the real tool rejects is a broken fix.
describe("catalogue snippets pass their real tool's check", () => {
  const snippets = catalogue.causes.flatMap((c) => c.snippets.map((s) => ({ cause: c.id, ...s })));
  let outcomes: Outcome[] = [];
  beforeAll(async () => {
    outcomes = await checkSnippets(snippets);
  });

  snippets.forEach((s, i) => {
    const name = `${s.cause}: ${s.stack} "${s.title}" (${s.language})`;
    const skip = SKIPPED[s.language];
    if (skip) it.skip(`${name}: ${skip}`);
    else
      it(name, () => {
        const outcome = outcomes[i]!;
        expect(outcome.status === "failed" ? `${outcome.tool}:\n${outcome.problem}` : outcome.status).toBe("passed");
      });
  });
});

/** One broken snippet per tool, and what the tool says about it: the checks can fail, and fail for the right reason. */
const BROKEN: { language: string; code: string; says: RegExp }[] = [
  {
    language: "nginx",
    code: "upstream app {\n  hash $cookie_sid consistant;\n  server 10.0.0.1:8080;\n}",
    says: /invalid parameter "consistant"/,
  },
  { language: "nginx", code: "proxy_set_header X-Forwarded-Proto;", says: /invalid number of arguments/ },
  {
    language: "haproxy",
    code: "backend app\n  balance roundrobin\n  cookie SRV insert indirect nocache\n  server app1 10.0.0.1:8080 cookie",
    says: /cookie/,
  },
  { language: "haproxy", code: "http-request set-header X-Forwarded-Proto https if { ssl_fx }", says: /ssl_fx/ },
  {
    language: "apache",
    code: '<Proxy "balancer://app">\n  BalancerMember "http://10.0.0.1:8080" route=app1\n  ProxySet stickysesion=JSESSIONID\n</Proxy>',
    says: /unknown Balancer parameter stickysesion/,
  },
  { language: "apache", code: "RequestHeaders set X-Forwarded-Proto https", says: /Invalid command 'RequestHeaders'/ },
  { language: "redis", code: "maxmemory-policy volatile-lfu-ish", says: /FATAL CONFIG FILE ERROR/ },
  { language: "redis", code: "min-replicas-max-lag ten", says: /FATAL CONFIG FILE ERROR/ },
  { language: "ini", code: "session.save_hander = redis", says: /unknown directive session.save_hander/ },
  {
    language: "ini",
    code: "session.save_path = tcp://10.0.0.5:6379?prefix=app:&timeout=2",
    says: /syntax error, unexpected '='/,
  },
  { language: "ini", code: "session.save_handler = memcache", says: /Session save handler "memcache" cannot be found/ },
  { language: "ini", code: "session.serialize_handler = json", says: /Serialization handler "json" cannot be found/ },
  { language: "ini", code: "session.gc_maxlifetime = soon", says: /Invalid quantity "soon"/ },
  { language: "php", code: "session_regenerate_id(true)\n$_SESSION['user_id'] = 1;", says: /syntax error/ },
  {
    language: "python",
    code: 'SESSION_COOKIE_SAMESITE = "None"\nSECRET_KEY = os.environ["KEY"',
    says: /SyntaxError|never closed/,
  },
  {
    language: "ruby",
    code: 'Rails.application.config.session_store :cookie_store, key: "_app_session",',
    says: /syntax error/,
  },
  {
    language: "javascript",
    code: 'import session from "express-session";\napp.use(session({ secret: 1, }}));',
    says: /SyntaxError/,
  },
  { language: "java", code: "http.sessionManagement(s -> s.sessionFixation(f -> f.changeSessionId())", says: /error/ },
  {
    language: "xml",
    code: '<Engine name="Catalina" jvmRoute="app1">',
    says: /no element found|unclosed token|mismatched tag/,
  },
  { language: "yaml", code: "session:\n  ttl: 1800\n ttl: 60", says: /./ },
  { language: "shell", code: "redis-cli --memkeys --pattern 'sess:*", says: /unexpected EOF|unexpected end of file/ },
  { language: "cobol", code: "DISPLAY 'HELLO'.", says: /no check for language "cobol"/ },
];

describe("the snippet checks reject a broken snippet", () => {
  let outcomes: Outcome[] = [];
  beforeAll(async () => {
    outcomes = await checkSnippets(BROKEN);
  });

  BROKEN.forEach((b, i) =>
    it(`${b.language}: ${b.code.split("\n").at(-1)}`, () => {
      const outcome = outcomes[i]!;
      expect(outcome.status).toBe("failed");
      if (outcome.status === "failed") expect(outcome.problem).toMatch(b.says);
    }),
  );
});

/** Good snippets that only fit an inner context: the wrapping finds it, so a good fix never fails for where it sits. */
const GOOD: { language: string; code: string }[] = [
  { language: "nginx", code: "server 10.0.0.1:8080 max_fails=3 fail_timeout=10s;" },
  { language: "nginx", code: "proxy_pass http://10.0.0.1:8080;\nproxy_set_header Host $host;" },
  { language: "haproxy", code: "balance roundrobin\nserver app1 10.0.0.1:8080 check" },
  { language: "haproxy", code: "bind 127.0.0.1:8443\ndefault_backend app\nbackend app\n  server app1 10.0.0.1:8080" },
  {
    language: "apache",
    code: 'BalancerMember "http://10.0.0.1:8080" route=app1\nProxySet stickysession=JSESSIONID|jsessionid',
  },
  {
    language: "java",
    code: "@Bean\npublic CookieSerializer cookieSerializer() {\n    return new DefaultCookieSerializer();\n}",
  },
  { language: "java", code: 'session.setAttribute("cartId", cart.getId());' },
  { language: "xml", code: '<Valve className="org.apache.catalina.ha.tcp.ReplicationValve"/>\n<Manager pathname=""/>' },
  { language: "ini", code: "session.cookie_secure = On\nsession.use_strict_mode = 1" },
];

describe("the snippet checks accept a good snippet wherever it belongs", () => {
  let outcomes: Outcome[] = [];
  beforeAll(async () => {
    outcomes = await checkSnippets(GOOD);
  });

  GOOD.forEach((g, i) =>
    it(`${g.language}: ${g.code.split("\n")[0]}`, () => {
      const outcome = outcomes[i]!;
      expect(outcome.status === "failed" ? outcome.problem : outcome.status).toBe("passed");
    }),
  );
});
