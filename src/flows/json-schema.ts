import { z } from "zod";
import { Flow } from "./schema.js";

/** The JSON Schema of flow files, for editors (`# yaml-language-server: $schema=flow.schema.json`). */
export function flowJsonSchema(): object {
  return {
    ...z.toJSONSchema(Flow, { io: "input", unrepresentable: "any" }),
    title: "sessiondoc flow",
    description: "A decision tree that sessiondoc compiles to an XState machine. See README: Flows.",
  };
}
