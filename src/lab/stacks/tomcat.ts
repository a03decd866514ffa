// Apache Tomcat 10 (Debian's tomcat10) with the JSP shop in lab/apps/tomcat: one CATALINA_BASE per node in a scratch
// folder, `catalina.sh run` in the foreground, Tomcat's own log (catalina output) kept as the node's log.
//
// A node's env:
//   JVM_ROUTE=<route>     jvmRoute on <Engine>: session ids become <id>.<route> (absent or empty: no suffix)
//   REPLICATION=delta     SimpleTcpCluster + DeltaManager with static membership on loopback: every node of the
//                         scenario with REPLICATION=delta holds every session (absent or "off": each node's memory)
//   UNSERIALIZABLE=1      sign-in also keeps a shopping cart that is Serializable but holds a non-Serializable price
//                         list: Java serialization of the session (replication) fails with NotSerializableException
//   SESSION_TIMEOUT=<min> <session-timeout> in minutes (conf/web.xml; Tomcat's default is 30)
//
// Nothing in an answer names the node, as with a real Tomcat. Tomcat's access log (unbuffered) is in
// <CATALINA_BASE>/logs/localhost_access_log.txt, for tests that need to know which node served a request.
import { cpSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { projectPath } from "../../paths.js";
import { clockShift, freePort, scratchDir, startServer } from "../processes.js";
import type { AppContext, AppNode, AppStack, NodeSpec } from "./types.js";

export const TOMCAT_APP = projectPath("lab", "apps", "tomcat");
const CATALINA_HOME = "/usr/share/tomcat10";
// A small, quick JVM: two cores run several nodes, and C1 alone compiles the JSPs soon enough.
const JAVA_OPTS = "-Xmx128m -Xss512k -XX:TieredStopAtLevel=1 -XX:+UseSerialGC";
// Tomcat binds its port before it deploys the app, and the JVM is slow on a busy machine.
const STARTUP_MS = 90_000;

/** A replicating node as its peers address it. */
type Member = { index: number; port: number };

/**
 * The receiver ports of the replicating nodes, agreed through the scenario's shared folder. The lab starts a
 * scenario's nodes together, so each announces itself synchronously on start, before any of them has chosen a
 * port; then each waits until every announced node has written its port.
 */
function announce(sharedDir: string, node: NodeSpec): () => Promise<Member[]> {
  const dir = join(sharedDir, "tomcat-cluster");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, node.name), "");
  return async () => {
    const port = await freePort();
    writeFileSync(join(dir, `${node.name}.tmp`), `${node.index} ${port}`);
    renameSync(join(dir, `${node.name}.tmp`), join(dir, node.name));
    const deadline = Date.now() + 15_000;
    for (;;) {
      const entries = readdirSync(dir).filter((f) => !f.endsWith(".tmp"));
      const texts = entries.map((f) => readFileSync(join(dir, f), "utf8"));
      if (texts.every(Boolean))
        return texts.map((t) => {
          const [index, p] = t.split(" ").map(Number);
          return { index: index!, port: p! };
        });
      if (Date.now() > deadline)
        throw new Error(`tomcat ${node.name}: the other replicating nodes never chose their ports`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
}

function attr(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
}

/** Tribes wants a 16-byte id per member. */
function uniqueId(index: number): string {
  return `{${[...Array(15).fill(0), index + 1].join(",")}}`;
}

/** The cluster as Tomcat's documentation sets it up, with static members (every node, this one too) for multicast. */
function clusterXml(self: Member, members: Member[]): string {
  return `
      <!-- Synchronous acknowledgement (6): a round-robin balancer may send the very next request to another node. -->
      <Cluster className="org.apache.catalina.ha.tcp.SimpleTcpCluster" channelSendOptions="6">
        <!-- Nodes that start together each ask the other for its sessions, and one drops the other's request while
             it waits for its own answer: it would wait the full 60 s state transfer timeout for nothing. -->
        <Manager className="org.apache.catalina.ha.session.DeltaManager" stateTransferTimeout="5"
                 expireSessionsOnShutdown="false" notifyListenersOnReplication="true"/>
        <Channel className="org.apache.catalina.tribes.group.GroupChannel">
          <Membership className="org.apache.catalina.tribes.membership.StaticMembershipService">
${members
  .map(
    (m) =>
      `            <Member className="org.apache.catalina.tribes.membership.StaticMember"
                    host="127.0.0.1" port="${m.port}" uniqueId="${uniqueId(m.index)}"/>`,
  )
  .join("\n")}
          </Membership>
          <Receiver className="org.apache.catalina.tribes.transport.nio.NioReceiver"
                    address="127.0.0.1" port="${self.port}" autoBind="0"/>
          <Sender className="org.apache.catalina.tribes.transport.ReplicationTransmitter">
            <Transport className="org.apache.catalina.tribes.transport.nio.PooledParallelSender"/>
          </Sender>
          <Interceptor className="org.apache.catalina.tribes.group.interceptors.TcpPingInterceptor"/>
          <Interceptor className="org.apache.catalina.tribes.group.interceptors.TcpFailureDetector"/>
          <Interceptor className="org.apache.catalina.tribes.group.interceptors.MessageDispatchInterceptor"/>
        </Channel>
        <Valve className="org.apache.catalina.ha.tcp.ReplicationValve" filter=""/>
        <Valve className="org.apache.catalina.ha.session.JvmRouteBinderValve"/>
        <ClusterListener className="org.apache.catalina.ha.session.ClusterSessionListener"/>
      </Cluster>`;
}

function serverXml(port: number, route: string, cluster: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<Server port="-1" shutdown="SHUTDOWN">
  <Service name="Catalina">
    <Connector port="${port}" address="127.0.0.1" protocol="HTTP/1.1" connectionTimeout="20000"/>
    <Engine name="Catalina" defaultHost="localhost"${route ? ` jvmRoute="${attr(route)}"` : ""}>${cluster}
      <Host name="localhost" appBase="webapps" unpackWARs="false" autoDeploy="false">
        <Valve className="org.apache.catalina.valves.AccessLogValve" directory="logs" prefix="localhost_access_log"
               suffix=".txt" rotatable="false" buffered="false" pattern="%h %l %u %t &quot;%r&quot; %s %b"/>
      </Host>
    </Engine>
  </Service>
</Server>
`;
}

// Everything to the console, one line per record as in a packaged catalina.out: the node's log is its stdout.
const LOGGING = `handlers = java.util.logging.ConsoleHandler
.handlers = java.util.logging.ConsoleHandler
java.util.logging.ConsoleHandler.level = FINE
java.util.logging.ConsoleHandler.formatter = org.apache.juli.OneLineFormatter
`;

/** A CATALINA_BASE for one node: conf/ (server.xml, web.xml, logging), the app as webapps/ROOT, logs/, work/, temp/. */
function prepareBase(base: string, port: number, env: Record<string, string>, cluster: string): void {
  for (const d of ["conf", "logs", "work", "temp", "webapps"]) mkdirSync(join(base, d));
  writeFileSync(join(base, "conf", "server.xml"), serverXml(port, env.JVM_ROUTE ?? "", cluster));
  writeFileSync(join(base, "conf", "logging.properties"), LOGGING);
  const webXml = readFileSync(join(CATALINA_HOME, "etc", "web.xml"), "utf8");
  const timeout = env.SESSION_TIMEOUT ?? "30";
  if (!/^-?\d+$/.test(timeout)) throw new Error(`tomcat: SESSION_TIMEOUT is minutes, got "${timeout}"`);
  writeFileSync(
    join(base, "conf", "web.xml"),
    webXml.replace(/<session-timeout>\d+<\/session-timeout>/, `<session-timeout>${timeout}</session-timeout>`),
  );
  cpSync(TOMCAT_APP, join(base, "webapps", "ROOT"), { recursive: true });
}

/** The first request to each JSP compiles it: ask every page once, so that no probe pays for it. */
async function warmUp(url: string): Promise<void> {
  const deadline = Date.now() + STARTUP_MS;
  for (const page of ["/health.jsp", "/login.jsp", "/account.jsp"]) {
    for (;;) {
      const status = await fetch(new URL(page, url), { redirect: "manual", signal: AbortSignal.timeout(STARTUP_MS) })
        .then((r) => r.status)
        .catch(() => 0);
      if (status > 0 && status < 500) break;
      if (Date.now() > deadline)
        throw new Error(`tomcat at ${url}: ${page} did not answer within ${STARTUP_MS / 1000} s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

export async function startTomcat(node: NodeSpec, ctx: AppContext): Promise<AppNode> {
  const env = node.env;
  const replication = env.REPLICATION ?? "off";
  if (replication !== "off" && replication !== "delta")
    throw new Error(`tomcat: REPLICATION is "delta" or "off", got "${replication}"`);
  // Before any await: the other nodes of the scenario must see this one announced.
  const members = replication === "delta" ? announce(ctx.sharedDir, node) : undefined;
  let cluster = "";
  if (members) {
    const all = await members();
    cluster = clusterXml(
      all.find((m) => m.index === node.index)!,
      all,
    );
  }
  const running = await startServer(
    `tomcat ${node.name}`,
    (port) => {
      const base = scratchDir(`tomcat-${node.name}`);
      prepareBase(base, port, env, cluster);
      return {
        command: join(CATALINA_HOME, "bin", "catalina.sh"),
        args: ["run"],
        env: {
          ...process.env,
          CATALINA_HOME,
          CATALINA_BASE: base,
          JAVA_OPTS,
          UNSERIALIZABLE: env.UNSERIALIZABLE ?? "",
          ...clockShift(node.clockOffset),
        },
        cleanup: base,
        logFile: join(base, "logs", "catalina.out"),
        startupMs: STARTUP_MS,
      };
    },
    { detached: ctx.detached },
  );
  try {
    await warmUp(running.url);
  } catch (err) {
    // The folder goes with the node: keep the end of its log in the error.
    const tail = readFileSync(running.logFile!, "utf8").split("\n").slice(-30).join("\n");
    await running.stop();
    throw new Error(`${(err as Error).message}\n${tail}`, { cause: err });
  }
  return { ...running, name: node.name, route: env.JVM_ROUTE || undefined };
}

export const tomcatStack: AppStack = {
  kind: "tomcat",
  title: "Java / Apache Tomcat 10 (JSP, container sessions)",
  packages: ["tomcat10", "default-jre-headless"],
  paths: {
    login: { method: "POST", path: "/login.jsp", form: { user: "alice", password: "wonderland" } },
    check: "/account.jsp",
    health: "/health.jsp",
    signedIn: (status, body) => status === 200 && body.includes("Signed in as"),
  },
  start: startTomcat,
};
