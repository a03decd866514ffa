// A stand-in for a customer's web app: Express with express-session (memory store, or connect-redis on a real
// Redis), configured by environment variables the way teams misconfigure it. Used by the tests and the lab.
//
//   PORT, NODE_NAME                 where it listens; X-Backend names it on every answer
//   STORE=memory|redis, REDIS_URL   where sessions live; STORE_TTL overrides connect-redis' TTL (seconds)
//   STORE_PREFIX                    connect-redis' key prefix (default sess:)
//   REDIS_RECONNECT=0               the node-redis client does not reconnect once its connection drops
//   STORE=redis-sentinel, REDIS_SENTINELS=host:port,…, REDIS_SENTINEL_NAME
//                                   sessions on the master Sentinel names, followed through failovers (createSentinel)
//   STORE=redis-cluster, REDIS_CLUSTER=host:port,…
//                                   sessions in a Redis Cluster, each key on the master of its slot (createCluster)
//                                   (STORE=redis against a Sentinel's master or a Cluster node is a plain client to
//                                   that one address, as a team that ignores the topology configures it)
//   SECRET                          the session signing secret
//   COOKIE_SECURE=1, TRUST_PROXY=1  Secure cookies; trust X-Forwarded-Proto from the proxy in front
//   SAMESITE, COOKIE_DOMAIN, COOKIE_PATH, COOKIE_MAXAGE (seconds)
//   SESSION_BYTES                   pad each session to about this size
//   HEALTH=flap                     /health fails every other time
//   HEALTH=burst                    /health fails three times in a row, then passes three times
//   JVMROUTE                        issue Tomcat-style JSESSIONID=<id>.<route> cookies instead (empty: no suffix)
//   LOGIN_PASSWORD                  POST /login (form: user, password) signs in only with this password
//   COOKIE_NAME                     the session cookie's name (default connect.sid)
//   CHECK_PAGE=html                 /me answers 200 either way: an HTML page with a per-request CSRF token, "Signed in
//                                   as …" only with a session (=html-same: the signed-in page looks the same too)
//   ROTATE=1                        a new session id on every request (regenerate, keeping the data)
//   BACKEND_HEADER=0                no X-Backend header; ECHO_HOST=1 answers a Host header echoing the request's
//   LOGIN_CACHE_CONTROL             a Cache-Control header on the GET /login answer (e.g. "public, max-age=60")
//   LARGE_COOKIES=3000,3000         signing in also sets cookies of these sizes (pref1, pref2 …: analytics, A/B tests)
//   SUBAPP_PATH=/account            a second app mounted there, with its own express-session (memory store, its own
//                                   secret, a session for every visitor, cookie Path=SUBAPP_PATH) named SUBAPP_COOKIE
//                                   (default: the main app's cookie name); GET /login then redirects to it
//   /static/app.css                 a static file with Cache-Control: public, max-age=600
//   RESAVE=1                        express-session's resave: true (every request writes its whole session back)
//   CART=1                          GET /cart, POST /cart (form: item) adds an item, GET /slow answers after 1 s
//   REALTIME=1                      socket.io on /socket.io/ (REALTIME_TRANSPORTS=websocket: no long polling)
// Store errors (a failed request, the client's connection errors) are logged on stderr, one line each.
import express from "express";
import session from "express-session";
import { RedisStore } from "connect-redis";
import { createClient, createCluster, createSentinel } from "redis";
import { randomBytes } from "node:crypto";

const env = process.env;
const app = express();
const node = env.NODE_NAME ?? `node-${env.PORT}`;
if (env.TRUST_PROXY) app.set("trust proxy", 1);
app.use((req, res, next) => {
  if (env.BACKEND_HEADER !== "0") res.set("X-Backend", node);
  if (env.ECHO_HOST === "1") res.set("Host", req.headers.host ?? "");
  next();
});

app.get("/static/app.css", (req, res) => {
  res.set("Cache-Control", "public, max-age=600").type("css").send("body { margin: 0 }\n");
});

if (env.SUBAPP_PATH) {
  const sub = express();
  sub.use(
    session({
      name: env.SUBAPP_COOKIE || env.COOKIE_NAME || "connect.sid",
      secret: `${env.SECRET ?? "keyboard cat"} of ${env.SUBAPP_PATH}`,
      resave: false,
      saveUninitialized: true,
      cookie: { path: env.SUBAPP_PATH, httpOnly: true },
    }),
  );
  sub.get("/", (req, res) => {
    req.session.visits = (req.session.visits ?? 0) + 1;
    res.send(`<html><body><p>Your account (visit ${req.session.visits})</p></body></html>`);
  });
  app.use(env.SUBAPP_PATH, sub);
}

let healthCalls = 0;
app.get("/health", (req, res) => {
  healthCalls++;
  if (env.HEALTH === "flap" && healthCalls % 2 === 0) return res.status(503).send("unhealthy");
  if (env.HEALTH === "burst" && healthCalls % 6 >= 3) return res.status(503).send("unhealthy");
  res.send("ok");
});

if (env.JVMROUTE !== undefined) {
  // Tomcat's container sessions: in memory, id suffixed with the node's jvmRoute.
  const sessions = new Map();
  const route = env.JVMROUTE ? `.${env.JVMROUTE}` : "";
  const current = (req) => {
    const m = /(?:^|;\s*)JSESSIONID=([^;]+)/.exec(req.headers.cookie ?? "");
    return m && sessions.has(m[1]) ? sessions.get(m[1]) : undefined;
  };
  app.get("/login", (req, res) => {
    const id = randomBytes(16).toString("hex").toUpperCase() + route;
    sessions.set(id, { user: "probe" });
    res.set("Set-Cookie", `JSESSIONID=${id}; Path=/; HttpOnly`).send("signed in");
  });
  app.get("/me", (req, res) => {
    const s = current(req);
    return s ? res.json({ user: s.user, node }) : res.status(401).json({ error: "anonymous" });
  });
} else {
  let store;
  const client = storeClient();
  if (client) {
    client.on("error", (err) => logError(`redis client: ${err.message}`));
    await client.connect();
    store = new RedisStore({
      client,
      prefix: env.STORE_PREFIX || "sess:",
      ...(env.STORE_TTL ? { ttl: () => Number(env.STORE_TTL) } : {}),
    });
  }
  app.use(
    session({
      store,
      name: env.COOKIE_NAME || "connect.sid",
      secret: env.SECRET ?? "keyboard cat",
      resave: env.RESAVE === "1",
      saveUninitialized: false,
      cookie: {
        secure: env.COOKIE_SECURE === "1",
        sameSite: env.SAMESITE || undefined,
        domain: env.COOKIE_DOMAIN || undefined,
        path: env.COOKIE_PATH || "/",
        httpOnly: true,
        maxAge: env.COOKIE_MAXAGE ? Number(env.COOKIE_MAXAGE) * 1000 : undefined,
      },
    }),
  );
  // A CSRF token in its own cookie (double-submit, as Angular's XSRF-TOKEN or Laravel) on every answer: `NAME; attributes`.
  if (env.TOKEN_COOKIE)
    app.use((req, res, next) => {
      const [name, ...attributes] = env.TOKEN_COOKIE.split(";").map((part) => part.trim());
      const value = randomBytes(16).toString("base64url");
      res.append("Set-Cookie", [`${name}=${value}`, "Path=/", ...attributes].join("; "));
      next();
    });
  app.get("/login", (req, res) => {
    req.session.user = "probe";
    if (env.SESSION_BYTES) req.session.cart = "x".repeat(Number(env.SESSION_BYTES));
    if (env.LOGIN_CACHE_CONTROL) res.set("Cache-Control", env.LOGIN_CACHE_CONTROL);
    (env.LARGE_COOKIES ?? "")
      .split(",")
      .filter(Boolean)
      .forEach((bytes, i) =>
        res.cookie(`pref${i + 1}`, randomBytes(Number(bytes)).toString("base64url").slice(0, Number(bytes)), {
          path: "/",
          httpOnly: true,
        }),
      );
    if (env.SUBAPP_PATH) return res.redirect(302, `${env.SUBAPP_PATH}/`);
    res.send("signed in");
  });
  app.post("/login", express.urlencoded({ extended: false }), (req, res) => {
    if (!env.LOGIN_PASSWORD || req.body.password !== env.LOGIN_PASSWORD)
      return res.status(401).send("wrong user or password");
    req.session.user = req.body.user;
    res.redirect(303, "/me");
  });
  if (env.ROTATE === "1")
    app.use((req, res, next) => {
      if (!req.session.user) return next();
      const data = { user: req.session.user, cart: req.session.cart };
      req.session.regenerate((err) => {
        if (err) return next(err);
        Object.assign(req.session, data);
        next();
      });
    });
  if (env.CART === "1") {
    app.get("/cart", (req, res) => res.json({ items: req.session.items ?? [] }));
    app.post("/cart", express.urlencoded({ extended: false }), (req, res) => {
      req.session.items = [...(req.session.items ?? []), String(req.body.item)];
      res.json({ items: req.session.items });
    });
    // A page that takes its time (a report, a slow API call): it only reads the session.
    app.get("/slow", (req, res) => setTimeout(() => res.json({ user: req.session.user ?? null }), 1000));
  }
  app.get("/me", (req, res) => {
    if (env.CHECK_PAGE?.startsWith("html")) {
      const token = randomBytes(24).toString("base64url");
      const who = req.session.user && env.CHECK_PAGE !== "html-same" ? `Signed in as ${req.session.user}` : "Sign in";
      const at = new Date().toISOString();
      return res.send(
        `<html><body><p>${who}</p><form><input name="csrf" value="${token}"></form><!-- ${at} --></body></html>`,
      );
    }
    return req.session.user ? res.json({ user: req.session.user, node }) : res.status(401).json({ error: "anonymous" });
  });
}

app.use((err, req, res, _next) => {
  logError(`${req.method} ${req.path}: ${err.message}`);
  // express-session sends the headers (cookie included) and all but the last byte before the store's save or touch
  // completes: a failed save still reaches the user as the route's own answer, which express-session then finishes.
  if (!res.headersSent) res.status(500).send("internal error");
});

function logError(message) {
  console.error(`${new Date().toISOString()} ERROR [${node}] ${message}`);
}

function storeClient() {
  const addresses = (list) =>
    list
      .split(",")
      .map((a) => ({ host: a.slice(0, a.lastIndexOf(":")), port: Number(a.slice(a.lastIndexOf(":") + 1)) }));
  switch (env.STORE) {
    case "redis":
      return createClient({
        url: env.REDIS_URL,
        ...(env.REDIS_RECONNECT === "0" ? { socket: { reconnectStrategy: false } } : {}),
      });
    case "redis-sentinel":
      return createSentinel({
        name: env.REDIS_SENTINEL_NAME,
        sentinelRootNodes: addresses(env.REDIS_SENTINELS),
        passthroughClientErrorEvents: true,
      });
    case "redis-cluster":
      return createCluster({ rootNodes: addresses(env.REDIS_CLUSTER).map((socket) => ({ socket })) });
  }
}

const server = app.listen(Number(env.PORT ?? 3000), "127.0.0.1", () =>
  console.log(`listening ${node} on ${server.address().port}`),
);
if (env.REALTIME === "1") {
  const { Server } = await import("socket.io");
  const io = new Server(server, { transports: env.REALTIME_TRANSPORTS?.split(",") ?? ["polling", "websocket"] });
  io.engine.on("connection_error", (err) => logError(`socket.io: ${err.message} (${err.code})`));
  io.on("connection", (socket) => socket.emit("hello", node));
}
process.on("SIGTERM", () => server.close(() => process.exit(0)));
