// The TypeScript HMAC-SHA256 under a constant key must equal OpenSSL's for every key and message
// length it accepts, including both sides of the one-block limit (55/56 bytes).
import { createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes } from "../bytes/hex.ts";
import { fixedKeyHmacSha256 } from "./fixed-key-hmac-sha256.ts";

function opensslHmac(key: Uint8Array, message: Uint8Array): string {
  return createHmac("sha256", key).update(message).digest("hex");
}

describe("fixedKeyHmacSha256", () => {
  it("RFC 4231 test case 2 (key 'Jefe')", () => {
    const mac = fixedKeyHmacSha256(new TextEncoder().encode("Jefe"));
    expect(bytesToHex(mac(new TextEncoder().encode("what do ya want for nothing?")))).toBe(
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
  });

  it("RFC 4231 test case 1 (20-byte key)", () => {
    const mac = fixedKeyHmacSha256(hexToBytes("0b".repeat(20)));
    expect(bytesToHex(mac(new TextEncoder().encode("Hi There")))).toBe(
      "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
    );
  });

  it("equals createHmac for random keys (0..64 bytes) and messages (0..120 bytes, one-block path and fallback)", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        fc.array(fc.uint8Array({ maxLength: 120 }), { minLength: 1, maxLength: 4 }),
        (key, messages) => {
          const mac = fixedKeyHmacSha256(key);
          for (const message of messages) expect(bytesToHex(mac(message))).toBe(opensslHmac(key, message));
        },
      ),
      { numRuns: 500, seed: 4231 },
    );
  });

  it("equals createHmac for every message length 0..70 under the BOLT 4 key types", () => {
    for (const keyType of ["rho", "mu", "um", "ammag"]) {
      const key = new TextEncoder().encode(keyType);
      const mac = fixedKeyHmacSha256(key);
      for (let length = 0; length <= 70; length++) {
        const message = Uint8Array.from({ length }, (_, i) => (i * 151 + length * 7 + 0xa5) & 0xff);
        expect(bytesToHex(mac(message)), `${keyType}, ${length} bytes`).toBe(opensslHmac(key, message));
      }
    }
  });

  it("results are independent arrays (the scratch state is not shared with callers)", () => {
    const mac = fixedKeyHmacSha256(new TextEncoder().encode("mu"));
    const first = mac(new Uint8Array(32).fill(1));
    const copy = bytesToHex(first);
    mac(new Uint8Array(32).fill(2));
    expect(bytesToHex(first)).toBe(copy);
    expect(first.byteLength).toBe(32);
    expect(first.buffer.byteLength).toBe(32);
  });

  it("refuses keys longer than one block", () => {
    expect(() => fixedKeyHmacSha256(new Uint8Array(65))).toThrow(RangeError);
  });
});
