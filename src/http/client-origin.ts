import type { Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** Headers a reverse proxy adds: their presence means the socket's peer is not the client. */
export const PROXY_HEADERS = ["forwarded", "x-forwarded-for", "x-real-ip"] as const;

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith("::ffff:") ? address.slice(7) : address;
  return v4.startsWith("127.") || address === "::1";
}

/** The first proxy header the request carries, if any. */
export function proxyHeaderOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  return PROXY_HEADERS.find((name) => headers[name] !== undefined);
}

/**
 * The address the server that accepted this connection listens on, when that is beyond loopback (0.0.0.0, ::, a
 * LAN address); undefined for a loopback or Unix-socket listener. Read from the listening server itself, so it is
 * right however the gateway was started or mounted.
 */
export function listenAddressBeyondLoopback(socket: Socket): string | undefined {
  const server = (socket as Socket & { server?: Server }).server;
  const address = server?.address();
  if (typeof address === "string") return undefined;
  if (!address) return "an unknown address";
  return isLoopback((address as AddressInfo).address) ? undefined : (address as AddressInfo).address;
}
