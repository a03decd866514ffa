// Secrets never leave the process in messages or logs. Pasted text is masked by shape, not by a list of known
// names: any key that reads like a credential or a session identifier (in JSON, key=value, headers, query strings,
// cookies, XML, command lines), credentials in URLs, authorization schemes, Redis AUTH, private keys, well-known
// token formats, and long random-looking values wherever they stand.

const MASK = "***";

/** Keys whose values are secrets whatever they look like (compared lower-case, without separators). */
const SECRET_KEY =
  /pass(word|wd|phrase)?|pwd|secret|token|apikey|accesskey|privatekey|credential|authorization|signature|jwt|bearer|requirepass|masterauth|^x?auth$|sess(ion)?(id|key|token)|^sid$|^session$/;
/** Keys whose values are secrets when they look random (session ids, cookies, nonces). */
const ID_KEY = /sess|sid|cookie|csrf|xsrf|key|auth|nonce|otp|ticket|salt/;
/** Cookie attributes, which are not values to hide. */
const COOKIE_ATTRIBUTE = /^(path|domain|expires|max-age|samesite|secure|httponly|partitioned|priority)$/i;

const AUTH_SCHEME = /^(Bearer|Basic|Digest|Negotiate|NTLM)$/;

const QUOTED = String.raw`"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'`;
const VALUE = String.raw`${QUOTED}|[^\s,;&"'<>(){}\[\]]+`;
const KEY = String.raw`[A-Za-z_][\w.-]{0,63}`;
/** A word that names a credential, for "x-api-key VALUE" and "--password VALUE". */
const SECRET_WORD = String.raw`[\w.-]{0,30}?(?:pass(?:word|wd|phrase)?|pwd|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|credentials?|authorization|signature|jwt)[\w.-]{0,30}`;

function secrecy(key: string): "secret" | "id" | undefined {
  const k = key.toLowerCase().replace(/[^a-z0-9]/g, "");
  if (SECRET_KEY.test(k)) return "secret";
  if (ID_KEY.test(k)) return "id";
  return undefined;
}

/** Random-looking: long enough and mixing kinds of characters, unlike words, numbers and booleans. */
export function looksRandom(value: string): boolean {
  if (value.length < 8) return false;
  const letters = /[A-Za-z]/.test(value);
  const digits = /\d/.test(value);
  const mixedCase = /[a-z]/.test(value) && /[A-Z]/.test(value);
  const symbols = /[%+/=_.:-]/.test(value);
  return (letters && digits) || (mixedCase && symbols) || (value.length >= 20 && (mixedCase || digits));
}

const unquote = (v: string) => (/^["']/.test(v) ? v.slice(1, -1) : v);
const masked = (v: string) => (/^["']/.test(v) ? `${v[0]}${MASK}${v[0]}` : MASK);

function shouldMask(key: string, value: string, anyValue = true): boolean {
  const kind = secrecy(key);
  const v = unquote(value);
  if (!kind || v === "" || v === MASK || AUTH_SCHEME.test(v)) return false;
  return (kind === "secret" && anyValue) || looksRandom(v);
}

type Rule = [RegExp, string | ((...m: string[]) => string)];

const rules: Rule[] = [
  // PEM private keys, including a block cut off by the end of the text.
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, `-----${MASK} PRIVATE KEY-----`],
  // Credentials in URLs: scheme://user:password@ and scheme://token@.
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi, `$1${MASK}@`],
  [
    /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:/@]{16,})@/gi,
    (_m, scheme: string, user: string) => (looksRandom(user) ? `${scheme}${MASK}@` : `${scheme}${user}@`),
  ],
  // Authorization headers: the scheme stays, everything after it goes.
  [
    /\b((?:proxy-)?authorization["']?\s*[:=]\s*["']?)(?:([A-Za-z]+)\s+)?[^\s"',;]+[^\n"']*/gi,
    (_m, head: string, scheme?: string) => `${head}${scheme ? `${scheme} ` : ""}${MASK}`,
  ],
  [/\b(Bearer|Basic|Digest|Negotiate|NTLM)\s+[A-Za-z0-9._~+/=-]{6,}/g, `$1 ${MASK}`],
  // Cookie and Set-Cookie headers: every value, whatever the cookie's name.
  [
    /\b((?:set-)?cookie["']?\s*:\s*)([^\n]*)/gi,
    (_m, head: string, rest: string) =>
      head +
      rest.replace(/([^\s;=,"]+)=("[^"]*"|[^;,\s"]*)/g, (pair, name: string, value: string) =>
        COOKIE_ATTRIBUTE.test(name) || value === "" ? pair : `${name}=${MASK}`,
      ),
  ],
  // Redis AUTH [user] password, and password directives in Redis configuration.
  [/\bAUTH(["']?\s+)("[^"]*"|'[^']*'|\S+)(\s+("[^"]*"|'[^']*'|[^\s"']+))?/g, `AUTH$1${MASK}`],
  [/\b(requirepass|masterauth|identified by)(\s+)("[^"]*"|'[^']*'|\S+)/gi, `$1$2${MASK}`],
  // key=value, key: value, "key": "value", key => value — JSON, YAML, env, query strings, log fields.
  [
    new RegExp(String.raw`(["']?)(${KEY})\1(\s*(?:=>|[:=])(?!\/\/)\s*)(${VALUE})`, "g"),
    (m, q: string, key: string, sep: string, value: string) =>
      shouldMask(key, value) ? `${q}${key}${q}${sep}${masked(value)}` : m,
  ],
  // <password>value</password>
  [
    new RegExp(String.raw`<(${KEY})>([^<\n]*)</\1>`, "g"),
    (m, key: string, value: string) => (shouldMask(key, value) ? `<${key}>${MASK}</${key}>` : m),
  ],
  // x-api-key VALUE, --password VALUE: a credential's name, a space, then a random-looking value (any after --).
  [
    new RegExp(String.raw`(?<![\w.-])(--?)?(${SECRET_WORD})([ \t]+)(${VALUE})`, "gi"),
    (m, dashes: string | undefined, key: string, sp: string, value: string) =>
      value !== MASK && (dashes === "--" || looksRandom(unquote(value)))
        ? `${dashes ?? ""}${key}${sp}${masked(value)}`
        : m,
  ],
  // Well-known token formats.
  [/\bxox[a-z]-[A-Za-z0-9-]+|\bxapp-[A-Za-z0-9-]+/g, `xox-${MASK}`],
  [/\beyJ[\w-]{4,}\.[\w-]{4,}\.?[\w-]*/g, MASK],
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/g, MASK],
  [
    /\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|[sr]k_(live|test)_[A-Za-z0-9]{10,}|AIza[0-9A-Za-z_-]{30,})/g,
    MASK,
  ],
  // express-session's signed ids (s:<id>.<signature>, URL-encoded or not).
  [/\bs(%3A|:)[A-Za-z0-9_-]{8,}\.[A-Za-z0-9%+/=_-]+/g, MASK],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, MASK],
  [/\b[0-9a-f]{32,}\b/gi, MASK],
  // Long runs mixing letters and digits are ids or keys, not words or class names.
  [/(?<![\w.])(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{24,}(?![\w.])/g, MASK],
  [/(?<![\w+/])(?=[A-Za-z0-9+/]*\d)(?=[A-Za-z0-9+/]*[a-z])(?=[A-Za-z0-9+/]*[A-Z])[A-Za-z0-9+/]{32,}={0,2}/g, MASK],
];

export function redactText(text: string): string {
  return rules.reduce((t, [re, replacement]) => t.replace(re, replacement as never), text);
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
