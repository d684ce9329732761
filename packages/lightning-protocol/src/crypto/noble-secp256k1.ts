// Pure-JS fallback. @noble/secp256k1's synchronous sign() needs sync SHA-256/HMAC providers; we
// hand it node:crypto's (see hashes.ts) unless the process already configured others.
import * as secp from "@noble/secp256k1";
import type { RecoverableSignature, Secp256k1Backend } from "./secp256k1-backend.ts";
import { assertLength } from "../bytes/assert-length.ts";
import { hmacSha256, sha256 } from "./hashes.ts";

const CURVE_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

export function createNobleSecp256k1Backend(): Secp256k1Backend {
  secp.hashes.sha256 ??= (message) => sha256(message);
  secp.hashes.hmacSha256 ??= (key, message) => hmacSha256(key, message);
  return new NobleSecp256k1Backend();
}

function scalarFromBytes(bytes: Uint8Array): bigint {
  return BigInt("0x" + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex"));
}

class NobleSecp256k1Backend implements Secp256k1Backend {
  readonly name = "noble" as const;

  ecdh(privateKey: Uint8Array, publicKey33: Uint8Array): Uint8Array | null {
    assertLength("privateKey", privateKey, 32);
    assertPrivateKey(privateKey);
    if (publicKey33.length !== 33) return null;
    let point: Uint8Array;
    try {
      point = secp.getSharedSecret(privateKey, publicKey33, true);
    } catch {
      return null;
    }
    return sha256(point);
  }

  publicKeyCreate(privateKey: Uint8Array): Uint8Array {
    assertLength("privateKey", privateKey, 32);
    assertPrivateKey(privateKey);
    return secp.getPublicKey(privateKey, true);
  }

  publicKeyTweakMul(publicKey33: Uint8Array, tweak32: Uint8Array): Uint8Array | null {
    if (publicKey33.length !== 33 || tweak32.length !== 32) return null;
    const tweak = scalarFromBytes(tweak32);
    if (tweak === 0n || tweak >= CURVE_ORDER) return null;
    try {
      return secp.Point.fromBytes(publicKey33).multiply(tweak).toBytes(true);
    } catch {
      return null;
    }
  }

  signRecoverable(messageHash32: Uint8Array, privateKey: Uint8Array): RecoverableSignature {
    assertLength("messageHash32", messageHash32, 32);
    assertLength("privateKey", privateKey, 32);
    assertPrivateKey(privateKey);
    // "recovered" format is recovery byte || r || s; lowS and no extra entropy are the defaults,
    // which makes the nonce RFC 6979 exactly as libsecp256k1 derives it.
    const recovered = secp.sign(messageHash32, privateKey, { prehash: false, format: "recovered" });
    return { signature: recovered.slice(1), recoveryId: recovered[0] ?? 0 };
  }

  recoverPublicKey(messageHash32: Uint8Array, signature64: Uint8Array, recoveryId: number): Uint8Array | null {
    if (messageHash32.length !== 32 || signature64.length !== 64) return null;
    if (!Number.isInteger(recoveryId) || recoveryId < 0 || recoveryId > 3) return null;
    const recovered = new Uint8Array(65);
    recovered[0] = recoveryId;
    recovered.set(signature64, 1);
    try {
      return secp.recoverPublicKey(recovered, messageHash32, { prehash: false });
    } catch {
      return null;
    }
  }
}

function assertPrivateKey(privateKey: Uint8Array): void {
  const scalar = scalarFromBytes(privateKey);
  if (scalar === 0n || scalar >= CURVE_ORDER) throw new RangeError("privateKey is not a valid secp256k1 scalar");
}
