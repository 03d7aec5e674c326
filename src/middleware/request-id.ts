import { randomUUID } from "node:crypto";
import type { Next } from "koa";
import type { AppContext } from "../http/app-state.js";

const ACCEPTABLE_ID = /^[\w.:-]{1,128}$/;

export function generateRequestId(): string {
  return `req_${randomUUID().replaceAll("-", "")}`;
}

/** Gives every request an id (the client's `x-request-id` when it is a sane one) and echoes it as a header. */
export async function requestId(ctx: AppContext, next: Next): Promise<void> {
  const fromHeader = ctx.get("x-request-id");
  const usable = ACCEPTABLE_ID.test(fromHeader);
  ctx.state.requestId = usable ? fromHeader : generateRequestId();
  ctx.state.requestIdFromHeader = usable;
  ctx.set("x-request-id", ctx.state.requestId);
  await next();
}

/** A chat body's `request_id` names the request when the client sent no `x-request-id` header. */
export function adoptBodyRequestId(ctx: AppContext, bodyRequestId: string | undefined): void {
  if (ctx.state.requestIdFromHeader || bodyRequestId === undefined) return;
  ctx.state.requestId = bodyRequestId;
  ctx.set("x-request-id", bodyRequestId);
}
