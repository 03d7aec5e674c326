import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import type { ResolvedAddress, ResolvedCallback } from "./callback-url.js";

export interface PostReply {
  status: number;
  headers: IncomingHttpHeaders;
}

/**
 * Connects to the address that was checked, whatever DNS says by now (no second lookup, so no DNS rebinding).
 * The URL's host name still goes into the Host header and, for https, into SNI and the certificate check.
 */
function pinnedLookup(pinned: ResolvedAddress): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: pinned.address, family: pinned.family }]);
    else callback(null, pinned.address, pinned.family);
  };
}

/**
 * POSTs a body to a checked callback and resolves with the status once the headers arrive (the body is
 * discarded). No redirects are followed: a redirect could lead to an address that was never checked. No
 * connection pooling either, so every request connects to an address checked for it.
 */
export function pinnedPost(
  target: ResolvedCallback,
  headers: Record<string, string>,
  body: string,
  signal: AbortSignal,
): Promise<PostReply> {
  const send = target.url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      target.url,
      {
        method: "POST",
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        lookup: pinnedLookup(target.pinned),
        agent: false,
        signal,
      },
      (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, headers: res.headers });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
