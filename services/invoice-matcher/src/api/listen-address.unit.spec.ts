import { describe, expect, it } from "vitest";
import { isLocalOnlyAddress } from "./listen-address.ts";

describe("local-only listen addresses", () => {
  it.each(["127.0.0.1:10200", "127.0.0.1:0", "127.1.2.3:1", "localhost:10200", "LOCALHOST:1", "[::1]:10200", "unix:/run/ic/api.sock"])(
    "%s is local",
    (address) => expect(isLocalOnlyAddress(address)).toBe(true),
  );

  it.each(["0.0.0.0:10200", "[::]:10200", "10.0.0.5:10200", "api.example.com:443", "127.0.0.1.example.com:1", "dns:127.0.0.1:1", "[::ffff:10.0.0.1]:1"])(
    "%s is not",
    (address) => expect(isLocalOnlyAddress(address)).toBe(false),
  );
});
