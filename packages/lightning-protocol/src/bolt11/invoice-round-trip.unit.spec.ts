// Invoices signed by the virtual node: what we encode decodes back to the same fields with our
// decoder, and the npm bolt11 decoder (independent code) reads the same payee, amount, hash,
// secret and every route hint.
import bolt11 from "bolt11";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes } from "../bytes/hex.ts";
import { createNativeSecp256k1Backend } from "../crypto/native-secp256k1.ts";
import { createNobleSecp256k1Backend } from "../crypto/noble-secp256k1.ts";
import { virtualScidForNode } from "../scid/virtual-scid.ts";
import { decodeAmount, encodeAmount } from "./amount.ts";
import { decodeInvoice } from "./decode-invoice.ts";
import { encodeInvoice } from "./encode-invoice.ts";
import { VIRTUAL_NODE_FEATURE_BITS } from "./feature-bits.ts";
import type { InvoiceToSign } from "./invoice.ts";
import type { Bolt11Network } from "./network.ts";
import { virtualNodeRouteHints } from "./virtual-node-route-hints.ts";

const native = createNativeSecp256k1Backend();
const noble = createNobleSecp256k1Backend();
const nodeKey = hexToBytes("c0".repeat(32));
const nodePubkey = native.publicKeyCreate(nodeKey);
const clusterKeys = ["a1", "a2", "a3"].map((byte) => native.publicKeyCreate(hexToBytes(byte.repeat(32))));

const BOLT11_JS_NETWORK: Record<Bolt11Network, { bech32: string; pubKeyHash: number; scriptHash: number; validWitnessVersions: number[] } | undefined> = {
  mainnet: undefined,
  testnet: undefined,
  regtest: undefined,
  signet: { bech32: "tbs", pubKeyHash: 0x6f, scriptHash: 0xc4, validWitnessVersions: [0, 1] },
};

function virtualNodeInvoice(network: Bolt11Network, amountMsat?: bigint): InvoiceToSign {
  return {
    network,
    ...(amountMsat !== undefined && { amountMsat }),
    timestamp: 1_700_000_000,
    paymentHash: hexToBytes("ab".repeat(32)),
    paymentSecret: hexToBytes("cd".repeat(32)),
    description: "coffee, via any cluster node",
    expirySeconds: 86_400,
    minFinalCltvExpiryDelta: 80,
    featureBits: VIRTUAL_NODE_FEATURE_BITS,
    routeHints: virtualNodeRouteHints(
      clusterKeys.map((key, i) => ({ nodePubkey: key, feeBaseMsat: 1000 * i, feeProportionalMillionths: 100 + i, cltvExpiryDelta: 40 + i })),
    ),
  };
}

describe("amount encoding", () => {
  const examples: Array<[bigint, string]> = [
    [1n, "10p"],
    [99n, "990p"],
    [100n, "1n"],
    [250_000_000n, "2500u"],
    [2_000_000_000n, "20m"],
    [100_000_000_000n, "1"],
    [967_878_534n, "9678785340p"],
    [18_446_744_073_709_551_615n, "184467440737095516150p"],
  ];
  it.each(examples)("%s msat is %s (largest exact multiplier)", (msat, text) => {
    expect(encodeAmount(msat)).toBe(text);
    expect(decodeAmount(text)).toEqual({ ok: true, value: msat });
  });

  it("round-trips any msat amount", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }), (msat) => {
        expect(decodeAmount(encodeAmount(msat))).toEqual({ ok: true, value: msat });
      }),
      { numRuns: 2000, seed: 41 },
    );
  });

  it("rejects zero, sub-msat pico amounts, junk and amounts past uint64", () => {
    expect(() => encodeAmount(0n)).toThrow(RangeError);
    expect(decodeAmount("0m")).toEqual({ ok: false, error: "amount_zero" });
    expect(decodeAmount("11p")).toEqual({ ok: false, error: "amount_sub_msat" });
    expect(decodeAmount("25x")).toEqual({ ok: false, error: "amount_not_a_number" });
    expect(decodeAmount("m")).toEqual({ ok: false, error: "amount_not_a_number" });
    expect(decodeAmount("1000000000")).toEqual({ ok: false, error: "amount_too_large" });
  });
});

describe("virtual node invoices", () => {
  it.each(["mainnet", "testnet", "signet", "regtest"] as const)("on %s, carry one r field per cluster node and decode back", (network) => {
    const request = virtualNodeInvoice(network, 1_234_567n);
    const invoice = encodeInvoice(native, nodeKey, request);
    expect(invoice.startsWith({ mainnet: "lnbc", testnet: "lntb", signet: "lntbs", regtest: "lnbcrt" }[network])).toBe(true);
    const decoded = decodeInvoice(native, invoice);
    if (!decoded.ok) throw new Error(decoded.error.message);
    expect(decoded.value).toMatchObject({
      network,
      amountMsat: 1_234_567n,
      timestamp: request.timestamp,
      description: request.description,
      expirySeconds: 86_400,
      minFinalCltvExpiryDelta: 80,
      featureBits: [8, 14, 17],
      routeHints: request.routeHints,
      payeeNodeKey: nodePubkey,
    });

    // Independent decoder: npm bolt11 sees the same payee, amount, hash, secret, and all three hints.
    const js = bolt11.decode(invoice, BOLT11_JS_NETWORK[network]);
    expect(js.payeeNodeKey).toBe(bytesToHex(nodePubkey));
    expect(js.millisatoshis).toBe("1234567");
    expect(js.tagsObject.payment_hash).toBe("ab".repeat(32));
    expect(js.tagsObject.payment_secret).toBe("cd".repeat(32));
    expect(js.tagsObject.min_final_cltv_expiry).toBe(80);
    const hints = js.tags.filter((tag) => tag.tagName === "routing_info").map((tag) => tag.data);
    expect(hints).toEqual(
      clusterKeys.map((key, i) => [
        {
          pubkey: bytesToHex(key),
          short_channel_id: virtualScidForNode(key).toString(16).padStart(16, "0"),
          fee_base_msat: 1000 * i,
          fee_proportional_millionths: 100 + i,
          cltv_expiry_delta: 40 + i,
        },
      ]),
    );
    const features = js.tagsObject.feature_bits;
    // npm bolt11 reports the even (required) bit as required and the odd one as supported.
    expect(features?.var_onion_optin).toMatchObject({ required: true });
    expect(features?.payment_secret).toMatchObject({ required: true });
    expect(features?.basic_mpp).toEqual({ required: false, supported: true });
  });

  it("amount-less, with a description hash and the n field", () => {
    const request: InvoiceToSign = { ...virtualNodeInvoice("regtest"), description: undefined, descriptionHash: hexToBytes("de".repeat(32)), includePayeeNodeKey: true };
    const invoice = encodeInvoice(native, nodeKey, request);
    const decoded = decodeInvoice(native, invoice);
    if (!decoded.ok) throw new Error(decoded.error.message);
    expect(decoded.value.amountMsat).toBeUndefined();
    expect(bytesToHex(decoded.value.descriptionHash as Uint8Array)).toBe("de".repeat(32));
    expect(decoded.value.payeeNodeKey).toEqual(nodePubkey);
    const js = bolt11.decode(invoice);
    expect(js.millisatoshis ?? null).toBeNull();
    expect(js.payeeNodeKey).toBe(bytesToHex(nodePubkey));
  });

  it("is the same string whichever backend signs it", () => {
    const request = virtualNodeInvoice("mainnet", 50_000n);
    expect(encodeInvoice(noble, nodeKey, request)).toBe(encodeInvoice(native, nodeKey, request));
  });

  it("refuses requests a payer would reject", () => {
    const request = virtualNodeInvoice("mainnet", 1n);
    expect(() => encodeInvoice(native, nodeKey, { ...request, featureBits: [8, 17] })).toThrow(/payment_secret/);
    expect(() => encodeInvoice(native, nodeKey, { ...request, descriptionHash: new Uint8Array(32) })).toThrow(/exactly one of description/);
    expect(() => encodeInvoice(native, nodeKey, { ...request, amountMsat: 0n })).toThrow(RangeError);
    expect(() => encodeInvoice(native, nodeKey, { ...request, paymentSecret: new Uint8Array(31) })).toThrow(/paymentSecret must be 32 bytes/);
    expect(() => encodeInvoice(native, nodeKey, { ...request, timestamp: 2 ** 35 })).toThrow(/timestamp/);
    expect(() => encodeInvoice(native, nodeKey, { ...request, description: "x".repeat(640) })).toThrow(/longer than 1023 words/);
    expect(() => encodeInvoice(native, nodeKey, { ...request, routeHints: [[]] })).toThrow(/at least one hop/);
  });
});

describe("invoice round-trip property", () => {
  const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
  const hop = fc.record({
    nodePubkey: fc.constantFrom(...clusterKeys),
    shortChannelId: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    feeBaseMsat: fc.nat({ max: 0xffff_ffff }),
    feeProportionalMillionths: fc.nat({ max: 0xffff_ffff }),
    cltvExpiryDelta: fc.nat({ max: 0xffff }),
  });
  const request = fc
    .record(
      {
        network: fc.constantFrom<Bolt11Network>("mainnet", "testnet", "signet", "regtest"),
        amountMsat: fc.option(fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }), { nil: undefined }),
        timestamp: fc.nat({ max: 2 ** 35 - 1 }),
        paymentHash: bytes32,
        paymentSecret: bytes32,
        description: fc.option(fc.string({ unit: "grapheme", maxLength: 100 }), { nil: undefined }),
        descriptionHash: bytes32,
        expirySeconds: fc.option(fc.nat({ max: 2 ** 40 }), { nil: undefined }),
        minFinalCltvExpiryDelta: fc.nat({ max: 100_000 }),
        extraOptionalFeatures: fc.uniqueArray(fc.nat({ max: 300 }).map((n) => n * 2 + 1), { maxLength: 4 }),
        routeHints: fc.array(fc.array(hop, { minLength: 1, maxLength: 3 }), { maxLength: 4 }),
        paymentMetadata: fc.option(fc.uint8Array({ maxLength: 200 }), { nil: undefined }),
        includePayeeNodeKey: fc.boolean(),
      },
      { requiredKeys: ["network", "timestamp", "paymentHash", "paymentSecret", "descriptionHash", "minFinalCltvExpiryDelta", "extraOptionalFeatures", "routeHints", "includePayeeNodeKey"] },
    )
    .map(({ extraOptionalFeatures, description, descriptionHash, ...rest }): InvoiceToSign => ({
      ...rest,
      ...(description !== undefined ? { description } : { descriptionHash }),
      featureBits: [...new Set([...VIRTUAL_NODE_FEATURE_BITS, ...extraOptionalFeatures])].sort((a, b) => a - b),
    }));

  it("decode(encode(x)) gives x back, defaults filled in", () => {
    fc.assert(
      fc.property(request, (req) => {
        const decoded = decodeInvoice(native, encodeInvoice(native, nodeKey, req));
        if (!decoded.ok) throw new Error(decoded.error.message);
        const expected = Object.fromEntries(Object.entries(req).filter(([key, value]) => value !== undefined && key !== "includePayeeNodeKey"));
        expect(decoded.value).toMatchObject({
          ...expected,
          expirySeconds: req.expirySeconds ?? 3600,
          routeHints: req.routeHints ?? [],
          payeeNodeKey: nodePubkey,
        });
        expect(decoded.value.paymentMetadata).toEqual(req.paymentMetadata);
      }),
      { numRuns: 300, seed: 42 },
    );
  });
});
