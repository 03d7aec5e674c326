import { describe, expect, it } from "vitest";
import { classifyAddress } from "../../src/webhooks/address-policy.js";
import { CallbackUrlError, validateCallbackUrl, type HostResolver } from "../../src/webhooks/callback-url.js";

async function refusal(promise: Promise<unknown>): Promise<CallbackUrlError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof CallbackUrlError)) throw new Error(`expected a CallbackUrlError, got ${String(err)}`);
  return err;
}

const resolvesTo =
  (...addresses: string[]): HostResolver =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));

describe("validateCallbackUrl", () => {
  it("accepts an http(s) URL whose host is public, and pins the address it checked", async () => {
    const checked = await validateCallbackUrl(
      "https://hooks.example.com/runestone?x=1",
      {},
      resolvesTo("93.184.216.34", "2606:2800:220:1::1"),
    );
    expect(checked.url.href).toBe("https://hooks.example.com/runestone?x=1");
    expect(checked.pinned).toEqual({ address: "93.184.216.34", family: 4 });
    expect((await validateCallbackUrl("http://93.184.216.34:8080/")).pinned).toEqual({
      address: "93.184.216.34",
      family: 4,
    });
  });

  it.each([
    ["not a url", "invalid_url"],
    ["/relative/path", "invalid_url"],
    ["ftp://example.com/hook", "unsupported_scheme"],
    ["file:///etc/passwd", "unsupported_scheme"],
    ["https://user:secret@example.com/hook", "credentials"],
  ])("refuses %s (%s)", async (url, problem) => {
    expect((await refusal(validateCallbackUrl(url, {}, resolvesTo("93.184.216.34")))).problem).toBe(problem);
  });

  it.each([
    ["http://127.0.0.1:9000/hook", "loopback"],
    ["http://[::1]/hook", "loopback"],
    ["http://[::ffff:127.0.0.1]/hook", "loopback"],
    ["http://10.1.2.3/hook", "private"],
    ["http://172.16.0.1/hook", "private"],
    ["http://192.168.1.10/hook", "private"],
    ["http://[fd00::1]/hook", "private"],
    ["http://169.254.169.254/latest/meta-data", "link-local"],
    ["http://[fe80::1]/hook", "link-local"],
    ["http://0.0.0.0/hook", "reserved"],
    ["http://224.0.0.1/hook", "reserved"],
  ])("refuses %s by default: a %s address", async (url, kind) => {
    const err = await refusal(validateCallbackUrl(url));
    expect(err.problem).toBe("address_not_allowed");
    expect(err.message).toContain(kind);
  });

  it("refuses a host name that resolves to a loopback address (localhost)", async () => {
    const err = await refusal(validateCallbackUrl("http://localhost:9000/hook"));
    expect(err.problem).toBe("address_not_allowed");
    expect(err.message).toMatch(/'localhost' resolves to (127\.0\.0\.1|::1), which is a loopback address/);
  });

  it("checks every address of the host: one private address among public ones refuses the URL", async () => {
    const err = await refusal(
      validateCallbackUrl("https://mixed.example.com/", {}, resolvesTo("93.184.216.34", "10.0.0.7")),
    );
    expect(err.message).toContain("10.0.0.7");
  });

  it("allows each non-public class only when the policy says so; reserved addresses never", async () => {
    await expect(validateCallbackUrl("http://127.0.0.1:9000/", { allowLoopback: true })).resolves.toMatchObject({
      pinned: { address: "127.0.0.1" },
    });
    await expect(validateCallbackUrl("http://10.0.0.1/", { allowLoopback: true })).rejects.toThrow(/private/);
    await expect(validateCallbackUrl("http://10.0.0.1/", { allowPrivate: true })).resolves.toBeDefined();
    await expect(
      validateCallbackUrl("http://169.254.169.254/", { allowPrivate: true, allowLoopback: true }),
    ).rejects.toThrow(/link-local/);
    await expect(validateCallbackUrl("http://169.254.169.254/", { allowLinkLocal: true })).resolves.toBeDefined();
    await expect(
      validateCallbackUrl("http://0.0.0.0/", { allowPrivate: true, allowLoopback: true, allowLinkLocal: true }),
    ).rejects.toThrow(/reserved/);
  });

  it("reports a host that does not resolve", async () => {
    const notFound: HostResolver = async () => {
      throw Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" });
    };
    const err = await refusal(validateCallbackUrl("https://nowhere.invalid/", {}, notFound));
    expect(err.problem).toBe("unresolvable");
    expect(err.message).toContain("ENOTFOUND");
  });
});

describe("classifyAddress", () => {
  it.each([
    ["8.8.8.8", "public"],
    ["2001:4860:4860::8888", "public"],
    ["127.5.5.5", "loopback"],
    ["100.64.0.1", "private"],
    ["172.31.255.255", "private"],
    ["172.32.0.1", "public"],
    ["::ffff:10.0.0.1", "private"],
    ["255.255.255.255", "reserved"],
    ["::", "reserved"],
  ])("%s is %s", (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });
});
