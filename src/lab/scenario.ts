import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readYaml, validateYaml } from "../data/load-yaml.js";
import { projectPath } from "../paths.js";
import { scratchDir, type Running } from "./processes.js";
import { LabClient, runProof, type ProofResult } from "./proof.js";
import { Scenario } from "./schema.js";
import { APP_STACKS, BALANCERS } from "./stacks/index.js";
import type { AppNode, AppPaths } from "./stacks/types.js";
import { startStore, type LabStore } from "./store.js";

export const SCENARIOS_DIR = projectPath("lab", "scenarios");

/** The tail of a node's log an engineer would paste. */
const MAX_PASTE = 256 * 1024;

export function loadScenarios(dir = SCENARIOS_DIR): Scenario[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => {
      const source = readYaml(join(dir, f));
      const scenario = validateYaml(source, Scenario);
      const kind = scenario.app?.kind;
      if (kind && !APP_STACKS.has(kind)) throw new Error(`${source.file}: app.kind "${kind}" is not a lab stack`);
      if (!BALANCERS.has(scenario.balancer.kind))
        throw new Error(`${source.file}: balancer.kind "${scenario.balancer.kind}" is not a lab balancer`);
      return scenario;
    });
}

export type Lab = {
  scenario: Scenario;
  parts: Running[];
  nodes: AppNode[];
  balancer?: Running;
  store?: LabStore;
  paths?: AppPaths;
  /** The arguments of `sessiondoc diagnose` for this scenario (without --non-interactive / --json). */
  args: string[];
  /** Checks the scenario's proofs against the running system. */
  prove(): Promise<ProofResult[]>;
  /** Copies the logs of `evidenceFromLogs` nodes to the files given as `--evidence`. */
  snapshotLogs(): void;
  stop(): Promise<void>;
};

/**
 * Brings a scenario up: its store, app nodes, the balancer in front, some logins (and the store's own step after
 * them, such as a failover, followed by as many logins again); writes its pasted evidence to
 * `workDir`. `detached` leaves the processes running after this process exits (for `lab up`).
 */
export async function bringUp(scenario: Scenario, opts: { workDir: string; detached?: boolean }): Promise<Lab> {
  const parts: Running[] = [];
  const sharedDir = scratchDir(`lab-${scenario.id}`);
  const stop = async () => {
    await Promise.all(parts.map((p) => p.stop()));
  };
  parts.push({ port: 0, url: "", pid: 0, dir: sharedDir, stop: async () => {} });
  const start = { detached: opts.detached };
  try {
    let store: LabStore | undefined;
    if (scenario.redis) {
      store = await startStore(scenario.redis, start);
      parts.push(...store.parts);
    }
    const stack = scenario.app ? APP_STACKS.get(scenario.app.kind)! : undefined;
    const app = scenario.app;
    // Every node that did start is stopped with the rest when another one fails to.
    const started =
      stack && app
        ? await Promise.allSettled(
            app.nodes.map((n, i) =>
              stack.start(
                { index: i, name: `n${i + 1}`, env: { ...app.env, ...n.env }, clockOffset: n.clockOffset },
                { ...start, store: store?.info, sharedDir },
              ),
            ),
          )
        : [];
    const nodes = started.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    parts.push(...nodes);
    const failed = started.find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
    const t = scenario.targets;
    const paths: AppPaths | undefined = stack && {
      ...stack.paths,
      ...(t.sessionPath ? { session: t.sessionPath } : {}),
      ...(t.checkPath ? { check: t.checkPath } : {}),
      ...(t.login ? { login: t.login } : {}),
    };

    let balancer: Running | undefined;
    const args: string[] = [];
    if (nodes.length && paths) {
      const b = scenario.balancer;
      if (b.rotatingCookie && b.kind !== "nginx") throw new Error(`rotatingCookie is built with nginx, not ${b.kind}`);
      balancer = await BALANCERS.get(b.kind)!.start(
        nodes.map((n) => ({ name: n.name, port: n.port, route: n.route, sessionCookie: n.sessionCookie })),
        {
          ...start,
          sticky: b.sticky,
          healthCheck: b.healthChecks ? paths.health : undefined,
          forwardedProto: b.forwardedProto,
          rotatingCookie: b.rotatingCookie,
          lines: b.lines,
          frontLines: b.frontLines,
        },
      );
      parts.push(balancer);
      await signIns(balancer.url, paths, scenario.logins);
      if (t.url) args.push("--url", balancer.url);
      if (t.nodes) args.push(...nodes.flatMap((n) => ["--node", n.url]));
      if (paths.login) args.push("--login", loginSpec(paths.login));
      else if (paths.session) args.push("--session-path", paths.session);
      args.push("--check-path", paths.check);
      // The shortest window in which a clean result still rules flapping out.
      if (t.health && paths.health) args.push("--health-path", paths.health, "--health-window", "5");
      if (t.backendHeader) args.push("--backend-header", t.backendHeader);
      if (t.sessionCookie) args.push("--session-cookie", t.sessionCookie);
    }
    if (store?.afterSignIns) {
      await store.afterSignIns();
      // Users keep signing in on the store as it is now.
      if (balancer && paths) await signIns(balancer.url, paths, scenario.logins);
    }
    if (store && t.redis) args.push("--redis", t.redisAddress === "app" ? store.info.url : store.probeUrl);
    if (t.sessionPrefix) args.push("--session-prefix", t.sessionPrefix);
    for (const [id, value] of Object.entries(scenario.answers)) args.push("--answer", `${id}=${value}`);
    if (scenario.evidence) {
      mkdirSync(opts.workDir, { recursive: true });
      const file = join(opts.workDir, `${scenario.id}.log`);
      writeFileSync(file, scenario.evidence);
      args.push("--evidence", file);
    }
    const logFiles = scenario.evidenceFromLogs.map((n) => {
      const node = nodes[n - 1];
      if (!node?.logFile) throw new Error(`${scenario.id}: evidenceFromLogs: node ${n} keeps no log`);
      return { node, file: join(opts.workDir, `${scenario.id}-${node.name}.log`) };
    });
    for (const { file } of logFiles) args.push("--evidence", file);
    // What the nodes logged up to now, as an engineer would copy it just before diagnosing.
    const snapshotLogs = () => {
      mkdirSync(opts.workDir, { recursive: true });
      for (const { node, file } of logFiles) writeFileSync(file, readFileSync(node.logFile!, "utf8").slice(-MAX_PASTE));
    };
    const prove = () =>
      Promise.all(
        scenario.proof.map((p) =>
          runProof(p, { balancer: balancer?.url, nodes, paths: paths!, storeUrl: store?.adminUrl }),
        ),
      );
    return { scenario, parts, nodes, balancer, store, paths, args, prove, snapshotLogs, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** `--login` as the CLI takes it: `POST /login user=… password=…`. */
function loginSpec(login: NonNullable<AppPaths["login"]>): string {
  const form = Object.entries(login.form ?? {}).map(([k, v]) => `${k}=${v}`);
  return [login.method, login.path, ...form].join(" ");
}

/** Real traffic: `count` users each signing in once through the balancer. */
async function signIns(base: string, paths: AppPaths, count: number): Promise<void> {
  for (let i = 0; i < count; i += 10) {
    await Promise.all(
      Array.from({ length: Math.min(10, count - i) }, () => new LabClient().signIn(base, paths).catch(() => undefined)),
    );
  }
}
