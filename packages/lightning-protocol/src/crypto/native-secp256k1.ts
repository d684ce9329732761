// libsecp256k1 through the npm `secp256k1` addon. We load `secp256k1/bindings.js` directly:
// the package's main entry silently falls back to the pure-JS `elliptic` library when the addon
// does not load, and we must know which one we got (elliptic is slower than noble and is not
// the backend we test against). pnpm does not run the package's install script here; the addon
// comes from the prebuilt binaries shipped in the tarball (prebuilds/<platform>-<arch>), which
// node-gyp-build finds at require time.
import { createRequire } from "node:module";
import type * as Secp256k1Addon from "secp256k1";
import type { RecoverableSignature, Secp256k1Backend } from "./secp256k1-backend.ts";
import { assertLength } from "../bytes/assert-length.ts";

type Addon = typeof Secp256k1Addon;

/** Throws when the native addon cannot be loaded on this platform. */
export function createNativeSecp256k1Backend(): Secp256k1Backend {
  const require = createRequire(import.meta.url);
  const addon = require("secp256k1/bindings.js") as Addon;
  return new NativeSecp256k1Backend(addon);
}

class NativeSecp256k1Backend implements Secp256k1Backend {
  readonly name = "native" as const;
  readonly #addon: Addon;

  constructor(addon: Addon) {
    this.#addon = addon;
  }

  ecdh(privateKey: Uint8Array, publicKey33: Uint8Array): Uint8Array | null {
    assertLength("privateKey", privateKey, 32);
    if (publicKey33.length !== 33) return null;
    try {
      // With no hashfn, libsecp256k1's ECDH output is SHA256(0x02|0x03 parity || x): the BOLT 4 shared secret.
      return this.#addon.ecdh(publicKey33, privateKey, {}, new Uint8Array(32));
    } catch {
      this.#assertPrivateKey(privateKey);
      return null;
    }
  }

  publicKeyCreate(privateKey: Uint8Array): Uint8Array {
    assertLength("privateKey", privateKey, 32);
    this.#assertPrivateKey(privateKey);
    return this.#addon.publicKeyCreate(privateKey, true);
  }

  publicKeyTweakMul(publicKey33: Uint8Array, tweak32: Uint8Array): Uint8Array | null {
    if (publicKey33.length !== 33 || tweak32.length !== 32) return null;
    try {
      return this.#addon.publicKeyTweakMul(publicKey33, tweak32, true);
    } catch {
      return null;
    }
  }

  signRecoverable(messageHash32: Uint8Array, privateKey: Uint8Array): RecoverableSignature {
    assertLength("messageHash32", messageHash32, 32);
    assertLength("privateKey", privateKey, 32);
    this.#assertPrivateKey(privateKey);
    const { signature, recid } = this.#addon.ecdsaSign(messageHash32, privateKey);
    return { signature, recoveryId: recid };
  }

  recoverPublicKey(messageHash32: Uint8Array, signature64: Uint8Array, recoveryId: number): Uint8Array | null {
    if (messageHash32.length !== 32 || signature64.length !== 64) return null;
    if (!Number.isInteger(recoveryId) || recoveryId < 0 || recoveryId > 3) return null;
    try {
      return this.#addon.ecdsaRecover(signature64, recoveryId, messageHash32, true);
    } catch {
      return null;
    }
  }

  #assertPrivateKey(privateKey: Uint8Array): void {
    if (!this.#addon.privateKeyVerify(privateKey)) throw new RangeError("privateKey is not a valid secp256k1 scalar");
  }
}
