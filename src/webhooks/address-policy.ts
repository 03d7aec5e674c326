import { BlockList, isIP } from "node:net";

/** Why an address is not on the public internet; "public" when it is. */
export type AddressClass = "public" | "loopback" | "private" | "link_local" | "reserved";

/**
 * Which non-public address classes a callback may reach. "reserved" (unspecified, multicast, broadcast, …) never may.
 */
export interface AddressPolicy {
  /** RFC 1918, unique-local IPv6 (fc00::/7), carrier-grade NAT (100.64/10), benchmarking (198.18/15). */
  allowPrivate?: boolean;
  /** 127/8 and ::1. */
  allowLoopback?: boolean;
  /** 169.254/16 and fe80::/10 (where cloud metadata services live). */
  allowLinkLocal?: boolean;
}

function blockList(subnets: readonly string[]): BlockList {
  const list = new BlockList();
  for (const subnet of subnets) {
    const [network = "", prefix = ""] = subnet.split("/");
    list.addSubnet(network, Number(prefix), isIP(network) === 6 ? "ipv6" : "ipv4");
  }
  return list;
}

// BlockList matches IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) against the IPv4 subnets too.
const CLASSES: readonly (readonly [Exclude<AddressClass, "public">, BlockList])[] = [
  ["loopback", blockList(["127.0.0.0/8", "::1/128"])],
  [
    "private",
    blockList(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "198.18.0.0/15", "fc00::/7"]),
  ],
  ["link_local", blockList(["169.254.0.0/16", "fe80::/10"])],
  [
    "reserved",
    blockList([
      "0.0.0.0/8", // "this network"; 0.0.0.0 reaches the local host on Linux
      "192.0.0.0/24",
      "224.0.0.0/4", // multicast
      "240.0.0.0/4", // reserved, and 255.255.255.255
      "::/128",
      "ff00::/8", // multicast
      // Prefixes that embed an IPv4 address we would have to unwrap to judge (NAT64, 6to4, Teredo): refused.
      "64:ff9b::/96",
      "2002::/16",
      "2001::/32",
    ]),
  ],
];

export function classifyAddress(address: string): AddressClass {
  const family = isIP(address);
  if (family === 0) throw new TypeError(`not an IP address: ${address}`);
  const type = family === 6 ? "ipv6" : "ipv4";
  for (const [name, list] of CLASSES) if (list.check(address, type)) return name;
  return "public";
}

export function isAllowedAddress(klass: AddressClass, policy: AddressPolicy): boolean {
  switch (klass) {
    case "public":
      return true;
    case "loopback":
      return policy.allowLoopback === true;
    case "private":
      return policy.allowPrivate === true;
    case "link_local":
      return policy.allowLinkLocal === true;
    case "reserved":
      return false;
  }
}
