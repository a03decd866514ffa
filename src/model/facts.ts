import { z } from "zod";

/** What a question's answer or a probe sets: a choice value, a number, or a yes/no. */
export const FactValue = z.union([z.string(), z.number(), z.boolean()]);
export type FactValue = z.infer<typeof FactValue>;

export type Facts = Readonly<Record<string, FactValue>>;

/** A test on one fact; exactly one operator. `data.<field>` names a field of the observation being weighed. */
export const Condition = z
  .strictObject({
    fact: z.string().min(1),
    equals: FactValue.optional(),
    in: z.array(FactValue).min(1).optional(),
    /** Holds when the fact is unknown or none of these. */
    notIn: z.array(FactValue).min(1).optional(),
    above: z.number().optional(),
    below: z.number().optional(),
    known: z.boolean().optional(),
  })
  .refine((c) => ["equals", "in", "notIn", "above", "below", "known"].filter((k) => k in c).length === 1, {
    message: "a condition needs exactly one of: equals, in, notIn, above, below, known",
  });
export type Condition = z.infer<typeof Condition>;

export function holds(cond: Condition, facts: Facts): boolean {
  const v = facts[cond.fact];
  if (cond.known !== undefined) return (v !== undefined) === cond.known;
  if (cond.notIn !== undefined) return v === undefined || !cond.notIn.includes(v);
  if (v === undefined) return false;
  if (cond.equals !== undefined) return v === cond.equals;
  if (cond.in !== undefined) return cond.in.includes(v);
  if (cond.above !== undefined) return typeof v === "number" && v > cond.above;
  if (cond.below !== undefined) return typeof v === "number" && v < cond.below;
  return false;
}

/** A condition, or several that must all hold. */
export const When = z.union([Condition, z.array(Condition).min(1)]);
export type When = z.infer<typeof When>;

export function conditionsOf(when: When | undefined): Condition[] {
  return when === undefined ? [] : Array.isArray(when) ? when : [when];
}

export function holdsAll(when: When | undefined, facts: Facts): boolean {
  return conditionsOf(when).every((c) => holds(c, facts));
}
