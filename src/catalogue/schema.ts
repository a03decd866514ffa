import { z } from "zod";

/** The twelve causes of the troubleshooting guide, in its order. A public contract: ids never change. */
export const CORE_CAUSE_IDS = [
  "lb-affinity",
  "key-mismatch",
  "serialization",
  "session-size",
  "ttl-mismatch",
  "clock-skew",
  "node-flapping",
  "replication",
  "id-regeneration",
  "store-capacity",
  "cookie-attributes",
  "jvm-route",
] as const;

export const STACKS = [
  "express",
  "tomcat",
  "spring-session",
  "aspnet-core",
  "php",
  "django",
  "flask",
  "rails",
  "redis",
  "nginx",
  "haproxy",
  "apache",
] as const;
export const Stack = z.enum(STACKS);
export type Stack = z.infer<typeof Stack>;

const text = z.string().trim().min(1);

export const Snippet = z.strictObject({
  stack: Stack,
  title: text,
  language: text,
  code: text,
});
export type Snippet = z.infer<typeof Snippet>;

export const Cause = z.strictObject({
  id: z.string().regex(/^[a-z][a-z0-9-]*$/, "cause ids are lower-case words joined by hyphens"),
  title: text.max(80),
  summary: text,
  symptoms: z.array(text).min(1),
  confirms: z.array(text).min(1),
  rulesOut: z.array(text).min(1),
  fixes: z.array(text).min(1),
  snippets: z.array(Snippet).min(1),
});
export type Cause = z.infer<typeof Cause>;

export const Catalogue = z.strictObject({ causes: z.array(Cause).min(1) }).superRefine(({ causes }, ctx) => {
  const seen = new Set<string>();
  causes.forEach((c, i) => {
    if (seen.has(c.id))
      ctx.addIssue({ code: "custom", path: ["causes", i, "id"], message: `duplicate cause id "${c.id}"` });
    seen.add(c.id);
  });
  for (const id of CORE_CAUSE_IDS) {
    if (!seen.has(id)) ctx.addIssue({ code: "custom", path: ["causes"], message: `core cause "${id}" is missing` });
  }
});
export type Catalogue = z.infer<typeof Catalogue>;
