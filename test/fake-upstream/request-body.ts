import type { IncomingMessage } from "node:http";

import { isRecord } from "./json-guards.js";

export interface ParsedBody {
  body: Record<string, unknown>;
  parseable: boolean;
}

export function readRawBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

export function parseJsonBody(rawBody: string): ParsedBody {
  if (rawBody.trim() === "") return { body: {}, parseable: true };
  try {
    const parsed: unknown = JSON.parse(rawBody);
    return { body: isRecord(parsed) ? parsed : {}, parseable: true };
  } catch {
    return { body: {}, parseable: false };
  }
}
