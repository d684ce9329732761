// decodeInvoice reads strings pasted by users and sent by apps: any string must give a typed
// result, never an exception. Mutations start from a valid virtual-node invoice so that most of
// them get past bech32 (checksum fixed up) and reach the field parsers and signature check.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hexToBytes } from "../bytes/hex.ts";
import { createNativeSecp256k1Backend } from "../crypto/native-secp256k1.ts";
import { decodeBech32, encodeBech32 } from "./bech32.ts";
import { decodeInvoice } from "./decode-invoice.ts";
import { encodeInvoice } from "./encode-invoice.ts";
import { VIRTUAL_NODE_FEATURE_BITS } from "./feature-bits.ts";
import { virtualNodeRouteHints } from "./virtual-node-route-hints.ts";

const backend = createNativeSecp256k1Backend();
const nodeKey = hexToBytes("c0".repeat(32));
const valid = encodeInvoice(backend, nodeKey, {
  network: "regtest",
  amountMsat: 21_000n,
  timestamp: 1_700_000_000,
  paymentHash: hexToBytes("ab".repeat(32)),
  paymentSecret: hexToBytes("cd".repeat(32)),
  description: "fuzz",
  minFinalCltvExpiryDelta: 80,
  featureBits: VIRTUAL_NODE_FEATURE_BITS,
  paymentMetadata: hexToBytes("0102"),
  routeHints: virtualNodeRouteHints([{ nodePubkey: backend.publicKeyCreate(hexToBytes("a1".repeat(32))), feeBaseMsat: 0, feeProportionalMillionths: 0, cltvExpiryDelta: 40 }]),
});
const parsed = decodeBech32(valid);
if (!parsed.ok) throw new Error("fixture invoice must be valid bech32");
const { hrp, words } = parsed.value;

function expectTyped(text: string): void {
  const result = decodeInvoice(backend, text);
  if (!result.ok) {
    expect(typeof result.error.code).toBe("string");
    expect(typeof result.error.message).toBe("string");
  }
}

describe("decodeInvoice under fuzzed input", () => {
  it("mutated data words with a recomputed checksum", () => {
    const edits = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 31 }), fc.constantFrom("set", "insert", "delete")), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(edits, (list) => {
        const mutated = [...words];
        for (const [at, word, kind] of list) {
          const index = at % (mutated.length + 1);
          if (kind === "set" && index < mutated.length) mutated[index] = word;
          else if (kind === "insert") mutated.splice(index, 0, word);
          else mutated.splice(index, 1);
        }
        expectTyped(encodeBech32(hrp, mutated));
      }),
      { numRuns: 3000, seed: 81 },
    );
  });

  it("mutated human-readable parts and raw strings", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (prefix) => {
        expectTyped(encodeBech32(prefix.toLowerCase().replace(/[^\x21-\x7e]/g, "a") || "ln", words));
      }),
      { numRuns: 2000, seed: 82 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), fc.nat(), (junk, cut) => {
        expectTyped(junk);
        expectTyped(valid.slice(0, cut % valid.length) + junk);
      }),
      { numRuns: 3000, seed: 83 },
    );
  });
});
