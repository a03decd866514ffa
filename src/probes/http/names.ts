import { createHash } from "node:crypto";

/**
 * Well-known session cookie names and the stack each implies (a value of the flow's `stack` question). A shortcut
 * only: the probes infer the session cookie from behaviour, whatever its name.
 */
export const KNOWN_SESSION_COOKIES: ReadonlyArray<{ test: RegExp; stack: string }> = [
  { test: /^connect\.sid$/, stack: "express" },
  { test: /^JSESSIONID$/, stack: "java-tomcat" },
  { test: /^SESSION$/, stack: "java-spring-session" },
  { test: /^\.AspNetCore\.Session$/, stack: "aspnet-core" },
  { test: /^ASP\.NET_SessionId$/, stack: "other" },
  { test: /^PHPSESSID$/, stack: "php" },
  { test: /^laravel_session$/, stack: "php" },
  { test: /^sessionid$/, stack: "python" },
  { test: /^_[A-Za-z0-9-]+_session$/, stack: "ruby" },
];

/**
 * Session values whose shape tells the stack whatever the cookie is called, and before its name does (an express
 * session may be called `sessionid`): cookie-signature's `s:<id>.<signature>` (sent URL-encoded), as express-session
 * and cookie-parser sign on Node.js, and the magic header 09 F0 C9 F0 of ASP.NET Core's Data Protection payloads,
 * `CfDJ8` in base64url.
 */
const SESSION_VALUE_SHAPES: ReadonlyArray<{ test: RegExp; stack: string }> = [
  { test: /^s(%3[Aa]|:)[^.]+\.[A-Za-z0-9+/%_-]{20,}$/, stack: "express" },
  { test: /^CfDJ8[A-Za-z0-9_-]{40,}$/, stack: "aspnet-core" },
];

/** The stack a session cookie tells, by the shape of its value or else by its well-known name. */
export function stackOfCookie(name: string, value = ""): string | undefined {
  return (
    SESSION_VALUE_SHAPES.find((s) => s.test.test(value))?.stack ??
    KNOWN_SESSION_COOKIES.find((s) => s.test.test(name))?.stack
  );
}

/** `backend` names the backend without revealing the cookie's value: a decoded address, or a stable short label. */
export type Affinity = { product: string; cookie: string; value: string; backend?: string };

/**
 * A cookie value shown as a backend's name would put the value itself in chat, logs and the store; a short digest
 * tells backends apart just as well (the same value gives the same label) and reveals nothing.
 */
export function backendLabel(cookie: string, value: string): string {
  return `${cookie}#${createHash("sha256").update(`${cookie}=${value}`).digest("hex").slice(0, 6)}`;
}

/**
 * Whether an affinity cookie is a token the balancer re-issues on every answer (AWS ALB encrypts AWSALB afresh each
 * time) rather than a backend's name: a name takes at most one value per backend, so a value that never comes back,
 * over more answers than there are backends, names none of them. `nodes` is 0 when the backends are not known.
 */
export function reissuedEveryAnswer(values: string[], nodes: number): boolean {
  const seen = values.filter(Boolean);
  return seen.length >= 4 && new Set(seen).size === seen.length && seen.length > nodes;
}

const AFFINITY: Array<{ test: RegExp; product: string; decode?: (v: string) => string | undefined }> = [
  { test: /^(SRV|SERVERID|SERVER|BACKEND)$/i, product: "HAProxy (cookie insert)" },
  { test: /^AWSALB(CORS)?$|^AWSALBAPP-\d+$|^AWSELB$/, product: "AWS load balancer" },
  { test: /^GCLB$|^GSSA$/, product: "Google Cloud load balancer" },
  { test: /^ApplicationGatewayAffinity(CORS)?$/, product: "Azure Application Gateway" },
  { test: /^ARRAffinity(SameSite)?$/, product: "Azure App Service (ARR)" },
  { test: /^BIGipServer/, product: "F5 BIG-IP", decode: decodeBigIp },
  { test: /^INGRESSCOOKIE$|^route$/, product: "ingress-nginx" },
  { test: /^_[0-9a-f]{16}$|^_TRAEFIK_BACKEND$/, product: "Traefik" },
  { test: /^(srv_id|sticky|route_id)$/i, product: "nginx Plus (sticky cookie)" },
  { test: /^(envoy|stateful)[-_]?session$/i, product: "Envoy stateful session", decode: decodeEnvoy },
];

/**
 * A load-balancer affinity cookie by its name (or the configured name), with the backend it names: the address it
 * encodes where the product encodes one (F5, Envoy), else a label derived from the value.
 */
export function recogniseAffinity(name: string, value: string, configured?: string): Affinity | undefined {
  const known =
    configured && name === configured
      ? { product: "configured affinity cookie" }
      : AFFINITY.find((a) => a.test.test(name));
  if (!known) return undefined;
  const decoded = "decode" in known && known.decode ? known.decode(value) : undefined;
  return { product: known.product, cookie: name, value, backend: decoded ?? backendLabel(name, value) };
}

/** F5 `BIGipServer<pool>=1677787402.36895.0000` → "10.1.1.100:8080": the address in little-endian, the port byte-swapped. */
export function decodeBigIp(value: string): string | undefined {
  const m = /^(\d+)\.(\d+)\.0000$/.exec(value);
  if (!m) return undefined;
  const ip = Number(m[1]);
  const port = Number(m[2]);
  const octets = [ip & 0xff, (ip >>> 8) & 0xff, (ip >>> 16) & 0xff, (ip >>> 24) & 0xff];
  return `${octets.join(".")}:${((port & 0xff) << 8) | (port >>> 8)}`;
}

/** Envoy's stateful session cookie is Base64 of "ip:port". */
function decodeEnvoy(value: string): string | undefined {
  const text = Buffer.from(value, "base64").toString("utf8");
  return /^[\d.:[\]a-f]+:\d+$/i.test(text) ? text : undefined;
}
