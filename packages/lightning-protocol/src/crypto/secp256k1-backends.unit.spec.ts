// The backends are interchangeable only if they agree byte for byte: the onion shared secret,
// invoice signatures (RFC 6979 makes them deterministic) and key recovery must not depend on
// which one loaded. The addon must be built (the README test command builds it): a missing addon
// fails here rather than silently testing only the fallbacks.
import * as secp from "@noble/secp256k1";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes } from "../bytes/hex.ts";
import { sha256 } from "./hashes.ts";
import { createAddonSecp256k1Backend } from "./addon-secp256k1.ts";
import { createNativeSecp256k1Backend } from "./native-secp256k1.ts";
import { createNobleSecp256k1Backend } from "./noble-secp256k1.ts";
import { knownAnswerFailure } from "./known-answer-check.ts";
import type { Secp256k1Backend } from "./secp256k1-backend.ts";
import { describeLoadedBackend, loadSecp256k1Backend } from "./load-secp256k1-backend.ts";

const addon = createAddonSecp256k1Backend();
const native = createNativeSecp256k1Backend();
const noble = createNobleSecp256k1Backend();
const CURVE_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

const privateKey = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .filter((bytes) => {
    const scalar = BigInt("0x" + bytesToHex(bytes));
    return scalar > 0n && scalar < CURVE_ORDER;
  });
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe("loadSecp256k1Backend", () => {
  it("prefers the libsecp256k1 addon built on this machine", () => {
    const loaded = loadSecp256k1Backend();
    expect(loaded.skipped).toEqual([]);
    expect(loaded.backend.name).toBe("addon");
    expect(describeLoadedBackend(loaded)).toBe("addon");
  });

  it("gives the prebuilt native backend or noble when asked for them", () => {
    expect(loadSecp256k1Backend("native").backend.name).toBe("native");
    expect(loadSecp256k1Backend("noble").backend.name).toBe("noble");
  });

  it("accepts every backend's known answers and catches one that computes something else", () => {
    expect(knownAnswerFailure(addon)).toBeNull();
    expect(knownAnswerFailure(native)).toBeNull();
    expect(knownAnswerFailure(noble)).toBeNull();
    // e.g. an ECDH that returns the raw x coordinate instead of SHA256(compressed point).
    const rawXEcdh: Secp256k1Backend = {
      name: "noble",
      ecdh: (key, point) => secp.getSharedSecret(key, point, true).slice(1),
      publicKeyCreate: (key) => noble.publicKeyCreate(key),
      publicKeyTweakMul: (point, tweak) => noble.publicKeyTweakMul(point, tweak),
      signRecoverable: (hash, key) => noble.signRecoverable(hash, key),
      recoverPublicKey: (hash, signature, id) => noble.recoverPublicKey(hash, signature, id),
    };
    expect(knownAnswerFailure(rawXEcdh)).toMatch(/^noble ECDH gave/);
  });
});

describe.each([
  { name: "addon", backend: addon },
  { name: "native", backend: native },
])("$name and noble backends", ({ backend: fast }) => {
  it("derive the same public keys", () => {
    fc.assert(
      fc.property(privateKey, (key) => {
        expect(bytesToHex(fast.publicKeyCreate(key))).toBe(bytesToHex(noble.publicKeyCreate(key)));
      }),
      { numRuns: 200, seed: 11 },
    );
  });

  it("compute the same ECDH secret, equal to SHA256 of the compressed shared point (BOLT 4)", () => {
    fc.assert(
      fc.property(privateKey, privateKey, (ours, theirs) => {
        const theirPublic = noble.publicKeyCreate(theirs);
        const expected = bytesToHex(sha256(secp.getSharedSecret(ours, theirPublic, true)));
        expect(bytesToHex(fast.ecdh(ours, theirPublic) as Uint8Array)).toBe(expected);
        expect(bytesToHex(noble.ecdh(ours, theirPublic) as Uint8Array)).toBe(expected);
      }),
      { numRuns: 50, seed: 12 },
    );
  });

  it("produce identical deterministic signatures that recover to the signer", () => {
    fc.assert(
      fc.property(privateKey, bytes32, (key, hash) => {
        const a = fast.signRecoverable(hash, key);
        const b = noble.signRecoverable(hash, key);
        expect(bytesToHex(a.signature)).toBe(bytesToHex(b.signature));
        expect(a.recoveryId).toBe(b.recoveryId);
        const publicKey = bytesToHex(fast.publicKeyCreate(key));
        expect(bytesToHex(fast.recoverPublicKey(hash, a.signature, a.recoveryId) as Uint8Array)).toBe(publicKey);
        expect(bytesToHex(noble.recoverPublicKey(hash, b.signature, b.recoveryId) as Uint8Array)).toBe(publicKey);
      }),
      { numRuns: 100, seed: 13 },
    );
  });

  it("recover the same key from the same (also high-S) signature", () => {
    fc.assert(
      fc.property(privateKey, bytes32, (key, hash) => {
        const { signature, recoveryId } = noble.signRecoverable(hash, key);
        // s -> n - s flips the recovered point's parity: recovery id 1 - id gives the same key back.
        const s = BigInt("0x" + bytesToHex(signature.subarray(32)));
        const highS = new Uint8Array(64);
        highS.set(signature.subarray(0, 32));
        highS.set(hexToBytes((CURVE_ORDER - s).toString(16).padStart(64, "0")), 32);
        const flipped = recoveryId ^ 1;
        const signer = bytesToHex(noble.publicKeyCreate(key));
        expect(bytesToHex(fast.recoverPublicKey(hash, highS, flipped) as Uint8Array)).toBe(signer);
        expect(bytesToHex(noble.recoverPublicKey(hash, highS, flipped) as Uint8Array)).toBe(signer);
      }),
      { numRuns: 50, seed: 15 },
    );
  });

  it("blind public keys identically (next-hop ephemeral key)", () => {
    fc.assert(
      fc.property(privateKey, privateKey, (key, tweak) => {
        const publicKey = fast.publicKeyCreate(key);
        expect(bytesToHex(fast.publicKeyTweakMul(publicKey, tweak) as Uint8Array)).toBe(
          bytesToHex(noble.publicKeyTweakMul(publicKey, tweak) as Uint8Array),
        );
      }),
      { numRuns: 50, seed: 14 },
    );
  });
});

describe.each([
  { name: "addon", backend: addon },
  { name: "native", backend: native },
  { name: "noble", backend: noble },
])("$name backend", ({ backend }) => {
  it("returns null, never throws, for a public key that is not on the curve", () => {
    const key = hexToBytes("41".repeat(32));
    // x = 5 has no square root of x^3 + 7 mod p: not a point.
    const offCurve = hexToBytes("02" + "00".repeat(31) + "05");
    const badPrefix = hexToBytes("05" + "11".repeat(32));
    expect(backend.ecdh(key, offCurve)).toBeNull();
    expect(backend.ecdh(key, badPrefix)).toBeNull();
    expect(backend.ecdh(key, new Uint8Array(32))).toBeNull();
    expect(backend.publicKeyTweakMul(offCurve, key)).toBeNull();
    expect(backend.publicKeyTweakMul(backend.publicKeyCreate(key), new Uint8Array(32))).toBeNull();
    expect(backend.recoverPublicKey(new Uint8Array(32), new Uint8Array(64), 0)).toBeNull();
    expect(backend.recoverPublicKey(new Uint8Array(32), new Uint8Array(64).fill(1), 4)).toBeNull();
    expect(backend.recoverPublicKey(new Uint8Array(32), new Uint8Array(63), 0)).toBeNull();
  });

  it("throws for an invalid private key (a bug on our side), without echoing it", () => {
    const zero = new Uint8Array(32);
    const order = hexToBytes(CURVE_ORDER.toString(16));
    const somePoint = noble.publicKeyCreate(hexToBytes("41".repeat(32)));
    expect(() => backend.publicKeyCreate(zero)).toThrow(RangeError);
    expect(() => backend.publicKeyCreate(order)).toThrow(/^privateKey is not a valid secp256k1 scalar$/);
    expect(() => backend.ecdh(zero, somePoint)).toThrow(RangeError);
    expect(() => backend.ecdh(order, somePoint)).toThrow(RangeError);
    expect(() => backend.signRecoverable(new Uint8Array(32), order)).toThrow(RangeError);
    expect(() => backend.signRecoverable(new Uint8Array(32), new Uint8Array(31))).toThrow(/32 bytes, got 31/);
  });

  it("returns plain Uint8Arrays", () => {
    const key = hexToBytes("41".repeat(32));
    const publicKey = backend.publicKeyCreate(key);
    expect(Object.getPrototypeOf(publicKey)).toBe(Uint8Array.prototype);
    expect(Object.getPrototypeOf(backend.ecdh(key, publicKey))).toBe(Uint8Array.prototype);
    expect(Object.getPrototypeOf(backend.signRecoverable(new Uint8Array(32), key).signature)).toBe(Uint8Array.prototype);
  });
});
