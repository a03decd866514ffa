/** INFO text → field map (all sections flattened; later sections never reuse a field name). */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (!line || line.startsWith("#")) continue;
    const i = line.indexOf(":");
    if (i > 0) fields.set(line.slice(0, i), line.slice(i + 1));
  }
  return fields;
}

export function num(info: Map<string, string>, field: string): number | undefined {
  const v = info.get(field);
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/** `slave0:ip=…,port=…,state=online,offset=…,lag=…` → { ip, port, state, offset, lag } */
export function parseInfoList(value: string): Record<string, string> {
  return Object.fromEntries(value.split(",").map((kv) => kv.split("=") as [string, string]));
}
