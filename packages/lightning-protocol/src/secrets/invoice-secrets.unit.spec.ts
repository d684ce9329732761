import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes } from "../bytes/hex.ts";
import { sha256 } from "../crypto/hashes.ts";
import { deriveInvoiceSecrets } from "./invoice-secrets.ts";

describe("deriveInvoiceSecrets", () => {
  it("preimage = HMAC-SHA256(seed, payment_secret), payment hash = SHA256(preimage)", () => {
    // Computed independently with Python's hmac/hashlib.
    const secrets = deriveInvoiceSecrets(hexToBytes("07".repeat(32)), hexToBytes("11".repeat(32)));
    expect(bytesToHex(secrets.preimage)).toBe("3cecdc2bca0b79f14893450e21304828a25e7792289c51c4d481b22abb6374cb");
    expect(bytesToHex(secrets.paymentHash)).toBe("35eb65433ffe93b5f191082420f5733e6676359f83eab19c2a0368286874b3f9");
  });

  it("is deterministic, so any coordinator instance with the seed re-derives the preimage", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed, paymentSecret) => {
        const a = deriveInvoiceSecrets(seed, paymentSecret);
        const b = deriveInvoiceSecrets(Uint8Array.from(seed), Uint8Array.from(paymentSecret));
        expect(a).toEqual(b);
        expect(a.paymentHash).toEqual(sha256(a.preimage));
      }),
      { numRuns: 200, seed: 51 },
    );
  });

  it("gives different preimages for different seeds or payment secrets", () => {
    const base = deriveInvoiceSecrets(hexToBytes("07".repeat(32)), hexToBytes("11".repeat(32)));
    expect(deriveInvoiceSecrets(hexToBytes("08".repeat(32)), hexToBytes("11".repeat(32))).preimage).not.toEqual(base.preimage);
    expect(deriveInvoiceSecrets(hexToBytes("07".repeat(32)), hexToBytes("12".repeat(32))).preimage).not.toEqual(base.preimage);
  });

  it("refuses seeds and secrets of the wrong size without echoing them", () => {
    expect(() => deriveInvoiceSecrets(hexToBytes("07".repeat(16)), hexToBytes("11".repeat(32)))).toThrow(/^seed must be 32 bytes, got 16 bytes$/);
    expect(() => deriveInvoiceSecrets(hexToBytes("07".repeat(32)), hexToBytes("11".repeat(33)))).toThrow(/^paymentSecret must be 32 bytes, got 33 bytes$/);
  });
});
