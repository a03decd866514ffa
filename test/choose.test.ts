import { describe, expect, it } from "vitest";
import type { Evidence } from "../src/model/diagnosis.js";
import { answerModel, expectedPiece, informationGain, makeChooser } from "../src/engine/choose.js";
import { causes, diagnosisOf, probeEvidence, sessionHolds, shipped, shippedFlow } from "./helpers/definitions.js";

const beliefs = (entries: Record<string, number>) => new Map(Object.entries(entries));
const total = (joint: Array<Map<string, number>>) =>
  joint.reduce((a, answer) => a + [...answer.values()].reduce((b, p) => b + p, 0), 0);

describe("the answer model that orders questions", () => {
  it("a question that rules one of two equally likely causes out in each answer is worth one bit", () => {
    const now = beliefs({ a: 0.5, b: 0.5 });
    const joint = answerModel(now, [beliefs({ a: 0.5, b: 0 }), beliefs({ a: 0, b: 0.5 })]);
    expect(informationGain(joint)).toBeCloseTo(1, 6);
    expect(total(joint)).toBeCloseTo(1, 6);
  });

  it("a question whose answers move no cause is worth nothing, usual answer or not", () => {
    const now = beliefs({ a: 0.3, b: 0.2, c: 0.1 });
    const then = [now, now, now];
    expect(informationGain(answerModel(now, then))).toBeCloseTo(0, 9);
    expect(informationGain(answerModel(now, then, [2]))).toBeCloseTo(0, 9);
  });

  it("an answer that raises a cause is likelier when that cause is the fault", () => {
    const now = beliefs({ a: 0.2, b: 0.2 });
    const joint = answerModel(now, [beliefs({ a: 0.6, b: 0.2 }), beliefs({ a: 0.2, b: 0.2 })]);
    // P(first answer | a) against P(first answer | b): a's joint share there is the larger one.
    expect(joint[0]!.get("a")!).toBeGreaterThan(joint[0]!.get("b")!);
    expect(joint[1]!.get("a")!).toBeLessThan(joint[1]!.get("b")!);
  });

  it("a cause that the answers do not move gives the usual answer more often than the others", () => {
    const now = beliefs({ a: 0.5 });
    const joint = answerModel(now, [now, now, now], [1]);
    expect(joint[1]!.get("a")!).toBeGreaterThan(joint[0]!.get("a")!);
    expect(joint[0]!.get("a")!).toBeCloseTo(joint[2]!.get("a")!, 9);
  });

  it("shares the usual answers' part among them, and a higher share leaves less to the others", () => {
    const now = beliefs({ a: 0.5 });
    const modest = answerModel(now, [now, now, now], [0, 1]);
    expect(modest[0]!.get("a")!).toBeCloseTo(modest[1]!.get("a")!, 9);
    expect(modest[0]!.get("a")! + modest[1]!.get("a")!).toBeCloseTo(0.6, 9);
    expect(answerModel(now, [now, now, now], [0, 1], 0.9)[2]!.get("a")!).toBeCloseTo(0.1, 9);
  });

  it("keeps a distribution when some cause is ruled out by every answer", () => {
    const now = beliefs({ a: 0.4, b: 0.4 });
    const joint = answerModel(now, [beliefs({ a: 0.4, b: 0 }), beliefs({ a: 0.4, b: 0 })]);
    expect(total(joint)).toBeCloseTo(1, 6);
    expect(informationGain(joint)).toBeCloseTo(0, 6);
  });

  it("counts the chance of a piece for the fault from the answers that would add one", () => {
    const now = beliefs({ a: 0.5, b: 0.5 });
    const joint = answerModel(now, [beliefs({ a: 0.5, b: 0 }), beliefs({ a: 0, b: 0.5 })]);
    expect(expectedPiece(joint, [new Set(["a"]), new Set()])).toBeCloseTo(0.5, 6);
    expect(expectedPiece(joint, [new Set(["a"]), new Set(["b"])])).toBeCloseTo(1, 6);
    expect(expectedPiece(joint, [new Set(["b"]), new Set(["a"])])).toBeCloseTo(0, 6);
  });
});

describe("which questions the chooser counts as useful", () => {
  const chooser = makeChooser(shippedFlow, { ...shipped, causeIds: [...causes] });

  it("does not put a cause a probe examined and found clean to a person to overturn", () => {
    const answers = { symptom: "random-logout", architecture: "cookie" };
    const holds = sessionHolds(1);
    expect(chooser.usefulness(diagnosisOf(answers, [holds]), "keys-shared").separates).not.toContain("key-mismatch");
    // Without the probe's look, keys that differ would raise the suspicion: the question separates it.
    expect(chooser.usefulness(diagnosisOf(answers), "keys-shared").separates).toContain("key-mismatch");
  });
});

describe("when a named cause is put to the test", () => {
  const chooser = makeChooser(shippedFlow, { ...shipped, causeIds: [...causes] });
  it("passes over a question whose overturning answer is far-fetched, and says so", () => {
    // Connection errors that come after quiet spells: a Cluster the client does not follow would change the verdict,
    // but its MOVED errors are what the person just said the logs do not show.
    const dropped = {
      symptom: "random-logout",
      architecture: "external-store",
      "store-errors": "errors",
      "loss-timing": "after-quiet",
    };
    expect(chooser.usefulness(diagnosisOf(dropped), "store-cluster")).toMatchObject({ score: 0, unlikely: true });
  });

  it("still asks the question whose answer plausibly overturns it", () => {
    const heavy = {
      symptom: "random-logout",
      architecture: "external-store",
      "loss-timing": "busy-times",
      "affected-users": "heaviest",
    };
    const u = chooser.usefulness(diagnosisOf(heavy), "session-size");
    expect(u.score).toBeGreaterThan(0);
    expect(u.unlikely).toBeUndefined();
  });

  it("asks what would raise a rival the evidence already suspects, however rare that answer", () => {
    // A dropped session cookie behind TLS offload names the cookie's attributes; the same dropped cookie is what a
    // node's clock behind would cause, and a cookie that arrives expired says so.
    const dropped = {
      symptom: "random-logout",
      architecture: "external-store",
      "cookie-sent": "no",
      "cookie-context": "tls-offload",
    };
    const ctx = diagnosisOf(dropped);
    const u = chooser.usefulness(ctx, "cookie-expired");
    expect(u.unlikely).toBeUndefined();
    expect(u.score).toBeGreaterThan(0);
  });

  it("asks what would leave the verdict open between suspects, as for one that would name a rival", () => {
    // A route answer names jvm-route on a replicating Tomcat; a balancer that is not sticky would undo it and leave
    // the oversized request and users moving between backends suspected, no cause named.
    const routed = {
      symptom: "request-too-large",
      architecture: "in-memory-replication",
      "jvm-route": "no",
      "affinity-holds": "no",
    };
    const u = chooser.usefulness(diagnosisOf(routed), "lb-sticky");
    expect(u.unlikely).toBeUndefined();
    expect(u.score).toBeGreaterThan(0);
  });
});

describe("with nothing suspected yet", () => {
  const chooser = makeChooser(shippedFlow, { ...shipped, causeIds: [...causes] });
  const pool = (shippedFlow.nodes.questions as { questions: string[] }).questions;

  it("asks a question that could end the diagnosis before one that would tell more causes apart", () => {
    const ctx = diagnosisOf({ symptom: "logout-after-login", architecture: "cookie", "id-regeneration": "no" }, [
      sessionHolds(2),
    ]);
    const useful = pool.filter((q) => chooser.eligible(ctx, q)).map((q) => ({ q, u: chooser.usefulness(ctx, q) }));
    const mostInformative = useful.reduce((a, b) => (b.u.gain > a.u.gain ? b : a));
    expect(mostInformative.u.concludes).toBeUndefined();
    const next = chooser.next(ctx, pool)!.id;
    expect(next).not.toBe(mostInformative.q);
    expect(chooser.usefulness(ctx, next).concludes).toBe(true);
  });
});

describe("a CSRF complaint with the session cookie coming back", () => {
  const chooser = makeChooser(shippedFlow, { ...shipped, causeIds: [...causes] });
  const held = sessionHolds(2);
  const answers = {
    symptom: "csrf-errors",
    architecture: "cookie",
    "id-regeneration": "no",
    "cookie-sent": "yes",
  };

  it("is no all-clear, and asks about the token's own cookie, which can end the diagnosis", () => {
    const ctx = diagnosisOf(answers, [held]);
    const pool = (shippedFlow.nodes.questions as { questions: string[] }).questions;
    expect(chooser.next(ctx, pool)?.id).toBe("token-cookie-sent");
    expect(chooser.usefulness(ctx, "token-cookie-sent").concludes).toBe(true);
  });
});

describe("with measurements that fit two causes alike", () => {
  const chooser = makeChooser(shippedFlow, { ...shipped, causeIds: [...causes] });
  const pool = (shippedFlow.nodes.questions as { questions: string[] }).questions;

  it("asks what tells those two apart before what would sort the causes nothing measured points at", () => {
    // Sessions lost through a round-robin balancer, on nodes that do not know each other's sessions: node memory
    // without affinity, or keys that differ. What users see would sort many causes; where sessions live settles these.
    const ctx = diagnosisOf({}, [
      probeEvidence("http.continuity", "session-lost", {
        requests: 12,
        anonymous: 6,
        replaced: 0,
        backends: 2,
        rotatedAtLogin: false,
        movedOffOrigin: false,
      }),
      probeEvidence("http.nodes", "cross-node-unknown"),
    ]);
    ctx.facts["session-continuity"] = { value: "lost", source: "probe", from: "http-continuity" };
    ctx.facts["cross-node"] = { value: "not-recognised", source: "probe", from: "http-nodes" };
    ctx.facts["lb-sticky"] = { value: "no", source: "probe", from: "http-continuity" };
    ctx.facts["affinity-cookie"] = { value: "no", source: "probe", from: "http-continuity" };
    const next = chooser.next(ctx, pool)!;
    expect(["architecture", "keys-shared"]).toContain(next.id);
    expect(next.separates).toEqual(expect.arrayContaining(["lb-affinity", "key-mismatch"]));
    expect(chooser.usefulness(ctx, "symptom").gain).toBeLessThan(chooser.usefulness(ctx, next.id).gain);
  });
});

describe("with the probes' look done, nothing suspected and a few causes they could not reach", () => {
  const chooser = makeChooser(shippedFlow, { ...shipped, causeIds: [...causes] });
  const pool = (shippedFlow.nodes.questions as { questions: string[] }).questions;

  it("asks first what a system without the fault most likely settles with its usual answer", () => {
    // The URL and the store only, as a new user gives them: sessions held for seven users, the one obtained through
    // the balancer is in the store, the store is healthy. No node: the clocks and serialization were not looked at.
    const observed: Array<[string, string, Evidence["data"]?]> = [
      ["redis.info", "memory", { usedMemory: 1154920, maxMemory: 0, policy: "noeviction", ratio: 0 }],
      ["redis.info", "clients", { connected: 7, maxClients: 10000, blocked: 0 }],
      ["redis.info", "no-flushes", { restarted: false, uptimeSeconds: 3 }],
      ["redis.info", "not-cluster"],
      ["redis.info", "replication", { role: "master", replicas: 0, minReplicasToWrite: 0 }],
      ["http.continuity", "no-affinity", { backends: 0 }],
      ["http.continuity", "session-holds", { requests: 24, anonymous: 0, replaced: 0, backends: 0 }],
      ["http.continuity", "visitors-distinct"],
      ["http.cookie-headers", "cookie-names-unique", { requests: 2 }],
      ["http.cookie-headers", "cookies-within-limit", { bytes: 93, cookies: 1, limit: 8192, accepted: 4096 }],
      ["redis.lookup", "balancer-session-in-store"],
      ["http.parallel", "session-left-alone", { requests: 4, reissued: 0, distinct: 0, carried: false }],
      ["redis.writes", "writes-on-change", { reads: 30, writes: 10, lockReleases: 0, ratio: 0.33 }],
      ["redis.sessions", "counters-steady", { seconds: 1 }],
      ["redis.sessions", "ttl", { ttlP50Seconds: 28799, lifetimeSeconds: 28801, idleTimeoutSeconds: 28800 }],
      ["redis.sessions", "sizes", { p50Bytes: 264, p95Bytes: 264, maxBytes: 264, over100k: 0, sampled: 20 }],
    ];
    const ctx = diagnosisOf(
      { symptom: "random-logout" },
      observed.map(([probe, id, data]) => probeEvidence(probe, id, data)),
    );
    const facts = {
      architecture: "external-store",
      "session-continuity": "holds",
      "sessions-in-store": "yes",
      "affinity-cookie": "no",
      "cookie-sent": "yes",
      "store-evictions": "no",
      "store-replica": "no",
      "store-cluster": "no",
      "session-size": "no",
      "session-cached": "no",
      "header-errors": "no",
      "duplicate-cookie": "no",
      "session-locking": "no",
      "ttl-vs-timeout": "no",
    };
    for (const [fact, value] of Object.entries(facts)) ctx.facts[fact] = { value, source: "probe", from: "lab" };
    const next = chooser.next(ctx, pool)!.id;
    const settles = (q: string) => chooser.usefulness(ctx, q).settles ?? 0;
    // What users lose would sort the causes already examined; whether the cookie arrives expired or serialization
    // fails is what settles the two left open.
    expect(next).not.toBe("loss-extent");
    expect(settles(next)).toBeGreaterThan(settles("loss-extent"));
    expect(chooser.usefulness(ctx, "loss-extent").gain).toBeGreaterThan(chooser.usefulness(ctx, next).gain);
  });
});
