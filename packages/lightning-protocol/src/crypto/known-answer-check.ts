// A backend is only used after it reproduces known answers: the BOLT 4 vector's first shared
// secret (session key 0x41..41 with hop 0's key) and an RFC 6979 signature from the BOLT 11
// examples. A native binary that loads but computes something else (another default ECDH hash,
// a broken build) must not peel onions or sign invoices for money.
import type { Secp256k1Backend } from "./secp256k1-backend.ts";

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, "hex"));
const toHex = (bytes: Uint8Array | null): string => (bytes === null ? "null" : Buffer.from(bytes).toString("hex"));

const ECDH_PRIVATE_KEY = "41".repeat(32);
const ECDH_PUBLIC_KEY = "02eec7245d6b7d2ccb30380bfbe2a3648cd7a942653f5aa340edcea1f283686619";
const ECDH_SHARED_SECRET = "53eb63ea8a3fec3b3cd433b85cd62a4b145e1dda09391b348c4e1cd36a03ea66";
const SIGNING_KEY = "e126f68f7eafcc8b74f54d269fe206be715000f94dac067d1c04a8ca3b2db734";
const SIGNING_PUBLIC_KEY = "03e7156ae33b0a208d0744199163177e909e80176e55d97a2f221ede0f934dd9ad";
const SIGNED_HASH = "6daf4d488be41ce7cbb487cab1ef2975e5efcea879b20d421f0ef86b07cbb987";
const SIGNATURE =
  "8d3ce9e28357337f62da0162d9454df827f83cfe499aeb1c1db349d4d81127425e434ca29929406c23bba1ae8ac6ca32880b38d4bf6ff874024cac34ba9625f1";
const RECOVERY_ID = 1;

/** null when the backend reproduces every known answer, else what went wrong (no secrets in it: all inputs are public test vectors). */
export function knownAnswerFailure(backend: Secp256k1Backend): string | null {
  const sharedSecret = toHex(backend.ecdh(hex(ECDH_PRIVATE_KEY), hex(ECDH_PUBLIC_KEY)));
  if (sharedSecret !== ECDH_SHARED_SECRET) return `${backend.name} ECDH gave ${sharedSecret}, expected ${ECDH_SHARED_SECRET}`;
  if (toHex(backend.publicKeyCreate(hex(SIGNING_KEY))) !== SIGNING_PUBLIC_KEY) return `${backend.name} derived the wrong public key`;
  const signed = backend.signRecoverable(hex(SIGNED_HASH), hex(SIGNING_KEY));
  if (toHex(signed.signature) !== SIGNATURE || signed.recoveryId !== RECOVERY_ID) return `${backend.name} signature differs from RFC 6979`;
  if (toHex(backend.recoverPublicKey(hex(SIGNED_HASH), hex(SIGNATURE), RECOVERY_ID)) !== SIGNING_PUBLIC_KEY) return `${backend.name} recovered the wrong key`;
  return null;
}
