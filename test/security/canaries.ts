/**
 * Secrets in the forms people paste: each line carries one canary value that must never be seen again, and each
 * starts with an error that a log signature matches (so the line becomes an evidence excerpt).
 */
export type Canary = { form: string; secret: string; line: string };

const ERROR = "ReplyError: READONLY You can't write against a read only replica.";

function canary(form: string, secret: string, render: (s: string) => string): Canary {
  return { form, secret, line: `${ERROR} ${render(secret)}` };
}

export const CANARIES: Canary[] = [
  canary("JSON password", "pw-Canary01", (s) => `{"user":"app","password": "${s}"}`),
  canary("JSON sessionId", "Canary02sid", (s) => `{"sessionId": "${s}", "path": "/cart"}`),
  canary("Redis AUTH password", "hunterCanary03", (s) => `AUTH ${s}`),
  canary("Redis AUTH user password", "Canary04pw", (s) => `AUTH default ${s}`),
  canary("Cookie header, any name", "Zq8Canary05xLm2", (s) => `Cookie: theme=dark; mysess=${s}`),
  canary("cookie in free text", "Canary06Rt9uYhB3", (s) => `request had mysess=${s} attached`),
  canary("x-api-key, space separated", "k7Canary07Qw", (s) => `x-api-key ${s}`),
  canary("X-Api-Key header", "Canary08plain", (s) => `X-Api-Key: ${s}`),
  canary("passphrase=", "correct-horse-Canary09", (s) => `passphrase=${s}`),
  canary("URL with user and password", "Canary10pw", (s) => `redis://probe:${s}@cache.internal:6379/0`),
  canary("URL with a token as user", "ghCanary11tokenAbcDef0123", (s) => `https://${s}@git.example.com/repo`),
  canary("Bearer token", "Canary12.payload.sig", (s) => `Authorization: Bearer ${s}`),
  canary("Basic credentials", "dXNlcjpDYW5hcnkxMw==", (s) => `Authorization: Basic ${s}`),
  canary("query string token", "Canary14qs", (s) => `GET /cb?state=1&access_token=${s}&x=2`),
  canary("Set-Cookie connect.sid", "s%3ACanary15abc.Sig15xyz", (s) => `Set-Cookie: connect.sid=${s}; Path=/; HttpOnly`),
  canary("JSESSIONID with route", "8F3A9C2B1D4E5F60718293A4CA15A016", (s) => `JSESSIONID=${s}.node1`),
  canary("Slack bot token", "xoxb-1717-Canary17", (s) => `token ${s}`),
  canary("JWT", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJDYW5hcnkxOCJ9.c2lnMTg", (s) => `jwt=${s}`),
  canary("AWS access key id", "AKIACANARY19ABCDEFGH", (s) => `aws key ${s} used`),
  canary(
    "private key block",
    "MIIEcanary20PRIVATEkeyBODY",
    (s) => `-----BEGIN RSA PRIVATE KEY-----${s}-----END RSA PRIVATE KEY-----`,
  ),
  canary("YAML client_secret", "Canary21secret", (s) => `client_secret: ${s}`),
  canary("XML password element", "Canary22xml", (s) => `<password>${s}</password>`),
  canary("Redis requirepass", "Canary23rp", (s) => `requirepass ${s}`),
  canary("env DB_PASSWORD", "Canary24env", (s) => `DB_PASSWORD=${s}`),
  canary("command-line --password", "Canary25cli", (s) => `redis-cli --password ${s} ping`),
  canary("PHP array api_key", "Canary26php", (s) => `'api_key' => '${s}'`),
  canary("PHPSESSID", "canary27phpsess9a8b7c6d5e", (s) => `PHPSESSID=${s}`),
  canary("GitHub token", "ghp_Canary28aaaaaaaaaaaaaaaaaaaaaaaaaaaa", (s) => `using ${s}`),
  canary("session id UUID", "0c4a7e2b-28b1-4c5e-9a77-ca9a2e000029", (s) => `session ${s} expired`),
  canary("Django sessionid", "canary30djangosess1q2w3e", (s) => `sessionid=${s}`),
  canary("JSON password with escaped quote", 'Can\\"ary31', (s) => `{"password":"${s}"}`),
];

/** Whether text still shows the canary's secret, or any part of it that carries its marker. */
export function leaks(text: string, c: Canary): boolean {
  const marker = /canary\d\d/i.exec(c.secret)?.[0];
  return text.includes(c.secret) || (marker !== undefined && text.toLowerCase().includes(marker.toLowerCase()));
}
