import { execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pLimit from "p-limit";
import { parseDocument } from "yaml";
import type { Snippet } from "../../src/catalogue/schema.js";

/**
 * Checks a catalogue snippet with the real tool for its language, on a scratch file in a private folder: a server's
 * config is wrapped in the least context its directives need and validated by the server itself, code is compiled
 * or syntax-checked by its own compiler or interpreter. Nothing listens on a TCP port and nothing is contacted.
 */
export type Outcome =
  | { status: "passed"; tool: string }
  | { status: "failed"; tool: string; problem: string }
  | { status: "skipped"; reason: string };

type Verdict = { ok: true } | { ok: false; problem: string };
type Job = { code: string; dir: string };
/** `runMany` checks several snippets in one run of a tool that is slow to start (a JVM). */
type Checker =
  | { tool: string; run(code: string, dir: string): Promise<Verdict> }
  | { tool: string; runMany(jobs: Job[]): Promise<Verdict[]> };

/** Languages no tool on this machine checks, and why: listed as skipped, never passed. */
export const SKIPPED: Record<string, string> = {
  csharp:
    "no C# compiler here: the .NET SDK is not a Debian package, and mono's mcs stops at C# 7, older than the syntax ASP.NET Core code uses",
  properties:
    "Spring Boot reads .properties with its own loader and checks names against its configuration metadata, neither of which is on this machine",
};

const run = (command: string, args: string[], opts: { cwd?: string } = {}) =>
  new Promise<{ code: number; output: string }>((resolve) => {
    execFile(command, args, { ...opts, timeout: 20_000, encoding: "utf8" }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      const spawnFailed = err && typeof err.code === "string" ? `${command}: ${err.message}\n` : "";
      resolve({ code, output: `${spawnFailed}${stdout}${stderr}`.trim() });
    });
  });

/** A tool passes a file when it exits 0 and prints nothing but its own all-clear (`allowed`): warnings fail. */
async function exitsCleanly(
  command: string,
  args: string[],
  opts: { cwd?: string; allowed?: RegExp } = {},
): Promise<Verdict> {
  const { code, output } = await run(command, args, opts);
  const noise = output.split("\n").filter((l) => l.trim() && !(opts.allowed?.test(l) ?? false));
  if (code === 0 && noise.length === 0) return { ok: true };
  return { ok: false, problem: output || `${command} exited with ${code}` };
}

/** The line of the snippet a tool blames (its line in the file less the wrapper's), or Infinity when it names none. */
function blamedLine(problem: string, offset: number): number {
  const m = /(?:line |:)(\d+)\b/.exec(problem);
  return m ? Number(m[1]) - offset : Infinity;
}

/** How many lines a wrapper puts before the snippet. */
const offsetOf = (wrapped: string, code: string) => wrapped.slice(0, wrapped.indexOf(code)).split("\n").length - 1;

/** Where a snippet may sit in a config file; `fits` leaves out places it cannot be (default: anywhere). */
type Context = { name: string; wrap(code: string, dir: string): string; fits?(code: string): boolean };

/** Errors that only say a directive belongs elsewhere: another context's error says more. */
const MISPLACED = /not allowed here|out of section|cannot occur within|not allowed in/i;

/**
 * Tries the snippet in each context, outermost first: the first that validates wins. When none does, the
 * failure shown is the one from the context whose error lies deepest in the file (it got furthest).
 */
async function inSomeContext(
  contexts: Context[],
  code: string,
  dir: string,
  validate: (file: string) => Promise<Verdict>,
): Promise<Verdict> {
  const failures: { name: string; problem: string; line: number }[] = [];
  for (const [i, ctx] of contexts.entries()) {
    if (ctx.fits && !ctx.fits(code)) continue;
    const file = join(dir, `context-${i}.conf`);
    const wrapped = ctx.wrap(code, dir);
    writeFileSync(file, wrapped);
    const v = await validate(file);
    if (v.ok) return v;
    // Deepest first; on the same line, an error about the directive beats one about where it stands.
    const line = blamedLine(v.problem, offsetOf(wrapped, code)) - (MISPLACED.test(v.problem) ? 0.5 : 0);
    failures.push({ name: ctx.name, problem: v.problem, line });
  }
  const deepest = failures.reduce((a, b) => (b.line > a.line ? b : a));
  return { ok: false, problem: `${deepest.problem}\n(checked in ${deepest.name} context; other contexts failed too)` };
}

const NGINX_EVENTS = /^\s*events\s*\{/m;
const nginxContexts: Context[] = [
  { name: "main", wrap: (c) => (NGINX_EVENTS.test(c) ? `${c}\n` : `events {}\n${c}\n`) },
  { name: "http", wrap: (c) => `events {}\nhttp {\n${c}\n}\n` },
  { name: "server", wrap: (c) => `events {}\nhttp {\nserver {\n${c}\n}\n}\n` },
  { name: "location", wrap: (c) => `events {}\nhttp {\nserver {\nlocation / {\n${c}\n}\n}\n}\n` },
  { name: "upstream", wrap: (c) => `events {}\nhttp {\nupstream snippet {\n${c}\n}\n}\n` },
];

const nginx: Checker = {
  tool: "nginx -t",
  run: (code, dir) =>
    inSomeContext(nginxContexts, code, dir, (file) =>
      exitsCleanly("nginx", [
        "-t",
        "-q",
        "-p",
        dir,
        "-e",
        join(dir, "error.log"),
        "-c",
        file,
        "-g",
        `pid ${dir}/nginx.pid;`,
      ]),
    ),
};

// Timeouts and mode in defaults: without them HAProxy warns about every proxy, and warnings fail the check. A
// listener: without one `haproxy -c` exits 2 ("will not start"). Nothing binds while checking.
const HAPROXY_PRELUDE = [
  "defaults\n  mode http\n  timeout connect 5s\n  timeout client 30s\n  timeout server 30s\n",
  "frontend listener\n  bind 127.0.0.1:8080\n",
].join("");
const HAPROXY_SECTION = /^(global|defaults|frontend|backend|listen|peers|resolvers|userlist|cache|ring)\b/m;
const haproxyContexts: Context[] = [
  { name: "top level", wrap: (c) => `${HAPROXY_PRELUDE}${c}\n`, fits: (c) => HAPROXY_SECTION.test(c) },
  { name: "backend", wrap: (c) => `${HAPROXY_PRELUDE}backend snippet\n${c}\n` },
  { name: "frontend", wrap: (c) => `${HAPROXY_PRELUDE}frontend snippet\n  bind 127.0.0.1:8081\n${c}\n` },
];

const haproxy: Checker = {
  tool: "haproxy -c",
  run: (code, dir) =>
    inSomeContext(haproxyContexts, code, dir, (file) =>
      exitsCleanly("haproxy", ["-c", "-f", file], { allowed: /^Configuration file is valid$/ }),
    ),
};

const APACHE_MODULES = "/usr/lib/apache2/modules";
/** What session-affinity configs use: mod_proxy and its balancer, health checks, headers, rewriting. */
const APACHE_LOADED = [
  "mpm_event",
  "authz_core",
  "proxy",
  "proxy_http",
  "proxy_ajp",
  "proxy_balancer",
  "lbmethod_byrequests",
  "lbmethod_bybusyness",
  "slotmem_shm",
  "proxy_hcheck",
  "headers",
  "setenvif",
  "rewrite",
  "remoteip",
  "cache",
  "cache_disk",
  "proxy_wstunnel",
];
const apacheBase = (dir: string) =>
  [
    `ServerRoot "${dir}"`,
    `DefaultRuntimeDir "${dir}"`,
    `PidFile "${dir}/httpd.pid"`,
    `Mutex file:${dir} default`,
    `ErrorLog "${dir}/error.log"`,
    `DocumentRoot "${dir}"`,
    "ServerName 127.0.0.1",
    ...APACHE_LOADED.map((m) => `LoadModule ${m}_module ${APACHE_MODULES}/mod_${m}.so`),
    "",
  ].join("\n");
const apacheContexts: Context[] = [
  { name: "server", wrap: (c, dir) => `${apacheBase(dir)}${c}\n` },
  { name: "balancer", wrap: (c, dir) => `${apacheBase(dir)}<Proxy "balancer://snippet">\n${c}\n</Proxy>\n` },
  { name: "location", wrap: (c, dir) => `${apacheBase(dir)}<Location "/">\n${c}\n</Location>\n` },
];

const apache: Checker = {
  tool: "apache2 -t",
  run: (code, dir) =>
    inSomeContext(apacheContexts, code, dir, (file) =>
      exitsCleanly("apache2", ["-t", "-f", file], { allowed: /^Syntax OK$/ }),
    ),
};

/**
 * A real redis-server with the snippet as its config file: it refuses bad directives and values at startup. The
 * options after the file override the snippet's: no TCP port (a Unix socket in the scratch folder), no replication,
 * no persistence, logs on stdout. It is stopped as soon as it is ready.
 */
const redis: Checker = {
  tool: "redis-server",
  run: (code, dir) =>
    new Promise((resolve) => {
      const file = join(dir, "redis.conf");
      writeFileSync(file, `${code}\n`);
      const args = [
        file,
        ...["--port", "0", "--unixsocket", join(dir, "redis.sock"), "--dir", dir, "--daemonize", "no"],
        ...["--save", "", "--appendonly", "no", "--replicaof", "no", "one", "--logfile", ""],
        ...["--pidfile", join(dir, "redis.pid")],
      ];
      const child = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      let ready = false;
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (!ready && /ready to accept connections/i.test(output)) {
          ready = true;
          child.kill("SIGKILL");
        }
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      child.on("error", (err) => (clearTimeout(timer), resolve({ ok: false, problem: String(err) })));
      child.on("close", () => {
        clearTimeout(timer);
        resolve(ready ? { ok: true } : { ok: false, problem: output.trim() || "redis-server did not start" });
      });
    }),
};

/**
 * php.ini lines loaded as PHP's own php.ini, with the Debian extensions (phpredis among them): a syntax error is a
 * startup warning; every directive must be one PHP knows, holding the value given (PHP keeps the old value of a
 * directive that refuses one); and setting it again at run time must raise no warning, which runs the checks that
 * startup skips (a session save handler or serializer that does not exist).
 */
const PHP_INI_PROBE = `
$errors = [];
$given = parse_ini_file($argv[1], false, INI_SCANNER_NORMAL);
if ($given === false) exit(1);
foreach ($given as $name => $value) {
  $now = ini_get($name);
  if ($now === false) { $errors[] = "unknown directive $name"; continue; }
  if ((string) $now !== (string) $value) $errors[] = "$name is '$now', not '$value'";
  error_clear_last();
  @ini_set($name, (string) $value);
  if ($e = error_get_last()) $errors[] = "$name: {$e["message"]}";
}
fwrite(STDERR, implode("\n", $errors));
exit($errors ? 1 : 0);
`;
const phpIni: Checker = {
  tool: "php -c",
  run: async (code, dir) => {
    const file = join(dir, "php.ini");
    writeFileSync(file, `${code}\n`);
    return exitsCleanly("php", ["-c", file, "-d", "display_startup_errors=1", "-r", PHP_INI_PROBE, file]);
  },
};

const inFile =
  (name: string, prefix: (code: string) => string, tool: (file: string) => [string, string[]], allowed?: RegExp) =>
  async (code: string, dir: string): Promise<Verdict> => {
    const file = join(dir, name);
    writeFileSync(file, `${prefix(code)}${code}\n`);
    const [command, args] = tool(file);
    return exitsCleanly(command, args, { cwd: dir, allowed });
  };

const php: Checker = {
  tool: "php -l",
  run: inFile(
    "snippet.php",
    (c) => (c.trimStart().startsWith("<?php") ? "" : "<?php\n"),
    (f) => ["php", ["-n", "-l", f]],
    /^No syntax errors detected/,
  ),
};

/** py_compile on every snippet in one interpreter (its command line stops at the first bad file). */
const PY_COMPILE_ALL = `
import py_compile, sys
for f in sys.argv[1:]:
    try:
        py_compile.compile(f, doraise=True)
    except py_compile.PyCompileError as e:
        print(f"{f}\\0{e.msg}\\0")
`;
const python: Checker = {
  tool: "python3 py_compile",
  runMany: async (jobs) => {
    const files = jobs.map(({ code, dir }) => {
      const file = join(dir, "snippet.py");
      writeFileSync(file, `${code}\n`);
      return file;
    });
    const { code: exit, output } = await run("/usr/bin/python3", ["-c", PY_COMPILE_ALL, ...files]);
    const parts = output.split("\0");
    const problems = new Map<string, string>();
    for (let i = 0; i + 1 < parts.length; i += 2) problems.set(parts[i]!.trim(), parts[i + 1]!.trim());
    // Output that names no file (python missing, a crash) fails every snippet.
    if (exit !== 0 || (output && problems.size === 0))
      return jobs.map(() => ({ ok: false, problem: output || `python3 exited with ${exit}` }));
    return files.map((f) => {
      const problem = problems.get(f);
      return problem ? { ok: false, problem } : { ok: true };
    });
  },
};

const ruby: Checker = {
  tool: "ruby -c",
  run: inFile(
    "snippet.rb",
    () => "",
    (f) => ["ruby", ["-c", f]],
    /^Syntax OK$/,
  ),
};

const shell: Checker = {
  tool: "bash -n",
  run: inFile(
    "snippet.sh",
    () => "",
    (f) => ["bash", ["-n", f]],
  ),
};

// Imports, exports or a top-level await (an app's start-up in an ES module) make a snippet a module.
const ESM = /^\s*(import|export)\b|^(?:const|let|var|\s)*[^\n(]*\bawait\b/m;
const javascript: Checker = {
  tool: "node --check",
  run: (code, dir) =>
    inFile(
      ESM.test(code) ? "snippet.mjs" : "snippet.cjs",
      () => "",
      (f) => [process.execPath, ["--check", f]],
    )(code, dir),
};

/**
 * javac's parser only: the frameworks' classes are not on this machine, so names are not resolved. Fragments are
 * tried as a compilation unit, as class members and as statements, in one javac run.
 */
const JAVA_CONTEXTS: Context[] = [
  { name: "compilation unit", wrap: (c) => c },
  { name: "class body", wrap: (c) => `class Snippet {\n${c}\n}\n` },
  { name: "method body", wrap: (c) => `class Snippet {\nvoid snippet() throws Exception {\n${c}\n}\n}\n` },
];
const java: Checker = {
  tool: "javac (parser)",
  runMany: async (jobs) => {
    const files = jobs.map(({ code, dir }) =>
      JAVA_CONTEXTS.map((ctx, i) => {
        const file = join(dir, `Context${i}.java`);
        writeFileSync(file, ctx.wrap(code, dir));
        return file;
      }),
    );
    // Stop after parsing: resolving names would need the frameworks' jars. A quick JIT: javac runs only briefly.
    const flags = ["-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC", "-XDshould-stop.ifNoError=PARSE"];
    const out = join(jobs[0]!.dir, "classes");
    const { code: exit, output } = await run("javac", [...flags, "-d", out, ...files.flat()]);
    // javac reports each error as "FILE:LINE: error: …" and the lines under it.
    const errors = output.split(/^(?=\/\S+\.java:\d+: )/m).filter((e) => /\.java:\d+: /.test(e));
    // A failure pinned on no file (javac missing, a bad option) fails every snippet.
    if (exit !== 0 && errors.length === 0)
      return jobs.map(() => ({ ok: false, problem: output || `javac exited with ${exit}` }));
    return files.map((contexts) => {
      const blamed = contexts.map((f) => errors.filter((e) => e.startsWith(`${f}:`)));
      if (blamed.some((e) => e.length === 0)) return { ok: true };
      return { ok: false, problem: blamed.flat().join("").trim() };
    });
  },
};

/** Well-formedness by expat; a fragment (several elements, or no XML declaration) is wrapped in one element. */
const xml: Checker = {
  tool: "expat (python3 xml.parsers.expat)",
  run: inFile(
    "snippet.xml",
    () => "",
    (f) => [
      "/usr/bin/python3",
      [
        "-c",
        [
          "import sys, xml.parsers.expat",
          "code = open(sys.argv[1], encoding='utf-8').read()",
          "doc = code if code.lstrip().startswith('<?xml') else '<fragment>\\n' + code + '</fragment>\\n'",
          "xml.parsers.expat.ParserCreate().Parse(doc, True)",
        ].join("\n"),
        f,
      ],
    ],
  ),
};

const yaml: Checker = {
  tool: "yaml (the project's parser)",
  run: async (code) => {
    const errors = parseDocument(code).errors;
    return errors.length ? { ok: false, problem: errors.map((e) => e.message).join("\n") } : { ok: true };
  },
};

const json: Checker = {
  tool: "JSON.parse",
  run: async (code) => {
    try {
      JSON.parse(code);
      return { ok: true };
    } catch (err) {
      return { ok: false, problem: (err as Error).message };
    }
  },
};

/** By language; `ini` means php.ini, the only ini file the catalogue's stacks read. */
const CHECKERS: Record<string, Checker> = {
  nginx,
  haproxy,
  apache,
  redis,
  ini: phpIni,
  php,
  python,
  ruby,
  shell,
  javascript,
  java,
  xml,
  yaml,
  json,
};

// Two cores shared with other work: a few tools at a time keep the catalogue to seconds without starving the rest.
const limit = pLimit(4);

async function inScratch<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "sessiondoc-snippet-"));
  try {
    return await work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function verdicts(checker: Checker, codes: string[]): Promise<Verdict[]> {
  if ("run" in checker)
    return Promise.all(codes.map((code) => limit(() => inScratch((dir) => checker.run(code, dir)))));
  return limit(() =>
    inScratch((root) =>
      checker.runMany(
        codes.map((code, i) => {
          const dir = join(root, String(i));
          mkdirSync(dir);
          return { code, dir };
        }),
      ),
    ),
  );
}

/** Checks snippets, all tools at once (each a few at a time), in the order given. */
export async function checkSnippets(snippets: Pick<Snippet, "language" | "code">[]): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const byChecker = new Map<Checker, number[]>();
  snippets.forEach((s, i) => {
    const reason = SKIPPED[s.language];
    const checker = CHECKERS[s.language];
    if (reason) outcomes[i] = { status: "skipped", reason };
    else if (!checker)
      outcomes[i] = {
        status: "failed",
        tool: "none",
        problem: `no check for language "${s.language}": add one to test/helpers/snippet-checks.ts, or a reason to skip it`,
      };
    else byChecker.set(checker, [...(byChecker.get(checker) ?? []), i]);
  });
  await Promise.all(
    [...byChecker].map(async ([checker, indexes]) => {
      const results = await verdicts(
        checker,
        indexes.map((i) => snippets[i]!.code),
      );
      indexes.forEach((i, k) => {
        const v = results[k]!;
        outcomes[i] = v.ok
          ? { status: "passed", tool: checker.tool }
          : { status: "failed", tool: checker.tool, problem: v.problem };
      });
    }),
  );
  return outcomes;
}
