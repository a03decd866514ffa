import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { Agent, request, errors, type Dispatcher } from "undici";
import { TargetRefused, type TargetPolicy } from "./policy.js";
import type { CookieJar } from "./cookies.js";

export type HttpLimits = {
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  /** The whole request, connect to last byte: a body that trickles in never resets it. */
  requestTimeoutMs: number;
  maxBodyBytes: number;
  maxRedirects: number;
  concurrency: number;
};

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  connectTimeoutMs: 3_000,
  headersTimeoutMs: 5_000,
  bodyTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  maxBodyBytes: 1024 * 1024,
  maxRedirects: 5,
  concurrency: 4,
};

export type HttpResponse = {
  url: URL;
  status: number;
  headers: Record<string, string>;
  /** Raw Set-Cookie header values of the final answer. */
  setCookies: string[];
  body: Buffer;
  /** The body went past the size limit and was cut. */
  truncated: boolean;
  /** Local clock when the request was sent and when its headers arrived (ms since epoch). */
  sentAt: number;
  receivedAt: number;
  /** Every URL visited before the final one. */
  redirects: URL[];
};

/** A request that could not complete, in words an SRE can act on; never carries a query string or cookie. */
export class HttpProblem extends Error {
  override name = "HttpProblem";
  constructor(
    message: string,
    readonly kind: "refused" | "timeout" | "connection" | "too-large" | "redirects" | "other",
  ) {
    super(message);
  }
}

export function displayUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/**
 * HTTP for probes: every request bounded (connect, header and body timeouts, an overall deadline, a body size cap,
 * a redirect cap, a concurrency cap), every hop checked against the target policy, and every resolved address checked and pinned —
 * the connection goes to the address that was checked, so a rebinding name cannot slip through.
 */
export class HttpClient {
  private readonly agent: Agent;
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  /**
   * `freshConnections`: every request on a connection of its own, closed after the answer. A kept-alive connection
   * stays with the worker process that accepted it (node's cluster module and gunicorn hand out connections, not
   * requests), which hides anything a server keeps per process.
   */
  constructor(
    private readonly policy: TargetPolicy,
    private readonly limits: HttpLimits = DEFAULT_HTTP_LIMITS,
    private readonly signal?: AbortSignal,
    private readonly freshConnections = false,
  ) {
    const lookup = (
      hostname: string,
      options: { all?: boolean; family?: number },
      callback: (...args: unknown[]) => void,
    ) => {
      dnsLookup(hostname, { all: true, family: options.family ?? 0 }, (err, addresses: LookupAddress[]) => {
        if (err) return callback(err);
        try {
          for (const a of addresses) policy.checkAddress(hostname, a.address);
        } catch (refused) {
          return callback(refused);
        }
        if (options.all) callback(null, addresses);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      });
    };
    this.agent = new Agent({
      connect: { timeout: limits.connectTimeoutMs, lookup: lookup as never },
      headersTimeout: limits.headersTimeoutMs,
      bodyTimeout: limits.bodyTimeoutMs,
      connections: limits.concurrency,
      ...(freshConnections ? { pipelining: 0 } : {}),
    });
  }

  /** Ends every connection at once: a request still trickling belongs to work that has been given up. */
  async close(): Promise<void> {
    await this.agent.destroy();
  }

  /** GET (or another method) following redirects hop by hop, with the jar's cookies sent and updated on each hop. */
  async fetch(
    input: string | URL,
    opts: {
      method?: string;
      headers?: Record<string, string>;
      body?: string;
      jar?: CookieJar;
      followRedirects?: boolean;
    } = {},
  ): Promise<HttpResponse> {
    let url = new URL(input);
    const redirects: URL[] = [];
    const visited: string[] = [];
    let method = opts.method ?? "GET";
    let body = opts.body;
    for (;;) {
      const res = await this.once(
        url,
        method,
        { ...opts.headers, ...(opts.jar ? { cookie: opts.jar.header(url) } : {}) },
        body,
      );
      opts.jar?.store(res.setCookies, url, res.headers.date);
      const location = res.headers.location;
      if (opts.followRedirects === false || res.status < 300 || res.status >= 400 || res.status === 304 || !location) {
        return { ...res, redirects };
      }
      const next = new URL(location, url);
      const nextMethod = res.status === 307 || res.status === 308 ? method : "GET";
      // A loop is the same request again; a POST to a login page that ends on a GET of that page is not one.
      visited.push(`${method} ${url.href}`);
      redirects.push(url);
      if (visited.includes(`${nextMethod} ${next.href}`)) {
        throw new HttpProblem(`redirect loop: ${[...redirects, next].map(displayUrl).join(" → ")}`, "redirects");
      }
      if (redirects.length > this.limits.maxRedirects) {
        throw new HttpProblem(
          `more than ${this.limits.maxRedirects} redirects from ${displayUrl(redirects[0]!)}`,
          "redirects",
        );
      }
      url = next;
      if (nextMethod !== method) body = undefined;
      method = nextMethod;
    }
  }

  private async once(
    url: URL,
    method: string,
    headers: Record<string, string>,
    body?: string,
  ): Promise<Omit<HttpResponse, "redirects">> {
    try {
      this.policy.checkUrl(url);
    } catch (err) {
      throw new HttpProblem((err as Error).message, "refused");
    }
    await this.acquire();
    const sentAt = Date.now();
    const deadline = AbortSignal.timeout(this.limits.requestTimeoutMs);
    try {
      this.signal?.throwIfAborted();
      const res = await request(url, {
        dispatcher: this.agent,
        method: method as Dispatcher.HttpMethod,
        headers: Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== "")),
        body,
        reset: this.freshConnections,
        signal: this.signal ? AbortSignal.any([this.signal, deadline]) : deadline,
      });
      const receivedAt = Date.now();
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > this.limits.maxBodyBytes) {
          truncated = true;
          res.body.destroy();
          break;
        }
        chunks.push(chunk as Buffer);
      }
      const flat: Record<string, string> = {};
      let setCookies: string[] = [];
      for (const [k, v] of Object.entries(res.headers)) {
        if (k === "set-cookie") setCookies = Array.isArray(v) ? v : v ? [v] : [];
        else if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(", ") : v;
      }
      return {
        url,
        status: res.statusCode,
        headers: flat,
        setCookies,
        body: Buffer.concat(chunks),
        truncated,
        sentAt,
        receivedAt,
      };
    } catch (err) {
      if (deadline.aborted && !this.signal?.aborted)
        throw new HttpProblem(
          `${displayUrl(url)} did not finish answering within ${this.limits.requestTimeoutMs / 1000} s`,
          "timeout",
        );
      throw describeFailure(err, url, this.limits);
    } finally {
      this.release();
    }
  }

  private async acquire(): Promise<void> {
    if (this.active < this.limits.concurrency) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}

function describeFailure(err: unknown, url: URL, limits: HttpLimits): HttpProblem {
  const where = displayUrl(url);
  const cause = (err as { cause?: unknown }).cause ?? err;
  if (err instanceof HttpProblem) return err;
  if (cause instanceof TargetRefused || err instanceof TargetRefused)
    return new HttpProblem(((cause as Error) ?? err).message, "refused");
  if (err instanceof errors.ConnectTimeoutError)
    return new HttpProblem(`no connection to ${url.host} within ${limits.connectTimeoutMs / 1000} s`, "timeout");
  if (err instanceof errors.HeadersTimeoutError)
    return new HttpProblem(`no answer from ${where} within ${limits.headersTimeoutMs / 1000} s`, "timeout");
  if (err instanceof errors.BodyTimeoutError)
    return new HttpProblem(`${where} stopped sending its body for ${limits.bodyTimeoutMs / 1000} s`, "timeout");
  const code = (cause as { code?: string }).code ?? (err as { code?: string }).code;
  if (code === "ECONNREFUSED") return new HttpProblem(`connection refused at ${url.host}`, "connection");
  if (code === "ENOTFOUND" || code === "EAI_AGAIN")
    return new HttpProblem(`host not found: ${url.hostname}`, "connection");
  if (code === "ECONNRESET" || code === "UND_ERR_SOCKET")
    return new HttpProblem(`${url.host} closed the connection`, "connection");
  if ((err as Error).name === "AbortError")
    return new HttpProblem(`request to ${where} was cancelled (probe time limit)`, "timeout");
  return new HttpProblem(`${where}: ${(cause as Error).message ?? String(cause)}`, "other");
}
