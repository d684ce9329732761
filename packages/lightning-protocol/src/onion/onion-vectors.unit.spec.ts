// BOLT 4 official vectors: the 5-hop onion peeled hop by hop with each node's key, and rebuilt
// from the session key byte for byte.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes } from "../bytes/hex.ts";
import { createAddonSecp256k1Backend } from "../crypto/addon-secp256k1.ts";
import { createNativeSecp256k1Backend } from "../crypto/native-secp256k1.ts";
import { createNobleSecp256k1Backend } from "../crypto/noble-secp256k1.ts";
import { readBigSize } from "../encoding/bigsize.ts";
import { ONION_ERROR_TEST } from "../test-vectors/bolt04-onion-error-test.ts";
import { ONION_TEST } from "../test-vectors/bolt04-onion-test.ts";
import { buildOnion } from "./build-onion.ts";
import { encodeHopPayload } from "./encode-hop-payload.ts";
import { peelFinalHop, peelHop } from "./peel-hop.ts";

const SHARED_VECTORS = "/work/shared/vectors";
const backends = [createAddonSecp256k1Backend(), createNativeSecp256k1Backend(), createNobleSecp256k1Backend()];
const associatedData = hexToBytes(ONION_TEST.associatedData);

function payloadWithoutLength(hex: string): Uint8Array {
  const bytes = hexToBytes(hex);
  const length = readBigSize(bytes, 0);
  if (!length.ok) throw new Error("vector payload has no BigSize length");
  return bytes.subarray(length.value.next);
}

const EXPECTED_PAYLOADS = [
  { amtToForwardMsat: 15000n, outgoingCltv: 1500, shortChannelId: 1n },
  { amtToForwardMsat: 14000n, outgoingCltv: 1400, shortChannelId: 2n },
  { amtToForwardMsat: 12500n, outgoingCltv: 1250, shortChannelId: 3n },
  { amtToForwardMsat: 10000n, outgoingCltv: 1000, shortChannelId: 4n },
];

describe.each(backends)("BOLT 4 onion-test.json with the $name backend", (backend) => {
  it("peels all five hops: shared secrets, payloads, next-HMAC presence", () => {
    let onion = hexToBytes(ONION_TEST.onion);
    for (let hop = 0; hop < 5; hop++) {
      const peeled = peelHop(backend, hexToBytes(ONION_TEST.decodeKeys[hop] as string), onion, associatedData);
      expect(peeled.ok).toBe(true);
      if (!peeled.ok) return;
      expect(bytesToHex(peeled.sharedSecret)).toBe(ONION_ERROR_TEST.hops[hop]?.sharedSecret);
      if (hop < 4) {
        expect(peeled.payload).toMatchObject(EXPECTED_PAYLOADS[hop] as object);
        expect(peeled.payload.paymentData).toBeUndefined();
        expect(peeled.nextOnion).toHaveLength(1366);
        onion = peeled.nextOnion as Uint8Array;
      } else {
        expect(peeled.nextOnion).toBeNull();
      }
    }
    const final = peelFinalHop(backend, hexToBytes(ONION_TEST.decodeKeys[4]), onion, associatedData);
    expect(final.ok).toBe(true);
    if (!final.ok) return;
    expect(final.payload.amtToForwardMsat).toBe(10000n);
    expect(final.payload.outgoingCltv).toBe(1000);
    expect(final.payload.shortChannelId).toBeUndefined();
    expect(final.payload.paymentData && bytesToHex(final.payload.paymentData.paymentSecret)).toBe(
      "24a33562c54507a9334e79f0dc4f17d407e6d7c61f0e2f3d0d38599502f61704",
    );
    expect(final.payload.paymentData?.totalMsat).toBe(10000n);
    // Type 301 is odd and below 65536: skipped, and not a custom record.
    expect(final.payload.customRecords.size).toBe(0);
  });

  it("hop 1's unknown odd type 513 (60 bytes) is skipped", () => {
    const first = peelHop(backend, hexToBytes(ONION_TEST.decodeKeys[0]), hexToBytes(ONION_TEST.onion), associatedData);
    if (!first.ok || first.nextOnion === null) throw new Error("hop 0 must forward");
    const second = peelHop(backend, hexToBytes(ONION_TEST.decodeKeys[1]), first.nextOnion, associatedData);
    expect(second).toMatchObject({ ok: true, payload: { amtToForwardMsat: 14000n, customRecords: new Map() } });
  });

  it("rebuilds the vector's onion byte for byte from the session key", () => {
    const built = buildOnion(
      backend,
      hexToBytes(ONION_TEST.sessionKey),
      ONION_TEST.hops.map((hop) => ({ nodePubkey: hexToBytes(hop.pubkey), payload: payloadWithoutLength(hop.payloadWithLength) })),
      associatedData,
    );
    expect(bytesToHex(built.onion)).toBe(ONION_TEST.onion);
    expect(built.sharedSecrets.map(bytesToHex)).toEqual(ONION_ERROR_TEST.hops.map((hop) => hop.sharedSecret));
  });

  it("re-encodes the peeled payloads of hops 0, 2 and 3 (known types only) to the vector's bytes", () => {
    let onion = hexToBytes(ONION_TEST.onion);
    for (let hop = 0; hop < 4; hop++) {
      const peeled = peelHop(backend, hexToBytes(ONION_TEST.decodeKeys[hop] as string), onion, associatedData);
      if (!peeled.ok || peeled.nextOnion === null) throw new Error(`hop ${hop} must forward`);
      if (hop !== 1) {
        expect(bytesToHex(encodeHopPayload(peeled.payload))).toBe(bytesToHex(payloadWithoutLength(ONION_TEST.hops[hop]?.payloadWithLength as string)));
      }
      onion = peeled.nextOnion;
    }
  });
});

describe.runIf(existsSync(`${SHARED_VECTORS}/onion-test.json`))("embedded constants match /work/shared/vectors", () => {
  it("onion-test.json", () => {
    const json = JSON.parse(readFileSync(`${SHARED_VECTORS}/onion-test.json`, "utf8"));
    expect(json.onion).toBe(ONION_TEST.onion);
    expect(json.decode).toEqual([...ONION_TEST.decodeKeys]);
    expect(json.generate.session_key).toBe(ONION_TEST.sessionKey);
    expect(json.generate.associated_data).toBe(ONION_TEST.associatedData);
    expect(json.generate.hops.map((h: { pubkey: string; payload: string }) => [h.pubkey, h.payload])).toEqual(
      ONION_TEST.hops.map((h) => [h.pubkey, h.payloadWithLength]),
    );
  });

  it("onion-error-test.json", () => {
    const json = JSON.parse(readFileSync(`${SHARED_VECTORS}/onion-error-test.json`, "utf8"));
    expect(json.errorpacket).toBe(ONION_ERROR_TEST.errorPacket);
    expect(json.generate.failure_message).toBe(ONION_ERROR_TEST.failureMessage);
    const hops = json.generate.hops as Array<{ pubkey: string; hop_shared_secret: string; ammag_key: string; um_key?: string; payload?: string }>;
    expect(hops.map((h) => [h.pubkey, h.hop_shared_secret, h.ammag_key])).toEqual(ONION_ERROR_TEST.hops.map((h) => [h.pubkey, h.sharedSecret, h.ammagKey]));
    expect(hops[4]?.um_key).toBe(ONION_ERROR_TEST.finalHopUmKey);
    expect(hops[4]?.payload).toBe(ONION_ERROR_TEST.finalHopPayload);
  });
});
