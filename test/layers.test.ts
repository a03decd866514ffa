import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";
import { projectPath } from "../src/paths.js";

// The project's own lint configuration, fed files that break the layers: the rule must reject them.
const eslint = new ESLint({ cwd: projectPath() });
const layerErrors = async (filePath: string, code: string) => {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === "local/layers").map((m) => m.message);
};

describe("the layers of src/", () => {
  it("rejects a probe that imports the engine or another probe family", async () => {
    const errors = await layerErrors(
      "src/probes/http/layered.ts",
      'import { makeProbeRunner } from "../../engine/probe-runner.js";\nimport { parseInfo } from "../redis/info.js";\nexport const both = [makeProbeRunner, parseInfo];\n',
    );
    expect(errors).toEqual([
      expect.stringContaining("src/probes/http may not import src/engine"),
      expect.stringContaining("src/probes/http may not import src/probes/redis"),
    ]);
  });

  it("rejects a door imported by the other door, lazily too", async () => {
    const errors = await layerErrors(
      "src/cli/layered.ts",
      'export const start = () => import("../slack/app.js");\nexport { slackEnv } from "../slack/env.js";\n',
    );
    expect(errors).toEqual([
      expect.stringContaining("src/cli may not import src/slack"),
      expect.stringContaining("src/cli may not import src/slack"),
    ]);
  });

  it("rejects the engine importing a door, and anything in src importing the lab", async () => {
    expect(await layerErrors("src/engine/layered.ts", 'import "../slack/blocks/ids.js";\n')).toEqual([
      expect.stringContaining("src/engine may not import src/slack"),
    ]);
    expect(await layerErrors("src/report/layered.ts", 'import "../lab/grade.js";\n')).toEqual([
      expect.stringContaining("src/report may not import src/lab"),
    ]);
  });

  it("accepts imports that point inward", async () => {
    const code =
      'import "../probes/index.js";\nimport "../store/memory.js";\nimport "../model/facts.js";\nimport "../log.js";\n';
    expect(await layerErrors("src/engine/layered.ts", code)).toEqual([]);
    expect(await layerErrors("src/lab/layered.ts", 'import "../slack/app.js";\n')).toEqual([]);
  });

  it("asks for a place in the table for a folder it does not know", async () => {
    expect(await layerErrors("src/engine/layered.ts", 'import "../unplaced/thing.js";\n')).toEqual([
      expect.stringContaining("src/unplaced/thing.js is in no layer"),
    ]);
  });
});
