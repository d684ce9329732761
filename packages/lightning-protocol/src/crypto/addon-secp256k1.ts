// libsecp256k1 through our own Node-API binding (packages/libsecp256k1-addon): a current release
// of the library, built on this machine. Same contract as the other backends (see
// secp256k1-backend.ts): lengths are checked here, a bad private key throws a RangeError, a bad
// public key or signature yields null.
import { loadLibsecp256k1Addon, type Libsecp256k1Addon } from "@ic/libsecp256k1-addon";
import type { RecoverableSignature, Secp256k1Backend } from "./secp256k1-backend.ts";
import { assertLength } from "../bytes/assert-length.ts";

/** Throws when the addon is not built or does not load on this machine. */
export function createAddonSecp256k1Backend(): Secp256k1Backend {
  return new AddonSecp256k1Backend(loadLibsecp256k1Addon());
}

class AddonSecp256k1Backend implements Secp256k1Backend {
  readonly name = "addon" as const;
  readonly #addon: Libsecp256k1Addon;

  constructor(addon: Libsecp256k1Addon) {
    this.#addon = addon;
  }

  ecdh(privateKey: Uint8Array, publicKey33: Uint8Array): Uint8Array | null {
    assertLength("privateKey", privateKey, 32);
    if (publicKey33.length !== 33) return null;
    const secret = this.#addon.ecdh(privateKey, publicKey33);
    // The library refuses a bad point and a bad scalar alike; only the scalar is our bug.
    if (secret === null) this.#assertPrivateKey(privateKey);
    return secret;
  }

  publicKeyCreate(privateKey: Uint8Array): Uint8Array {
    assertLength("privateKey", privateKey, 32);
    const publicKey = this.#addon.publicKeyCreate(privateKey);
    if (publicKey === null) throw invalidPrivateKey();
    return publicKey;
  }

  publicKeyTweakMul(publicKey33: Uint8Array, tweak32: Uint8Array): Uint8Array | null {
    if (publicKey33.length !== 33 || tweak32.length !== 32) return null;
    return this.#addon.publicKeyTweakMul(publicKey33, tweak32);
  }

  signRecoverable(messageHash32: Uint8Array, privateKey: Uint8Array): RecoverableSignature {
    assertLength("messageHash32", messageHash32, 32);
    assertLength("privateKey", privateKey, 32);
    const signed = this.#addon.signRecoverable(messageHash32, privateKey);
    if (signed === null) throw invalidPrivateKey();
    return { signature: signed.slice(0, 64), recoveryId: signed[64] as number };
  }

  recoverPublicKey(messageHash32: Uint8Array, signature64: Uint8Array, recoveryId: number): Uint8Array | null {
    if (messageHash32.length !== 32 || signature64.length !== 64) return null;
    if (!Number.isInteger(recoveryId) || recoveryId < 0 || recoveryId > 3) return null;
    return this.#addon.recoverPublicKey(messageHash32, signature64, recoveryId);
  }

  #assertPrivateKey(privateKey: Uint8Array): void {
    if (!this.#addon.privateKeyVerify(privateKey)) throw invalidPrivateKey();
  }
}

function invalidPrivateKey(): RangeError {
  return new RangeError("privateKey is not a valid secp256k1 scalar");
}
