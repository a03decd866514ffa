import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from "node:http";
import type { Logger } from "../log.js";
import type { DiagnosisStore } from "../store/types.js";

/** Slack's payloads are a few KB; a modal with pasted logs stays well under this. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** A request whose timestamp is further than this from the local clock, either way, is refused. */
export const MAX_CLOCK_SKEW_SECONDS = 300;
/** The whole request (headers and body) must arrive within this. */
const REQUEST_TIMEOUT_MS = 10_000;

/** A request signed by Slack has a buffered body (`rawBody`), which Bolt then reads instead of the stream. */
type Buffered = IncomingMessage & { rawBody?: Buffer };

function refuse(req: IncomingMessage, res: ServerResponse, status: number): void {
  // The rest of a refused body is not read: the connection is closed once the answer is out.
  res.writeHead(status, { connection: "close", "content-type": "text/plain" }).end(String(status));
  res.once("finish", () => req.destroy());
}

function validSignature(secret: string, timestamp: string, body: Buffer, signature: string): boolean {
  const expected = Buffer.from(
    `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:`).update(body).digest("hex")}`,
  );
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Whether Bolt can read the body: a JSON object, or a form whose `payload` (if any) is a JSON object. Bolt reads
 * fields of whatever it parsed, so `null` or a bare number would throw outside its error handling.
 */
function wellFormed(body: Buffer, contentType: string | undefined): boolean {
  const text = body.toString("utf8");
  const isObject = (json: string) => {
    try {
      const value: unknown = JSON.parse(json);
      if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
      // An event callback without its event is routed nowhere and would wait out Bolt's 3 s before a 404.
      const { type, event } = value as { type?: unknown; event?: unknown };
      return type !== "event_callback" || (typeof event === "object" && event !== null);
    } catch {
      return false;
    }
  };
  if (contentType === "application/x-www-form-urlencoded") {
    const payload = new URLSearchParams(text).get("payload");
    return payload === null || isObject(payload);
  }
  return isObject(text);
}

/** Reads the body up to `limit` bytes; undefined when it goes past the limit. */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * The HTTP door in front of Bolt, for what Bolt does not check or checks too late: a body over the size limit is
 * refused before it is read further (413), a timestamp more than 5 minutes away from now in either direction or a
 * bad signature gets 401 before anything is parsed, a body Bolt could not read gets 400, and a request that was
 * already handled (a replay: the same signature) is answered 200 and dropped. Everything else goes to Bolt's own listener.
 */
export function frontDoor(opts: {
  signingSecret: string;
  store: DiagnosisStore;
  log: Logger;
  next: RequestListener;
  endpoint?: string;
  maxBodyBytes?: number;
}): RequestListener {
  const endpoint = opts.endpoint ?? "/slack/events";
  const limit = opts.maxBodyBytes ?? MAX_BODY_BYTES;
  const handle = async (req: Buffered, res: ServerResponse) => {
    const length = Number(req.headers["content-length"] ?? 0);
    if (length > limit) return refuse(req, res, 413);
    const timestamp = String(req.headers["x-slack-request-timestamp"] ?? "");
    const signature = String(req.headers["x-slack-signature"] ?? "");
    const skew = Math.abs(Date.now() / 1000 - Number(timestamp));
    if (!/^\d{1,12}$/.test(timestamp) || !(skew <= MAX_CLOCK_SKEW_SECONDS) || !signature.startsWith("v0="))
      return refuse(req, res, 401);
    const body = await readBody(req, limit);
    if (!body) return refuse(req, res, 413);
    // Slack's certificate check carries nothing to act on; Bolt does not ask for a signature on it either.
    if (new URLSearchParams(body.toString("utf8")).get("ssl_check") === "1") return void res.writeHead(200).end();
    if (!validSignature(opts.signingSecret, timestamp, body, signature)) return refuse(req, res, 401);
    if (!wellFormed(body, req.headers["content-type"])) return refuse(req, res, 400);
    // A signature covers the timestamp and the body: the same one again is the same request again.
    if (!(await opts.store.firstTime(`request:${signature}`, 2 * MAX_CLOCK_SKEW_SECONDS + 60))) {
      opts.log.info("a request delivered again was dropped");
      return void res.writeHead(200).end();
    }
    req.rawBody = body;
    opts.next(req, res);
  };
  return (req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (path !== endpoint || req.method !== "POST") return opts.next(req, res);
    handle(req, res).catch((err: Error) => {
      opts.log.warn({ err: err.message }, "request refused");
      if (!res.headersSent) refuse(req, res, 400);
    });
  };
}

/** An HTTP server whose every request must arrive whole within a few seconds. */
export function boundedServer(listener: RequestListener): Server {
  const server = createServer(listener);
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = REQUEST_TIMEOUT_MS;
  return server;
}
