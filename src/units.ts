const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** "30m" → 1800, "45" → 45 (seconds), "2h" → 7200; undefined when it is not a duration. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+)\s*([smhd]?)\s*$/.exec(text);
  return m ? Number(m[1]) * UNITS[m[2] || "s"]! : undefined;
}

/** A duration fact, measured ("1800s") or answered ("30m", 1800), in seconds; undefined when it is none. */
export function durationOf(value: unknown): number | undefined {
  return typeof value === "string" ? parseDuration(value) : typeof value === "number" ? value : undefined;
}

/** 1800 → "30m", 5400 → "1h 30m", 42 → "42s". */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return [d && `${d}d`, h && `${h}h`, m && `${m}m`, rest && !d && !h ? `${rest}s` : ""].filter(Boolean).join(" ");
}

/** 1536 → "1.5 KB", 104857600 → "100 MB". */
export function formatBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v >= 100 ? Math.round(v) : Math.round(v * 10) / 10} ${units[i]}`;
}
