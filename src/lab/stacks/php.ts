import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { projectPath } from "../../paths.js";
import { clockShift, scratchDir, startServer } from "../processes.js";
import type { AppContext, AppNode, AppStack, NodeSpec } from "./types.js";

/**
 * PHP's built-in server running the pages of lab/apps/php: a sign-in form (POST /login.php, user and password
 * `demo`, a new session id on sign-in), an account page that says "Signed in as …" or shows a sign-in form, with a
 * fresh CSRF token in every form, a health page, a cart in the session (GET /cart.php lists it as JSON, POST adds an
 * `item`) and a slow page (/slow.php, 1 s, a form with a new CSRF token). Configured by the node's env, each variable one php.ini
 * setting:
 *
 *   SAVE_HANDLER=files|redis   session.save_handler; files (PHP's default) keeps sessions in the node's own folder,
 *                              redis uses phpredis on the scenario's store
 *   PREFIX                     phpredis' key prefix (its default: PHPREDIS_SESSION:)
 *   LOCKING=1                  redis.session.locking_enabled (off by default)
 *   LOCK_RETRIES, LOCK_WAIT_TIME (µs), LOCK_EXPIRE (s)   how long a request waits for a session's lock, and how long
 *                              a lock lives (phpredis 5.3: 10 tries 2 ms apart; the lock lives max_execution_time)
 *   SESSION_NAME               session.name, the cookie's name (default PHPSESSID)
 *   GC_MAXLIFETIME             session.gc_maxlifetime in seconds: phpredis' key TTL (default 1440)
 *   COOKIE_LIFETIME            session.cookie_lifetime in seconds (default 0: until the browser closes)
 *   COOKIE_SECURE=1, COOKIE_SAMESITE, COOKIE_DOMAIN, COOKIE_PATH   the cookie's attributes
 *
 * No response names the node; `php -S` echoes the request's Host in a `Host` response header, which is not a
 * backend's name. Each node logs one line per request (status, method, path) and PHP's warnings.
 */
const APP_DIR = projectPath("lab", "apps", "php");

const INI: Record<string, string> = {
  LOCKING: "redis.session.locking_enabled",
  LOCK_RETRIES: "redis.session.lock_retries",
  LOCK_WAIT_TIME: "redis.session.lock_wait_time",
  LOCK_EXPIRE: "redis.session.lock_expire",
  SESSION_NAME: "session.name",
  GC_MAXLIFETIME: "session.gc_maxlifetime",
  COOKIE_LIFETIME: "session.cookie_lifetime",
  COOKIE_SECURE: "session.cookie_secure",
  COOKIE_SAMESITE: "session.cookie_samesite",
  COOKIE_DOMAIN: "session.cookie_domain",
  COOKIE_PATH: "session.cookie_path",
};
const KNOWN = new Set(["SAVE_HANDLER", "PREFIX", ...Object.keys(INI)]);

function checkEnv(node: NodeSpec, ctx: AppContext): void {
  const env = node.env;
  const unknown = Object.keys(env).filter((k) => !KNOWN.has(k));
  if (unknown.length)
    throw new Error(`php node ${node.name}: unknown ${unknown.join(", ")} (known: ${[...KNOWN].join(", ")})`);
  const handler = env.SAVE_HANDLER ?? "files";
  if (handler !== "files" && handler !== "redis")
    throw new Error(`php node ${node.name}: SAVE_HANDLER is files or redis, not "${handler}"`);
  if (handler === "redis" && !ctx.store)
    throw new Error(`php node ${node.name}: SAVE_HANDLER=redis needs the scenario's redis`);
  if (handler === "files" && env.PREFIX)
    throw new Error(`php node ${node.name}: PREFIX is phpredis' setting; it needs SAVE_HANDLER=redis`);
}

/** php.ini settings as `-d` options, quoted as in php.ini (unquoted, the ini parser cuts a value at `=`). */
function iniOptions(env: Record<string, string>, store: AppContext["store"], dir: string): string[] {
  const settings: Record<string, string> = { "session.save_handler": env.SAVE_HANDLER ?? "files" };
  if (store && env.SAVE_HANDLER === "redis") {
    const query = new URLSearchParams({ timeout: "2", ...(env.PREFIX ? { prefix: env.PREFIX } : {}) });
    settings["session.save_path"] = `tcp://${store.host}:${store.port}?${query}`;
  } else {
    settings["session.save_path"] = join(dir, "sessions");
    mkdirSync(settings["session.save_path"]);
  }
  for (const [key, setting] of Object.entries(INI)) if (env[key] !== undefined) settings[setting] = env[key];
  return Object.entries(settings).flatMap(([k, v]) => ["-d", `${k}="${v}"`]);
}

async function startPhp(node: NodeSpec, ctx: AppContext): Promise<AppNode> {
  checkEnv(node, ctx);
  const running = await startServer(
    `php -S (${node.name})`,
    (port) => {
      const dir = scratchDir("php");
      return {
        command: "php",
        args: [
          ...iniOptions(node.env, ctx.store, dir),
          "-S",
          `127.0.0.1:${port}`,
          "-t",
          APP_DIR,
          join(APP_DIR, "router.php"),
        ],
        // Workers answer requests in parallel; a single process would serialise them behind a session lock.
        env: { ...process.env, PHP_CLI_SERVER_WORKERS: "4", ...clockShift(node.clockOffset) },
        cwd: APP_DIR,
        cleanup: dir,
        logFile: join(dir, "php.log"),
      };
    },
    { detached: ctx.detached },
  );
  return { ...running, name: node.name, sessionCookie: node.env.SESSION_NAME ?? "PHPSESSID" };
}

export const phpStack: AppStack = {
  kind: "php",
  title: "PHP built-in server (phpredis or files sessions)",
  packages: ["php-cli", "php-redis"],
  paths: {
    login: { method: "POST", path: "/login.php", form: { user: "demo", password: "demo" } },
    check: "/account.php",
    health: "/health.php",
    signedIn: (status, body) => status === 200 && body.includes("Signed in as "),
  },
  start: startPhp,
};
