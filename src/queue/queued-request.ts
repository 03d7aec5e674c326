import type { ChatRequest } from "../providers/types.js";

/** The request as a worker will run it: nobody is on the line for a stream, so it runs non-streaming. */
export function queuedRequest(request: ChatRequest): ChatRequest {
  const { stream: _stream, stream_options: _streamOptions, ...rest } = request;
  return rest;
}
