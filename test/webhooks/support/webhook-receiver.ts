import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString("base64")}`;
}

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  /** The payload as Webhook.verify returned it, or the error it threw. */
  verified: { ok: true; payload: unknown } | { ok: false; error: Error };
}

/** A local HTTP server that verifies every webhook it receives with standardwebhooks, as a tenant's server would. */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];

  private constructor(
    private readonly server: Server,
    private readonly secret: string,
  ) {}

  /** respond: the status for the n-th request (1-based), or the status and headers; default 200. */
  static async start(
    secret: string,
    respond: (n: number) => number | { status: number; headers: Record<string, string> } = () => 200,
  ): Promise<WebhookReceiver> {
    let receiver: WebhookReceiver | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        receiver?.record(req.headers, body);
        const reply = respond(receiver?.received.length ?? 0);
        if (typeof reply === "number") res.writeHead(reply).end();
        else res.writeHead(reply.status, reply.headers).end();
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    receiver = new WebhookReceiver(server, secret);
    return receiver;
  }

  url(path = "/hook"): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}${path}`;
  }

  /** Same server, reached through the name "localhost". */
  localhostUrl(path = "/hook"): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://localhost:${port}${path}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private record(headers: IncomingHttpHeaders, body: string): void {
    const signed = {
      "webhook-id": String(headers["webhook-id"] ?? ""),
      "webhook-timestamp": String(headers["webhook-timestamp"] ?? ""),
      "webhook-signature": String(headers["webhook-signature"] ?? ""),
    };
    let verified: ReceivedWebhook["verified"];
    try {
      verified = { ok: true, payload: new Webhook(this.secret).verify(body, signed) };
    } catch (err) {
      verified = { ok: false, error: err instanceof Error ? err : new Error(String(err)) };
    }
    this.received.push({ headers, body, verified });
  }
}
