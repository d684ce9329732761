// The only elliptic-curve operations the virtual node needs. Three implementations exist, in order
// of preference: "addon", a current libsecp256k1 built on this machine with our Node-API binding
// (packages/libsecp256k1-addon; fastest, absent until built); "native", the 2019 libsecp256k1 in
// the npm secp256k1 package's prebuilt binary (may fail to load on an unusual platform); "noble",
// @noble/secp256k1 (pure JS, always loads, ~10-40x slower). All must give byte-identical results;
// a unit test holds them to that, so the choice between them is a deployment detail, not a
// behaviour change.
//
// Contract shared by both: a bad *private* key is our own bug and throws a RangeError; a bad
// *public* key or signature comes from the network (onion ephemeral key, invoice signature) and
// yields null, so parsers can turn it into a typed failure without try/catch.
export type Secp256k1BackendName = "addon" | "native" | "noble";

export interface RecoverableSignature {
  /** r (32 bytes, big-endian) || s (32 bytes, big-endian), s in low-S form. */
  readonly signature: Uint8Array;
  /** 0..3, selects which of the candidate public keys the signature recovers to. */
  readonly recoveryId: number;
}

export interface Secp256k1Backend {
  readonly name: Secp256k1BackendName;
  /** BOLT 4 shared secret: SHA256(compressed(privateKey x publicKey)); null if publicKey is not a valid point. */
  ecdh(privateKey: Uint8Array, publicKey33: Uint8Array): Uint8Array | null;
  /** Compressed (33-byte) public key of privateKey. */
  publicKeyCreate(privateKey: Uint8Array): Uint8Array;
  /** tweak x publicKey, compressed; null if the point or the tweak (as a scalar) is invalid. Used to blind the next hop's ephemeral key. */
  publicKeyTweakMul(publicKey33: Uint8Array, tweak32: Uint8Array): Uint8Array | null;
  /** Deterministic (RFC 6979, no extra entropy) low-S ECDSA over an already-hashed 32-byte message. */
  signRecoverable(messageHash32: Uint8Array, privateKey: Uint8Array): RecoverableSignature;
  /** Compressed public key that produced signature64 over messageHash32; null if none does. Accepts high-S. */
  recoverPublicKey(messageHash32: Uint8Array, signature64: Uint8Array, recoveryId: number): Uint8Array | null;
}
