import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FakeSlack } from "../helpers/fake-slack.js";
import { startSlackApp, type SlackApp } from "../helpers/slack.js";

/** The real app (`sessiondoc slack`) with this sessiondoc.yaml, pointed at the fake Web API. */
export async function appWithConfig(
  fake: FakeSlack,
  yaml: string,
  env: Record<string, string> = {},
): Promise<SlackApp> {
  const file = join(mkdtempSync(join(tmpdir(), "sessiondoc-security-")), "sessiondoc.yaml");
  writeFileSync(file, yaml);
  return startSlackApp(fake, { SESSIONDOC_CONFIG: file, ...env });
}

/** The most memory the process ever held (VmHWM), in MB. */
export function peakMemoryMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

export function currentMemoryMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Audit log lines of the app. */
export function auditOf(app: SlackApp): Array<Record<string, unknown>> {
  return app.logs.flatMap((l) => {
    try {
      const entry = JSON.parse(l) as Record<string, unknown>;
      return entry.audit ? [entry] : [];
    } catch {
      return [];
    }
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
