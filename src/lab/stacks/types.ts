import type { Running, StartOptions } from "../processes.js";

/** How an app node reaches the scenario's session store. */
export type StoreInfo = {
  /** The address the app uses: the master for a single server, the first node for a cluster. */
  host: string;
  port: number;
  /** redis:// URL of that address. */
  url: string;
  /** Set for a Sentinel topology: the sentinels and the master's name. */
  sentinel?: { name: string; sentinels: Array<{ host: string; port: number }> };
  /** Set for a Cluster topology: every master. */
  cluster?: { nodes: Array<{ host: string; port: number }> };
};

export type NodeSpec = {
  /** 0-based position in the scenario. */
  index: number;
  /** n1, n2 …: the balancer's name for it. */
  name: string;
  /** The stack's own knobs (each stack documents its variables). */
  env: Record<string, string>;
  /** Shifts the node's clock with libfaketime ("-3h"). */
  clockOffset?: string;
};

export type AppContext = StartOptions & {
  store?: StoreInfo;
  /** A folder every node of the scenario shares (a shared SQLite file, a key ring …). */
  sharedDir: string;
};

export type AppNode = Running & {
  name: string;
  /** A route the node appends to its session ids (Tomcat jvmRoute), for a balancer that routes on it. */
  route?: string;
  /** The name of its session cookie, for a balancer that hashes on it (nginx). */
  sessionCookie?: string;
};

/** A login request the diagnosing engineer would configure (`--login`), when the stack needs one. */
export type LoginSpec = { method: "GET" | "POST"; path: string; form?: Record<string, string> };

/** What the diagnosing engineer would point sessiondoc at on this stack, and how the lab itself tells a signed-in answer. */
export type AppPaths = {
  session?: string;
  login?: LoginSpec;
  check: string;
  health?: string;
  /** For the lab's own proofs (never for sessiondoc): whether an answer to the check path is signed in. */
  signedIn(status: number, body: string): boolean;
};

export type AppStack = {
  kind: string;
  /** A person's word for it, for `lab list`. */
  title: string;
  /** Debian packages it needs (CI installs them). */
  packages: string[];
  /** Every node of a scenario has these paths; a node's env may change behaviour, not paths. */
  paths: AppPaths;
  start(node: NodeSpec, ctx: AppContext): Promise<AppNode>;
};

export type Backend = { name: string; port: number; route?: string; sessionCookie?: string };

export type BalancerOptions = StartOptions & {
  /** Cookie-based stickiness in the balancer's own way (HAProxy cookie insert, Apache stickysession, nginx hash). */
  sticky?: boolean;
  /** Active health checks on this path; failing backends are taken out. */
  healthCheck?: string;
  /** Sets X-Forwarded-Proto toward the backends (a TLS-terminating proxy in front). */
  forwardedProto?: string;
  /**
   * An affinity cookie re-issued with a new opaque value on every answer, as a cloud balancer's (AWS ALB's AWSALB)
   * is; `routes: false` when the balancer never sees it coming back (a CDN in front that drops cookies). nginx only.
   */
  rotatingCookie?: { name: string; routes: boolean };
  /** Extra lines inside the backend (HAProxy), upstream (nginx) or Proxy block (Apache). */
  lines: string[];
  /** Lines at server level (nginx `http`/`server`, Apache VirtualHost, HAProxy frontend). */
  frontLines: string[];
};

export type BalancerKind = {
  kind: string;
  title: string;
  packages: string[];
  start(backends: Backend[], opts: BalancerOptions): Promise<Running>;
};
