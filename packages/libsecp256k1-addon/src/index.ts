// Loader for the Node-API binding in ./libsecp256k1_addon.c. The binary is not in git: it is built
// on each machine by infra/scripts/build-libsecp256k1-addon.sh (run by the README commands through
// infra/scripts/bootstrap-node.sh) into ../build/. When it is missing or does not load, this throws
// and lightning-protocol falls back to the next secp256k1 backend.
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/** The raw binding. Lengths are the caller's job (a wrong one is a TypeError); null = the library refused. */
export interface Libsecp256k1Addon {
  /** "libsecp256k1 <revision> (secp256k1-sys <version>)" */
  readonly library: string;
  /** SHA256(compressed(privateKey x publicKey)); null if publicKey is not a point or privateKey is out of range. */
  ecdh(privateKey32: Uint8Array, publicKey33: Uint8Array): Uint8Array | null;
  privateKeyVerify(privateKey32: Uint8Array): boolean;
  /** Compressed public key; null if privateKey is out of range. */
  publicKeyCreate(privateKey32: Uint8Array): Uint8Array | null;
  /** Compressed tweak x publicKey; null if the point or the tweak is invalid. */
  publicKeyTweakMul(publicKey33: Uint8Array, tweak32: Uint8Array): Uint8Array | null;
  /** r || s || recoveryId (65 bytes), RFC 6979, low-S; null if privateKey is out of range. */
  signRecoverable(messageHash32: Uint8Array, privateKey32: Uint8Array): Uint8Array | null;
  /** Compressed public key; null if no key produced this signature. */
  recoverPublicKey(messageHash32: Uint8Array, signature64: Uint8Array, recoveryId: number): Uint8Array | null;
}

export const LIBSECP256K1_ADDON_PATH = fileURLToPath(new URL("../build/libsecp256k1_addon.node", import.meta.url));

/** Throws (with the path and the reason) when the addon is not built or does not load here. */
export function loadLibsecp256k1Addon(): Libsecp256k1Addon {
  const require = createRequire(import.meta.url);
  try {
    return require(LIBSECP256K1_ADDON_PATH) as Libsecp256k1Addon;
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new Error(`libsecp256k1 addon not loadable from ${LIBSECP256K1_ADDON_PATH} (build it with infra/scripts/build-libsecp256k1-addon.sh): ${reason}`);
  }
}
