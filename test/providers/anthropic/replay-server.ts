import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { readAnthropicFixture } from "../../support/anthropic-fixtures.js";

/** What the server answers to the next request. */
export type Reply =
  /**
   * A fixture's `.sse` file (or `body`, an event stream's text), one event per write (or in `pieceSize`-byte
   * pieces), then the end of the body.
   */
  | { kind: "sse"; fixture?: string; body?: string; pieceSize?: number; hangAfterEvents?: number }
  /** A JSON body: a fixture's `.json` file (`fixture`) or `body`. */
  | { kind: "json"; fixture?: string; body?: unknown; status?: number; headers?: Record<string, string> }
  /** Never answers. */
  | { kind: "silent" };

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** Set once the client hung up before the whole answer was sent. */
  hungUp: boolean;
}

/**
 * A tiny Anthropic stand-in for client tests: real HTTP on a real socket, answering each request with the next
 * reply, and recording what it was sent. Fixture files are replayed byte for byte.
 */
export class ReplayServer {
  readonly requests: RecordedRequest[] = [];
  private readonly replies: Reply[] = [];
  private readonly server: Server;

  constructor() {
    this.server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on("data", (part: Buffer) => parts.push(part));
      req.on("end", () => {
        const text = Buffer.concat(parts).toString("utf8");
        const recorded: RecordedRequest = {
          method: req.method ?? "",
          url: req.url ?? "",
          headers: req.headers,
          body: text === "" ? undefined : JSON.parse(text),
          hungUp: false,
        };
        this.requests.push(recorded);
        res.on("close", () => {
          if (!res.writableFinished) recorded.hungUp = true;
        });
        const reply = this.replies.shift();
        if (reply === undefined) {
          res
            .writeHead(500, { "content-type": "application/json" })
            .end(JSON.stringify({ type: "error", error: { type: "api_error", message: "no reply queued" } }));
          return;
        }
        void answer(res, reply);
      });
    });
  }

  async start(): Promise<string> {
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  reply(...replies: Reply[]): void {
    this.replies.push(...replies);
  }

  /** Forgets the recorded requests and the replies not used. */
  reset(): void {
    this.requests.length = 0;
    this.replies.length = 0;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, "close");
  }
}

async function answer(res: ServerResponse, reply: Reply): Promise<void> {
  if (reply.kind === "silent") return;
  if (reply.kind === "json") {
    const body =
      reply.fixture !== undefined ? readAnthropicFixture(`${reply.fixture}.json`) : JSON.stringify(reply.body);
    res
      .writeHead(reply.status ?? 200, {
        "content-type": "application/json",
        "request-id": "req_replay",
        ...reply.headers,
      })
      .end(body);
    return;
  }
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    "request-id": "req_replay",
  });
  const text = reply.fixture !== undefined ? readAnthropicFixture(`${reply.fixture}.sse`) : (reply.body ?? "");
  const events = text.split(/(?<=\n\n)/);
  const shown = reply.hangAfterEvents === undefined ? events : events.slice(0, reply.hangAfterEvents);
  const body = shown.join("");
  const pieces =
    reply.pieceSize === undefined ? shown : (body.match(new RegExp(`[^]{1,${reply.pieceSize}}`, "g")) ?? []);
  for (const piece of pieces) {
    if (res.destroyed) return;
    res.write(piece);
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (reply.hangAfterEvents === undefined) res.end();
}
