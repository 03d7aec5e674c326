import type { QueuedRequest } from "./types.js";

/**
 * The request as a worker will run it (only the operation and its request, without the stream flags): nobody is on
 * the line for a stream, so it runs non-streaming.
 */
export function queuedRequest(queued: QueuedRequest): QueuedRequest {
  switch (queued.operation) {
    case "messages": {
      const { stream: _stream, ...body } = queued.request.body;
      return { operation: "messages", request: { ...queued.request, body } };
    }
    case "embeddings":
      return { operation: "embeddings", request: queued.request };
    default: {
      const { stream: _stream, stream_options: _streamOptions, ...rest } = queued.request;
      return { operation: queued.operation, request: rest };
    }
  }
}
