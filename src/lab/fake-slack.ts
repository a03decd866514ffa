import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { WebSocketServer, type WebSocket } from "ws";

/** One Web API call as the fake received it: the method and its arguments, JSON fields decoded. */
export type Call = { method: string; args: Record<string, unknown>; token?: string; result?: Record<string, unknown> };

/**
 * A failure Slack's Web API can show: never answering, 429 with Retry-After, or an HTTP error status. It applies to
 * calls of `method` whose arguments `when` accepts, `times` times (default: until cleared).
 */
export type Fault = {
  method: string;
  kind: "hang" | "rate-limit" | "status";
  retryAfterSeconds?: number;
  status?: number;
  when?: (args: Record<string, unknown>) => boolean;
  times?: number;
};

const LIMIT = {
  messageBlocks: 50,
  viewBlocks: 100,
  sectionText: 3000,
  fieldText: 2000,
  fields: 10,
  header: 150,
  buttonText: 75,
  buttonValue: 2000,
  id: 255,
  optionText: 75,
  optionValue: 75,
  options: 100,
  actionsElements: 25,
  contextElements: 10,
  modalText: 24,
  privateMetadata: 3000,
  messageText: 40000,
};

/** Block Kit's documented limits, checked the way Slack does: any breach fails the whole call. */
export function blockKitViolations(blocks: unknown, where: "message" | "view"): string[] {
  const errors: string[] = [];
  if (!Array.isArray(blocks)) return ["blocks is not an array"];
  const max = where === "message" ? LIMIT.messageBlocks : LIMIT.viewBlocks;
  if (blocks.length > max) errors.push(`${blocks.length} blocks (max ${max})`);
  const text = (t: { text?: string } | undefined, limit: number, at: string) => {
    if (t?.text !== undefined && t.text.length > limit)
      errors.push(`${at}: text of ${t.text.length} characters (max ${limit})`);
  };
  const id = (v: unknown, at: string) => {
    if (typeof v === "string" && v.length > LIMIT.id)
      errors.push(`${at}: id of ${v.length} characters (max ${LIMIT.id})`);
  };
  const element = (e: Record<string, unknown>, at: string) => {
    id(e.action_id, `${at}.action_id`);
    if (e.type === "button") {
      text(e.text as { text?: string }, LIMIT.buttonText, `${at}.text`);
      if (typeof e.value === "string" && e.value.length > LIMIT.buttonValue)
        errors.push(`${at}: button value over ${LIMIT.buttonValue}`);
    }
    const options = e.options as Array<{ text: { text: string }; value: string }> | undefined;
    if (options) {
      if (options.length > LIMIT.options) errors.push(`${at}: ${options.length} options (max ${LIMIT.options})`);
      options.forEach((o, i) => {
        text(o.text, LIMIT.optionText, `${at}.options[${i}]`);
        if (o.value.length > LIMIT.optionValue) errors.push(`${at}.options[${i}]: value over ${LIMIT.optionValue}`);
      });
    }
  };
  blocks.forEach((b: Record<string, unknown>, i) => {
    const at = `blocks[${i}]`;
    id(b.block_id, `${at}.block_id`);
    if (b.type === "section") {
      text(b.text as { text?: string }, LIMIT.sectionText, at);
      const fields = b.fields as Array<{ text: string }> | undefined;
      if (fields && fields.length > LIMIT.fields) errors.push(`${at}: ${fields.length} fields`);
      fields?.forEach((f, j) => text(f, LIMIT.fieldText, `${at}.fields[${j}]`));
      if (b.accessory) element(b.accessory as Record<string, unknown>, `${at}.accessory`);
    } else if (b.type === "header") text(b.text as { text?: string }, LIMIT.header, at);
    else if (b.type === "actions") {
      const els = b.elements as Array<Record<string, unknown>>;
      if (els.length > LIMIT.actionsElements)
        errors.push(`${at}: ${els.length} elements (max ${LIMIT.actionsElements})`);
      els.forEach((e, j) => element(e, `${at}.elements[${j}]`));
    } else if (b.type === "context") {
      const els = b.elements as Array<{ text?: string }>;
      if (els.length > LIMIT.contextElements)
        errors.push(`${at}: ${els.length} elements (max ${LIMIT.contextElements})`);
      els.forEach((e, j) => text(e, LIMIT.sectionText, `${at}.elements[${j}]`));
    } else if (b.type === "input") element(b.element as Record<string, unknown>, `${at}.element`);
  });
  return errors;
}

function viewViolations(view: Record<string, unknown>): string[] {
  const errors = blockKitViolations(view.blocks, "view");
  for (const key of ["title", "submit", "close"]) {
    const t = view[key] as { text?: string } | undefined;
    if (t?.text && t.text.length > LIMIT.modalText) errors.push(`view.${key}: over ${LIMIT.modalText} characters`);
  }
  if (typeof view.private_metadata === "string" && view.private_metadata.length > LIMIT.privateMetadata)
    errors.push("view.private_metadata over 3000");
  return errors;
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * A local stand-in for Slack's Web API: form-encoded requests, `{ ok }` envelopes, the methods sessiondoc uses,
 * Block Kit limits enforced, every call recorded; plus `response_url` endpoints and 429s on demand.
 */
export class FakeSlack {
  readonly calls: Call[] = [];
  readonly responses: Array<{ path: string; body: Record<string, unknown> }> = [];
  readonly violations: Array<{ method: string; errors: string[] }> = [];
  private server?: Server;
  private tsCounter = 0;
  private faults: Fault[] = [];
  private readonly hanging = new Set<ServerResponse>();
  /** Channel members, for `conversations.members`; a channel not listed here has every user the fake has seen. */
  readonly members = new Map<string, string[]>();
  /** Users that requests built for this workspace came from (see slack-requests.ts). */
  readonly users = new Set<string>();
  /**
   * Display names for `users.info`, by user id; a user seen but not named here is called by its id in lower case
   * without the leading U (UALICE → alice), and one never seen is `user_not_found`.
   */
  readonly userNames = new Map<string, string>();
  /** Channel names for `conversations.info`; a channel not named here is its id in lower case without the C. */
  readonly channelNames = new Map<string, string>();
  /** Channels `conversations.info` answers `channel_not_found` for (archived, or the bot cannot see them). */
  readonly hiddenChannels = new Set<string>();
  private sockets?: WebSocketServer;
  private readonly connected: WebSocket[] = [];
  /** Socket Mode acknowledgements received from the app: `{ envelope_id, payload }`. */
  readonly socketAcks: Array<{ envelope_id: string; payload?: unknown }> = [];
  url = "";

  async start(): Promise<this> {
    this.server = createServer(async (req, res) => {
      const raw = await body(req);
      const path = req.url ?? "/";
      const send = (status: number, json: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { "content-type": "application/json", ...headers });
        res.end(JSON.stringify(json));
      };
      if (path.startsWith("/response/")) {
        this.responses.push({ path, body: JSON.parse(raw || "{}") });
        return send(200, { ok: true });
      }
      const method = path.replace(/^\/api\//, "").split("?")[0]!;
      const args: Record<string, unknown> = {};
      if ((req.headers["content-type"] ?? "").includes("application/json"))
        Object.assign(args, JSON.parse(raw || "{}"));
      else {
        for (const [k, v] of new URLSearchParams(raw)) {
          args[k] = (k === "blocks" || k === "view") && v ? JSON.parse(v) : v;
        }
      }
      const fault = this.faults.find((f) => f.method === method && (!f.when || f.when(args)));
      if (fault) {
        if (fault.times !== undefined && --fault.times <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
        if (fault.kind === "hang") {
          this.calls.push({ method: `${method} (hang)`, args });
          this.hanging.add(res);
          return;
        }
        if (fault.kind === "rate-limit") {
          this.calls.push({ method: `${method} (rate limited)`, args });
          return send(
            429,
            { ok: false, error: "ratelimited" },
            { "retry-after": String(fault.retryAfterSeconds ?? 1) },
          );
        }
        this.calls.push({ method: `${method} (${fault.status ?? 500})`, args });
        return send(fault.status ?? 500, { ok: false, error: "internal_error" });
      }
      const token = (req.headers.authorization ?? "").replace(/^Bearer /, "") || (args.token as string | undefined);
      const call: Call = { method, args, token };
      this.calls.push(call);
      call.result = this.answer(method, args);
      send(200, call.result);
    });
    // Socket Mode: apps.connections.open hands out this WebSocket, which greets with "hello" like Slack's.
    this.sockets = new WebSocketServer({ server: this.server, path: "/socket" });
    this.sockets.on("connection", (ws) => {
      this.connected.push(ws);
      ws.on("message", (data) => this.socketAcks.push(JSON.parse(data.toString())));
      ws.send(
        JSON.stringify({
          type: "hello",
          num_connections: 1,
          connection_info: { app_id: "A1" },
          debug_info: { host: "fake" },
        }),
      );
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server!.address() as { port: number }).port}/api/`;
    return this;
  }

  get socketClients(): number {
    return this.connected.filter((ws) => ws.readyState === ws.OPEN).length;
  }

  /** Sends an envelope over every Socket Mode connection, as Slack pushes a request. */
  pushEnvelope(type: string, payload: unknown, envelopeId = `env-${this.nextTs()}`): string {
    for (const ws of this.connected)
      ws.send(
        JSON.stringify({ envelope_id: envelopeId, type, payload, accepts_response_payload: type !== "events_api" }),
      );
    return envelopeId;
  }

  /** The next call of `method` answers 429 with this Retry-After. */
  rateLimitNext(method: string, retryAfterSeconds: number): void {
    this.fault({ method, kind: "rate-limit", retryAfterSeconds, times: 1 });
  }

  /** Injects a failure (see Fault); `clearFaults` ends them and answers calls left hanging with an error. */
  fault(f: Fault): void {
    this.faults.push({ ...f });
  }

  clearFaults(): void {
    this.faults = [];
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
  }

  responseUrl(id: string): string {
    return this.url.replace(/\/api\/$/, `/response/${id}`);
  }

  private nextTs(): string {
    this.tsCounter++;
    return `1700000000.${String(this.tsCounter).padStart(6, "0")}`;
  }

  private answer(method: string, args: Record<string, unknown>): Record<string, unknown> {
    const check = (errors: string[]) => {
      if (errors.length) this.violations.push({ method, errors });
      return errors;
    };
    const textTooLong = typeof args.text === "string" && args.text.length > LIMIT.messageText;
    switch (method) {
      case "auth.test":
        return {
          ok: true,
          url: "https://fake.slack.test/",
          team: "Fake",
          user: "sessiondoc",
          team_id: "T1",
          user_id: "UBOT",
          bot_id: "BBOT",
        };
      case "chat.postMessage":
      case "chat.update":
      case "chat.postEphemeral": {
        const errors = args.blocks ? check(blockKitViolations(args.blocks, "message")) : [];
        if (textTooLong) errors.push("text too long");
        if (errors.length) return { ok: false, error: "invalid_blocks", errors };
        if (method === "chat.postEphemeral") return { ok: true, message_ts: this.nextTs() };
        const ts = method === "chat.update" ? (args.ts as string) : this.nextTs();
        return { ok: true, channel: args.channel, ts, message: { text: args.text, ts } };
      }
      case "chat.getPermalink":
        return {
          ok: true,
          channel: args.channel,
          permalink: `https://fake.slack.test/archives/${args.channel}/p${String(args.message_ts).replace(".", "")}`,
        };
      case "views.open":
      case "views.publish": {
        const errors = check(viewViolations(args.view as Record<string, unknown>));
        if (errors.length) return { ok: false, error: "invalid_arguments", errors };
        return { ok: true, view: { id: `V${this.nextTs().replace(".", "")}`, ...(args.view as object) } };
      }
      case "apps.connections.open":
        return { ok: true, url: this.url.replace(/^http/, "ws").replace(/\/api\/$/, "/socket") };
      case "conversations.info": {
        const id = String(args.channel);
        if (this.hiddenChannels.has(id)) return { ok: false, error: "channel_not_found" };
        const name = this.channelNames.get(id) ?? id.replace(/^C/, "").toLowerCase();
        return {
          ok: true,
          channel: { id, name, is_channel: true, is_private: false, is_archived: false, name_normalized: name },
        };
      }
      case "users.info": {
        const id = String(args.user);
        if (!this.users.has(id) && !this.userNames.has(id)) return { ok: false, error: "user_not_found" };
        const name = this.userNames.get(id) ?? id.replace(/^U/, "").toLowerCase();
        return {
          ok: true,
          user: {
            id,
            team_id: "T1",
            name,
            deleted: false,
            real_name: name,
            is_bot: false,
            profile: { real_name: name, display_name: name, display_name_normalized: name },
          },
        };
      }
      case "conversations.members": {
        const members = this.members.get(String(args.channel)) ?? [...this.users];
        return { ok: true, members, response_metadata: { next_cursor: "" } };
      }
      case "usergroups.users.list":
        return { ok: true, users: args.usergroup === "SONCALL" ? ["UONCALL"] : [] };
      default:
        return { ok: false, error: "unknown_method" };
    }
  }

  called(method: string): Call[] {
    return this.calls.filter((c) => c.method === method);
  }

  async waitFor(predicate: (calls: Call[]) => boolean, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.calls)) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting; calls so far: ${this.calls.map((c) => c.method).join(", ")}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async stop(): Promise<void> {
    this.clearFaults();
    for (const ws of this.connected) ws.terminate();
    this.sockets?.close();
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
