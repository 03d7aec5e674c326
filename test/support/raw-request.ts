import { request } from "node:http";

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Bytes of the body the client had written when the answer was complete. */
  bytesSent: number;
}

export interface RawRequest {
  method?: string;
  headers?: Record<string, string>;
  /** Written in chunks of `chunkBytes` until the answer begins (the rest is then never sent). */
  body?: Buffer;
  chunkBytes?: number;
  /** Leave the body unfinished after this many bytes (the request stays open until `abort` or the answer). */
  stopAfterBytes?: number;
  signal?: AbortSignal;
}

/**
 * An HTTP request on its own connection, written the way a client with a large body writes it: chunk by chunk,
 * honouring back-pressure, and stopping as soon as the answer begins (as curl does). Tells how much of the
 * body had been sent by then, so tests can see whether the gateway answered before reading it.
 */
export function rawRequest(url: string, options: RawRequest = {}): Promise<RawAnswer> {
  const body = options.body ?? Buffer.alloc(0);
  const chunkBytes = options.chunkBytes ?? 256 * 1024;
  const limit = Math.min(options.stopAfterBytes ?? body.length, body.length);
  return new Promise((resolve, reject) => {
    let bytesSent = 0;
    let responded = false;
    const req = request(url, {
      method: options.method ?? "POST",
      agent: false,
      // keep-alive, as curl and browsers ask: a server that answers early then reads and drops the rest of the
      // body instead of closing while it is being written.
      headers: { "content-length": String(body.length), connection: "keep-alive", ...options.headers },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    // Once the answer has begun, the server may close while the rest of the body is still being written (EPIPE).
    req.on("error", (err) => {
      if (!responded) reject(err);
    });
    req.on("response", (res) => {
      responded = true;
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () => {
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: Buffer.concat(chunks).toString(),
          bytesSent,
        });
        req.destroy();
      });
    });
    const writeMore = () => {
      while (!responded && bytesSent < limit) {
        const chunk = body.subarray(bytesSent, Math.min(bytesSent + chunkBytes, limit));
        bytesSent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", writeMore);
      }
      if (!responded && bytesSent === body.length) req.end();
    };
    req.flushHeaders();
    writeMore();
  });
}
