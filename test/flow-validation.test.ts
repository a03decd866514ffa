import { describe, expect, it } from "vitest";
import { DataFileError, type DataProblem } from "../src/data/load-yaml.js";
import { flowJsonSchema } from "../src/flows/json-schema.js";
import { readFileSync } from "node:fs";
import { flowFromText } from "./helpers/definitions.js";

function problemsOf(text: string): DataProblem[] {
  try {
    flowFromText(text, undefined, "flows/broken.yaml");
  } catch (err) {
    if (err instanceof DataFileError) return err.problems;
    throw err;
  }
  throw new Error("the flow was accepted");
}

const header = "id: broken\ntitle: Broken\nstart: first\nnodes:\n";

describe("flow validation names the file, the path and the problem", () => {
  it("accepts a well-formed flow", () => {
    const loaded = flowFromText(
      `${header}  first:\n    kind: question\n    text: Q?\n    choices:\n      - { value: a, label: A }\n      - { value: b, label: B }\n    next: end\n  end:\n    kind: conclusion\n`,
    );
    expect(loaded.version).toMatch(/^[0-9a-f]{12}$/);
  });

  const cases: Array<[string, string, string, number, RegExp]> = [
    [
      "a dangling target",
      `${header}  first:\n    kind: question\n    text: Q?\n    choices:\n      - { value: a, label: A, next: nowhere }\n      - { value: b, label: B }\n    next: end\n  end:\n    kind: conclusion\n`,
      "nodes.first.choices[0].next",
      9,
      /target "nowhere" does not exist/,
    ],
    [
      "an unknown probe",
      `${header}  first:\n    kind: probe\n    probe: redis.magic\n    next: end\n  end:\n    kind: conclusion\n`,
      "nodes.first.probe",
      7,
      /unknown probe "redis.magic"/,
    ],
    [
      "an unreachable node",
      `${header}  first:\n    kind: probe\n    probe: test.hangs\n    next: end\n  orphan:\n    kind: conclusion\n  end:\n    kind: conclusion\n`,
      "nodes.orphan",
      10,
      /cannot be reached from start "first"/,
    ],
    [
      "a cycle",
      `${header}  first:\n    kind: probe\n    probe: test.hangs\n    next: second\n  second:\n    kind: probe\n    probe: test.hangs\n    next: first\n`,
      "nodes.second.next",
      12,
      /cycle: first → second → first/,
    ],
    [
      "an unknown cause",
      `${header}  first:\n    kind: question\n    text: Q?\n    informs: [gremlins]\n    choices:\n      - { value: a, label: A }\n      - { value: b, label: B }\n    next: end\n  end:\n    kind: conclusion\n`,
      "nodes.first.informs[0]",
      8,
      /unknown cause "gremlins"/,
    ],
    [
      "a fact nothing sets",
      `${header}  first:\n    kind: probe\n    probe: test.hangs\n    next: end\n    branches:\n      - when: { fact: moon-phase, equals: full }\n        next: end\n  end:\n    kind: conclusion\n`,
      "nodes.first.branches[0].when.fact",
      10,
      /fact "moon-phase" is never set/,
    ],
    [
      "a missing next (dead end)",
      `${header}  first:\n    kind: question\n    text: Q?\n    choices:\n      - { value: a, label: A }\n      - { value: b, label: B }\n  end:\n    kind: conclusion\n`,
      "nodes.first.next",
      6,
      /expected string/i,
    ],
    [
      "a bad text pattern example",
      `${header}  first:\n    kind: question\n    text: Timeout?\n    input: { kind: text, pattern: "^[0-9]+m$", hint: minutes, example: soon }\n    next: end\n  end:\n    kind: conclusion\n`,
      "nodes.first.input.example",
      8,
      /example "soon" does not match/,
    ],
    [
      "a start that does not exist",
      "id: broken\ntitle: Broken\nstart: nope\nnodes:\n  end:\n    kind: conclusion\n",
      "start",
      3,
      /start node "nope" does not exist/,
    ],
  ];

  for (const [name, text, path, line, message] of cases) {
    it(`rejects ${name}`, () => {
      const problems = problemsOf(text);
      const match = problems.find((p) => formatPathOf(p) === path);
      expect(match, JSON.stringify(problems)).toBeDefined();
      expect(match!.file).toBe("flows/broken.yaml");
      expect(match!.line).toBe(line);
      expect(match!.message).toMatch(message);
    });
  }

  it("reports broken YAML with its line", () => {
    const [problem] = problemsOf(`${header}  first:\n    kind: question\n    text: a: b: c\n`);
    expect(problem!.line).toBe(7);
    expect(problem!.message).toMatch(/^invalid YAML/);
  });
});

describe("JSON Schema for editors", () => {
  it("flows/flow.schema.json is the schema the code exports (regenerate with `sessiondoc flows schema`)", () => {
    const committed = JSON.parse(readFileSync(new URL("../flows/flow.schema.json", import.meta.url), "utf8"));
    expect(committed).toEqual(flowJsonSchema());
    expect(committed.properties.nodes).toBeDefined();
  });
});

function formatPathOf(p: DataProblem): string {
  return p.path.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
}
