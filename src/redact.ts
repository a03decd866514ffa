// Secrets never leave the process in messages or logs: credentials in URLs, secret-looking key=value pairs,
// bearer and Slack tokens, and opaque ids (session ids, UUIDs) in free text such as pasted log lines.

const MASK = "***";

const rules: Array<[RegExp, string]> = [
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi, `$1${MASK}@`],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g, `$1 ${MASK}`],
  [/\bxox[abeoprs]-[A-Za-z0-9-]+/g, `xox-${MASK}`],
  [
    /\b(password|passwd|pwd|secret|token|api[_-]?key|authorization|cookie|set-cookie|session[_ -]?id|sessionid|sid|jsessionid|connect\.sid|phpsessid|laravel_session|asp\.net_sessionid|\.aspnetcore\.session)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s;,&]+)/gi,
    `$1$2${MASK}`,
  ],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, MASK],
  // Long runs mixing letters and digits are ids or keys, not words or class names.
  [/(?<![\w.])(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{24,}(?![\w.])/g, MASK],
];

export function redactText(text: string): string {
  return rules.reduce((t, [re, replacement]) => t.replace(re, replacement), text);
}

/** A URL fit for display: password removed (the user name stays, it helps tell ACL users apart). */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = MASK;
    const query = url.search ? "?…" : "";
    url.search = "";
    url.hash = "";
    return url.toString() + query;
  } catch {
    return redactText(raw);
  }
}
