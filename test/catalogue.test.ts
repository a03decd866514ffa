import { describe, expect, it } from "vitest";
import { parseYaml, validateYaml, type DataFileError } from "../src/data/load-yaml.js";
import { CORE_CAUSE_IDS, Catalogue } from "../src/catalogue/schema.js";
import { catalogue } from "./helpers/definitions.js";

describe("the cause catalogue", () => {
  it("has the twelve contract ids in the guide's order", () => {
    expect(catalogue.causes.slice(0, 12).map((c) => c.id)).toEqual([...CORE_CAUSE_IDS]);
  });

  it("gives every cause symptoms, evidence both ways, fixes and snippets", () => {
    for (const c of catalogue.causes) {
      expect(c.symptoms.length, c.id).toBeGreaterThan(0);
      expect(c.confirms.length, c.id).toBeGreaterThan(0);
      expect(c.rulesOut.length, c.id).toBeGreaterThan(0);
      expect(c.fixes.length, c.id).toBeGreaterThan(0);
      expect(c.snippets.length, c.id).toBeGreaterThan(0);
    }
  });

  it("covers every stack users run somewhere in its snippets", () => {
    const stacks = new Set(catalogue.causes.flatMap((c) => c.snippets.map((s) => s.stack)));
    expect([...stacks].sort()).toEqual([
      "aspnet-core",
      "express",
      "haproxy",
      "nginx",
      "php",
      "redis",
      "spring-session",
      "tomcat",
    ]);
  });

  it("rejects a catalogue that drops a core cause or repeats an id", () => {
    const one = catalogue.causes[0]!;
    const text = JSON.stringify({ causes: [one, one] });
    try {
      validateYaml(parseYaml(text, "causes.yaml"), Catalogue);
      expect.unreachable();
    } catch (err) {
      const messages = (err as DataFileError).problems.map((p) => p.message);
      expect(messages).toContain(`duplicate cause id "${one.id}"`);
      expect(messages).toContain('core cause "jvm-route" is missing');
    }
  });
});
