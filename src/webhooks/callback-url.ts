import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { classifyAddress, isAllowedAddress, type AddressClass, type AddressPolicy } from "./address-policy.js";

export type CallbackUrlProblem =
  | "invalid_url"
  | "unsupported_scheme"
  | "credentials"
  | "unresolvable"
  | "address_not_allowed";

export class CallbackUrlError extends Error {
  constructor(
    readonly problem: CallbackUrlProblem,
    message: string,
  ) {
    super(message);
    this.name = "CallbackUrlError";
  }
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** A callback URL that passed the checks, with the address to connect to (every address of the host was checked). */
export interface ResolvedCallback {
  url: URL;
  pinned: ResolvedAddress;
}

export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

const systemResolver: HostResolver = async (hostname) => {
  const addresses = await lookup(hostname, { all: true, verbatim: true });
  return addresses.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
};

const CLASS_NAMES: Record<Exclude<AddressClass, "public">, string> = {
  loopback: "a loopback address",
  private: "a private address",
  link_local: "a link-local address",
  reserved: "a reserved (non-routable) address",
};

/**
 * Checks a webhook target: http(s), no credentials, and every address its host resolves to is allowed by the
 * policy. One bad address refuses the URL: DNS may hand any of them to the connection.
 */
export async function validateCallbackUrl(
  raw: string,
  policy: AddressPolicy = {},
  resolve: HostResolver = systemResolver,
): Promise<ResolvedCallback> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CallbackUrlError("invalid_url", "callback_url is not a valid absolute URL.");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new CallbackUrlError(
      "unsupported_scheme",
      `callback_url must use http or https, not '${url.protocol.slice(0, -1)}'.`,
    );
  }
  if (url.username !== "" || url.password !== "") {
    throw new CallbackUrlError("credentials", "callback_url must not contain a user name or password.");
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const addresses = await addressesOf(host, resolve);
  for (const { address } of addresses) {
    const klass = classifyAddress(address);
    if (klass !== "public" && !isAllowedAddress(klass, policy)) {
      const via = address === host ? "" : ` resolves to ${address}, which`;
      throw new CallbackUrlError(
        "address_not_allowed",
        `callback_url host '${host}'${via} is ${CLASS_NAMES[klass]}; such callback URLs are not allowed.`,
      );
    }
  }
  const [pinned] = addresses;
  if (!pinned) throw new CallbackUrlError("unresolvable", `callback_url host '${host}' has no address.`);
  return { url, pinned };
}

async function addressesOf(host: string, resolve: HostResolver): Promise<ResolvedAddress[]> {
  const family = isIP(host);
  if (family !== 0) return [{ address: host, family: family === 6 ? 6 : 4 }];
  try {
    return await resolve(host);
  } catch (err) {
    const code = err instanceof Error && "code" in err ? ` (${String(err.code)})` : "";
    throw new CallbackUrlError("unresolvable", `callback_url host '${host}' cannot be resolved${code}.`);
  }
}
