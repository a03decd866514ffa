import { describe, expect, it } from "vitest";
import { parseYaml, validateYaml, type DataProblem } from "../src/data/load-yaml.js";
import { checkTable, EvidenceTable, weigh } from "../src/evidence/table.js";
import { SIGNATURES } from "../src/evidence/signatures.js";
import { causes, diagnosisOf, probeEvidence, sessionHolds, shipped, shippedFlow } from "./helpers/definitions.js";
import { assess } from "../src/engine/assess.js";
import type { Evidence } from "../src/model/diagnosis.js";
import { HEALTHY_MAX } from "../src/engine/rank.js";

const context = {
  causes,
  findings: new Map([...shipped.probes.values()].map((p) => [p.name, new Set(Object.keys(p.findings))])),
  signatures: new Set(SIGNATURES.map((s) => s.id)),
  questions: new Map([["lb-sticky", new Set(["yes", "no"])]]),
  facts: new Set(["stack", "architecture"]),
};

function problemsOf(text: string): DataProblem[] {
  const source = parseYaml(text, "catalogue/evidence.yaml");
  try {
    return checkTable(validateYaml(source, EvidenceTable), source, context);
  } catch (err) {
    return (err as { problems: DataProblem[] }).problems;
  }
}

describe("the evidence table is validated when it loads", () => {
  const cases: Array<[string, string, string, number, RegExp]> = [
    [
      "an unknown cause",
      "rules:\n  - on: log/java-not-serializable\n    effects:\n      - { cause: gremlins, weight: 0.5 }\n",
      "rules[0].effects[0].cause",
      4,
      /unknown cause "gremlins"/,
    ],
    [
      "a weight out of range",
      "rules:\n  - on: log/java-not-serializable\n    effects:\n      - { cause: serialization, weight: 3 }\n",
      "rules[0].effects[0].weight",
      4,
      /<=\s*1/,
    ],
    [
      "a finding the probe never reports",
      "rules:\n  - on: redis.info/moon-phase\n    effects:\n      - { cause: clock-skew, weight: 0.5 }\n",
      "rules[0].on",
      2,
      /probe redis\.info reports no finding "moon-phase"/,
    ],
    [
      "a choice the question does not have",
      "rules:\n  - on: answer/lb-sticky=maybe\n    effects:\n      - { cause: lb-affinity, weight: 0.5 }\n",
      "rules[0].on",
      2,
      /question "lb-sticky" has no choice "maybe"/,
    ],
    [
      "an unknown log signature",
      "rules:\n  - on: log/cosmic-ray\n    effects:\n      - { cause: clock-skew, weight: 0.5 }\n",
      "rules[0].on",
      2,
      /no log signature "cosmic-ray"/,
    ],
    [
      "a confirmation against a cause",
      "rules:\n  - on: log/java-not-serializable\n    effects:\n      - { cause: serialization, weight: -0.5, confirms: true }\n",
      "rules[0]",
      2,
      /only evidence for a cause \(a positive weight\) can confirm it/,
    ],
    [
      "an undescribed group",
      "rules:\n  - on: log/java-not-serializable\n    group: mystery\n    effects:\n      - { cause: serialization, weight: 0.5 }\n",
      "rules[0].group",
      3,
      /group "mystery" is not described/,
    ],
    [
      "a fact nothing sets",
      "rules:\n  - on: log/java-not-serializable\n    effects:\n      - { cause: serialization, weight: 0.5, when: { fact: moon, equals: full } }\n",
      "rules[0].effects[0].when.fact",
      4,
      /fact "moon" is never set/,
    ],
    [
      "two rules for one observation",
      "rules:\n  - on: log/timeout\n    effects: [{ cause: node-flapping, weight: 0.4 }]\n  - on: log/timeout\n    effects: [{ cause: node-flapping, weight: 0.2 }]\n",
      "rules[1].on",
      4,
      /has another rule above/,
    ],
  ];
  for (const [name, text, path, line, message] of cases) {
    it(`rejects ${name}, naming the file, the line and the path`, () => {
      const problems = problemsOf(text);
      const p = problems.find(
        (x) =>
          x.path
            .map((s) => (typeof s === "number" ? `[${s}]` : `.${s}`))
            .join("")
            .slice(1)
            .replace(/\.\[/g, "[") === path,
      );
      expect(p, JSON.stringify(problems)).toBeDefined();
      expect(p!.file).toBe("catalogue/evidence.yaml");
      expect(p!.line).toBe(line);
      expect(p!.message).toMatch(message);
    });
  }

  it("accepts the shipped table, checked against the shipped flows, probes and signatures", () => {
    expect(shipped.weights.table.rules.length).toBeGreaterThan(50);
  });
});

describe("a person's single answer", () => {
  const flow = shipped.flows.get("session-replication")!;
  const choices = Object.entries(flow.flow.nodes).flatMap(([id, node]) =>
    node.kind === "question" && node.choices ? node.choices.map((c) => [id, c.value] as const) : [],
  );

  it("walks every choice of every question", () => {
    expect(choices.length).toBeGreaterThan(40);
  });

  // Every other question left unknown, as a person who answers only this one: the assessment the engine makes.
  it("never names a cause alone, whichever question and choice", () => {
    const defs = { ...shipped, causeIds: [...causes], flow: flow.flow };
    const named: string[] = [];
    for (const [question, value] of choices) {
      const a = assess(diagnosisOf({ [question]: value }), defs);
      if (a.verdict === "cause-found") named.push(`${question}=${value} → ${a.ranked[0]!.id}`);
    }
    expect(named).toEqual([]);
  });
});

describe("a CSRF complaint", () => {
  const defs = { ...shipped, causeIds: [...causes], flow: shippedFlow };
  const held = sessionHolds(2);
  const dropped = probeEvidence("http.continuity", "cookie-secure-over-http", {
    cookie: "xsrf",
    session: false,
    affinity: false,
    dropped: true,
  });
  const diagnose = (symptom: string, observed: Evidence[]) => assess(diagnosisOf({ symptom }, observed), defs);
  const cookieAttributes = (a: ReturnType<typeof assess>) => a.ranked.find((r) => r.id === "cookie-attributes")!;

  it("is not cleared by the session cookie coming back: the token's cookie was not looked at", () => {
    const a = diagnose("csrf-errors", [held]);
    expect(a.coverage.find((c) => c.cause === "cookie-attributes")!.status).toBe("not-examined");
    expect(a.verdict).not.toBe("no-fault-found");
  });

  it("suspects the cookie attributes when another cookie than the session's is dropped", () => {
    const a = diagnose("csrf-errors", [held, dropped]);
    expect(a.ranked[0]!.id).toBe("cookie-attributes");
    expect(cookieAttributes(a).confidence).toBeGreaterThan(HEALTHY_MAX);
    // One piece: the URL given may be plain HTTP where users reach the site over HTTPS.
    expect(a.verdict).toBe("inconclusive");
  });

  it("reads nothing into a dropped cookie that is neither the session's nor the balancer's for other complaints", () => {
    const a = diagnose("random-logout", [held, dropped]);
    expect(cookieAttributes(a).confidence).toBeLessThanOrEqual(HEALTHY_MAX);
  });

  const withToken = (sent: string, observed: Evidence[]) =>
    assess(diagnosisOf({ symptom: "csrf-errors", "token-cookie-sent": sent }, observed), defs);

  it("names the cookie attributes once the token's cookie is missing from the failing post and a probe saw one refused", () => {
    const a = withToken("no", [held, dropped]);
    expect(a.verdict).toBe("cause-found");
    expect(a.ranked[0]!.id).toBe("cookie-attributes");
  });

  it("only suspects them on the person's word alone, and examines them when the token's cookie comes back", () => {
    expect(withToken("no", [held]).verdict).toBe("inconclusive");
    const sent = withToken("yes", [held]);
    expect(sent.coverage.find((c) => c.cause === "cookie-attributes")!.status).toBe("ruled-out-by-answer");
    expect(withToken("in-session", [held]).coverage.find((c) => c.cause === "cookie-attributes")!.status).toBe(
      "not-examined",
    );
  });
});

describe("a store the app's client may not follow", () => {
  const defs = { ...shipped, causeIds: [...causes], flow: shippedFlow };
  const store = (answers: Record<string, string>) =>
    assess(diagnosisOf({ symptom: "random-logout", architecture: "external-store", ...answers }), defs);

  it("suspects a Cluster on MOVED errors alone, however often they are told, and asks for the store", () => {
    const a = store({ "store-errors": "moved", "store-cluster": "moved-errors" });
    expect(a.ranked[0]!.id).toBe("store-cluster-mode");
    expect(a.verdict).toBe("inconclusive");
    expect(a.next?.inputs).toEqual({ targets: ["redis"], questions: [] });
  });

  it("names it when the losses also began with the move onto the Cluster", () => {
    const a = store({ "store-errors": "moved", "store-changed": "to-cluster" });
    expect(a.verdict).toBe("cause-found");
    expect(a.ranked[0]!.id).toBe("store-cluster-mode");
  });

  it("does not name it on MOVED errors after a failover or a resharding, which redirect a healthy client too", () => {
    const a = store({ "store-errors": "moved", "store-changed": "failover" });
    expect(a.ranked[0]!.id).toBe("store-cluster-mode");
    expect(a.verdict).toBe("inconclusive");
  });

  it("is not ruled out by a store that did not change: the app's client may have", () => {
    const a = store({ "store-changed": "no" });
    expect(a.coverage.find((c) => c.cause === "store-cluster-mode")!.status).toBe("not-examined");
  });
});

describe("a store address that turns out to be a read-only replica", () => {
  const defs = { ...shipped, causeIds: [...causes], flow: shippedFlow };
  const replica = probeEvidence("redis.info", "store-is-replica", { role: "replica", readOnly: true });
  const diagnose = (symptom: string, continuity: "holds" | "lost") => {
    const ctx = diagnosisOf({ symptom, architecture: "external-store" }, [replica]);
    ctx.facts["session-continuity"] = { value: continuity, source: "probe", from: "http-continuity" };
    return assess(ctx, defs);
  };
  const replication = (a: ReturnType<typeof assess>) => a.ranked.find((r) => r.id === "replication")!;

  it("confirms replication while the app's sessions are lost: its writes are refused there", () => {
    const a = diagnose("random-logout", "lost");
    expect(a.verdict).toBe("cause-found");
    expect(a.ranked[0]!.id).toBe("replication");
  });

  it("is no fault when sessions hold through the balancer: the app writes to a master elsewhere", () => {
    const a = diagnose("random-logout", "holds");
    expect(replication(a).confidence).toBeLessThanOrEqual(HEALTHY_MAX);
    expect(a.coverage.find((c) => c.cause === "replication")!.status).toBe("examined");
  });

  it("only suspects it when no session was checked through the balancer", () => {
    const a = assess(diagnosisOf({ symptom: "random-logout", architecture: "external-store" }, [replica]), defs);
    expect(a.ranked[0]!.id).toBe("replication");
    expect(a.verdict).toBe("inconclusive");
  });

  it("weighs nothing for replication on a Cluster, whose replicas redirect writes to their master", () => {
    const ctx = diagnosisOf({ symptom: "random-logout", architecture: "external-store" }, [replica]);
    ctx.facts["store-cluster"] = { value: "yes", source: "probe", from: "redis-info" };
    ctx.facts["session-continuity"] = { value: "lost", source: "probe", from: "http-continuity" };
    expect(replication(assess(ctx, defs)).confidence).toBeLessThanOrEqual(HEALTHY_MAX);
  });

  it("does not clear a failover's loss on the present state alone", () => {
    const a = diagnose("lost-after-failover", "holds");
    expect(a.coverage.find((c) => c.cause === "replication")!.status).not.toBe("examined");
  });
});

describe("sessions lost through a balancer that hashes the session id (nginx hash on the cookie)", () => {
  const defs = { ...shipped, causeIds: [...causes], flow: shippedFlow };
  // Sign-in answered by one backend, every later request by the other; no store to look in.
  const lost = probeEvidence("http.continuity", "session-lost", { backends: 1, movedOffOrigin: true });
  const notShared = probeEvidence("http.nodes", "cross-node-unknown");
  // Two sessions replayed through the balancer each happened to hash to their own node.
  const lucky = probeEvidence("http.nodes", "suffix-routing-ok", { routes: "none" });
  function diagnose(answers: Record<string, string>) {
    const ctx = diagnosisOf(answers, [lost, notShared, lucky]);
    ctx.facts["session-continuity"] = { value: "lost", source: "probe", from: "http-continuity" };
    ctx.facts["cross-node"] = { value: "not-recognised", source: "probe", from: "http-nodes" };
    return assess(ctx, defs);
  }

  it("a lucky replay does not clear the balancer against the loss measured through it", () => {
    const against = (continuity: string) =>
      weigh([lucky], { "session-continuity": continuity }, shipped.weights).find((w) => w.cause === "lb-affinity")
        ?.weight;
    expect(against("lost")).toBeUndefined();
    expect(against("holds")).toBe(-0.4);
    const a = diagnose({ symptom: "logout-after-login" });
    expect(a.ranked.slice(0, 2).map((r) => r.id)).toContain("lb-affinity");
  });

  it("'failures start right after login' and 'sticky by design' do not turn it into a regeneration", () => {
    const a = diagnose({ symptom: "logout-after-login", "id-regeneration": "yes", "lb-sticky": "yes" });
    expect(a.verdict === "cause-found" ? a.ranked[0]!.id : "open").not.toBe("id-regeneration");
    expect(a.ranked.find((r) => r.id === "id-regeneration")!.confidence).toBeLessThan(0.5);
  });
});

describe("payload cookies refused both ways between nodes whose clocks are further apart than sessions live", () => {
  const defs = { ...shipped, causeIds: [...causes], flow: shippedFlow };
  const lost = probeEvidence("http.continuity", "session-lost", { backends: 2, movedOffOrigin: false });
  const notShared = probeEvidence("http.nodes", "cross-node-unknown", { oneWay: false });
  const skew = probeEvidence("http.clock", "clock-skew", { beyondErrorMs: 3_600_000 });
  function diagnose(gap: string, clocks: "apart" | "agree", observed = [lost, notShared, skew]) {
    const ctx = diagnosisOf({ symptom: "random-logout" }, observed);
    const fact = (value: string) => ({ value, source: "probe" as const, from: "http-nodes" });
    ctx.facts["session-continuity"] = fact("lost");
    ctx.facts["cross-node"] = fact("not-recognised");
    ctx.facts.architecture = fact("cookie");
    ctx.facts["clock-gap"] = fact(gap);
    ctx.facts["clock-sync"] = fact(clocks === "agree" ? "yes" : "no");
    return assess(ctx, defs);
  }

  it("names the clocks, measured, not keys the refusal only looks like", () => {
    const a = diagnose("beyond-lifetime", "apart");
    expect(a.verdict).toBe("cause-found");
    expect(a.ranked[0]!.id).toBe("clock-skew");
    expect(a.also).not.toContain("key-mismatch");
  });

  it("with the clocks agreeing, the same refusal confirms keys that differ", () => {
    const clock = probeEvidence("http.clock", "clock");
    const a = diagnose("within-lifetime", "agree", [lost, notShared, clock]);
    expect(a.verdict).toBe("cause-found");
    expect(a.ranked[0]!.id).toBe("key-mismatch");
  });

  it("clocks minutes apart, well within the sessions' lifetime, do not explain a refusal both ways: keys do", () => {
    const minutes = probeEvidence("http.clock", "clock-skew", { beyondErrorMs: 180_000 });
    const a = diagnose("within-lifetime", "apart", [lost, notShared, minutes]);
    expect(a.ranked[0]!.id).toBe("key-mismatch");
    expect(a.ranked.find((r) => r.id === "key-mismatch")!.confirmed).toBe(true);
  });
});

describe("sessions in a database", () => {
  const defs = { ...shipped, causeIds: [...causes], flow: shippedFlow };
  const status = (a: ReturnType<typeof assess>, cause: string) => a.coverage.find((c) => c.cause === cause)!.status;
  /** A diagnosis whose HTTP probes all ran: a Redis is the only target left to give. */
  const probed = (answers: Record<string, string>) => {
    const ctx = diagnosisOf({ symptom: "random-logout", ...answers }, [sessionHolds(2)]);
    for (const p of shipped.probes.values())
      if (!p.needs.includes("redis"))
        ctx.probes.push({ node: p.name, probe: p.name, target: "", status: "ok", durationMs: 1, findings: [] });
    return assess(ctx, defs);
  };

  it("leaves out what only a memory store does, evictions and Cluster routing, and never asks for a Redis", () => {
    const a = probed({ architecture: "database" });
    expect(status(a, "store-capacity")).toBe("not-applicable");
    expect(status(a, "store-cluster-mode")).toBe("not-applicable");
    expect(a.verdict).toBe("inconclusive");
    expect(a.next?.inputs.targets).toEqual([]);
    expect(a.next?.inputs.questions.length).toBe(1);
  });

  it("asks for the Redis where sessions live in one", () => {
    const a = probed({ architecture: "external-store" });
    expect(a.next?.inputs.targets).toEqual(["redis"]);
  });

  it("takes sessions every node read from the others as a store that accepts writes, except for a past failover", () => {
    const shared = probeEvidence("http.nodes", "cross-node-ok", { pairs: 2, notRecognised: 0, oneWay: false });
    const read = (symptom: string, seen: Evidence[]) =>
      assess(diagnosisOf({ symptom, architecture: "database" }, seen), defs);
    expect(status(read("random-logout", [shared]), "replication")).toBe("examined");
    expect(status(read("lost-after-failover", [shared]), "replication")).not.toBe("examined");
    // Through a balancer that may have kept the user on one node, a session that held says nothing of the others.
    expect(status(read("random-logout", [sessionHolds(2)]), "replication")).not.toBe("examined");
  });
});

describe("nodes of one pool that share sessions, and one that does not", () => {
  const defs = { ...shipped, causeIds: [...causes], flow: shippedFlow };
  const lost = probeEvidence("http.continuity", "session-lost", { backends: 3 });
  const routeless = probeEvidence("http.nodes", "no-route-lost");
  const partly = probeEvidence("http.nodes", "cross-node-unknown", {
    pairs: 6,
    notRecognised: 4,
    oneWay: false,
    oneLeftOut: true,
  });
  const none = probeEvidence("http.nodes", "cross-node-unknown", {
    pairs: 6,
    notRecognised: 6,
    oneWay: false,
    oneLeftOut: false,
  });
  const judge = (answers: Record<string, string>, seen: Evidence) =>
    assess(diagnosisOf({ symptom: "random-logout", stack: "java-tomcat", ...answers }, [lost, routeless, seen]), defs);

  it("does not blame the balancer or the routes when some nodes share sessions", () => {
    const apart = judge({}, none);
    expect(apart.ranked[0]!.id).toBe("lb-affinity");

    const a = judge({}, partly);
    expect(a.verdict).toBe("inconclusive");
    expect(a.ranked.find((r) => r.id === "lb-affinity")!.established).toBe(false);
    expect(a.ranked.find((r) => r.id === "lb-affinity")!.confidence).toBeLessThan(apart.ranked[0]!.confidence);
    expect(a.ranked.find((r) => r.id === "jvm-route")!.established).toBe(false);
  });

  it("names replication once sessions are said to be replicated", () => {
    const a = judge({ architecture: "in-memory-replication" }, partly);
    expect(a.verdict).toBe("cause-found");
    expect(a.ranked[0]!.id).toBe("replication");
  });
});

describe("node clocks that disagree while every node accepts the others' sessions", () => {
  const defs = { ...shipped, causeIds: [...causes], flow: shippedFlow };
  const skew = probeEvidence("http.clock", "clock-skew", { beyondErrorMs: 3 * 3600_000 });
  const shared = probeEvidence("http.nodes", "cross-node-ok", {
    pairs: 2,
    notRecognised: 0,
    oneWay: false,
    oneLeftOut: false,
  });
  const clock = (symptom: string, gap?: string) => {
    const ctx = diagnosisOf({ symptom }, [skew, shared, sessionHolds(2)]);
    ctx.facts["clock-sync"] = { value: "no", source: "probe", from: "http-clock" };
    if (gap) ctx.facts["clock-gap"] = { value: gap, source: "probe", from: "http-clock" };
    const a = assess(ctx, defs);
    return { status: a.coverage.find((c) => c.cause === "clock-skew")!.status, verdict: a.verdict };
  };

  it("clears the skew beyond the sessions' lifetime, and only weakens it where the lifetime is not known", () => {
    expect(clock("random-logout", "beyond-lifetime").status).toBe("examined");
    expect(clock("random-logout")).toEqual({ status: "suspected", verdict: "inconclusive" });
    expect(clock("idle-logout").verdict).toBe("cause-found");
  });
});

describe("a session cookie with SameSite=Strict", () => {
  const defs = { ...shipped, causeIds: [...causes], flow: shippedFlow };
  const strict = probeEvidence("http.continuity", "cookie-samesite-strict", { session: true, dropped: false });
  const judge = (answers: Record<string, string>) => {
    const ctx = diagnosisOf({ symptom: "random-logout", ...answers }, [sessionHolds(2), strict]);
    ctx.facts["session-samesite"] = { value: "strict", source: "probe", from: "http-continuity" };
    return assess(ctx, defs);
  };
  const status = (a: ReturnType<typeof assess>) => a.coverage.find((c) => c.cause === "cookie-attributes")!.status;

  it("is not cleared by a session that held on the probe's own same-site requests", () => {
    expect(status(judge({}))).toBe("suspected");
    expect(judge({}).verdict).not.toBe("no-fault-found");
  });

  it("is named where users arrive from other sites, and cleared where they do not", () => {
    const a = judge({ "cookie-context": "cross-site" });
    expect(a.verdict).toBe("cause-found");
    expect(a.ranked[0]!.id).toBe("cookie-attributes");
    expect(status(judge({ "cookie-context": "none" }))).toBe("examined");
  });
});
