import type { Targets } from "../../model/targets.js";
import type { PlannedRequest } from "../types.js";
import { displayUrl } from "./client.js";

type HttpPlan = Extract<PlannedRequest, { kind: "http" }>;

/** A GET of `path` on `base`, shown without credentials or query. */
export function plannedGet(
  base: string,
  path: string,
  times: string,
  opts: { followsRedirects?: boolean; note?: string } = {},
): HttpPlan {
  return {
    kind: "http",
    method: "GET",
    url: displayUrl(new URL(path, base)),
    times,
    followsRedirects: opts.followsRedirects ?? true,
    ...(opts.note ? { note: opts.note } : {}),
  };
}

/**
 * The sign-in request `obtainSession` sends on `base`: the configured login (its field names, each value shown as the
 * environment variable it comes from, or masked), else a GET of the session path.
 */
export function plannedSignIn(t: Targets, base: string, times: string, note?: string): HttpPlan {
  if (!t.login) return plannedGet(base, t.sessionPath!, times, { note: note ?? "sign-in" });
  const { method, path, form, json } = t.login;
  const fields = Object.entries(json ?? form ?? {})
    .map(([k, v]) => `${k}=${/^\$\{\w+\}$|^\$\w+$/.test(v) ? v : "***"}`)
    .join(" ");
  const body = json ? `JSON ${fields}` : method === "GET" ? "" : `form ${fields}`;
  return {
    kind: "http",
    method,
    url: displayUrl(new URL(path, base)),
    times,
    followsRedirects: true,
    note: [note ?? "sign-in", body].filter(Boolean).join(": "),
  };
}

/** How often, in words: "once", "2 times", "up to 12 times". */
export function times(n: number, upTo = false): string {
  if (n === 1 && !upTo) return "once";
  return `${upTo ? "up to " : ""}${n} time${n === 1 ? "" : "s"}`;
}
