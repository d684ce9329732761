// Stateless preimages (lnmux's scheme): preimage = HMAC-SHA256(seed, payment_secret). The
// coordinator stores no preimage: any instance holding the seed re-derives it from the
// payment_secret that every HTLC of the payment carries in its onion, and the event log only
// ever holds the payment_secret and the hash. The payment_secret is the caller's fresh
// randomness (this package never draws random bytes).
import { assertLength } from "../bytes/assert-length.ts";
import { hmacSha256, sha256 } from "../crypto/hashes.ts";

export interface InvoiceSecrets {
  /** Secret until the invoice settles: never log it or put it on a public topic. */
  readonly preimage: Uint8Array;
  readonly paymentHash: Uint8Array;
}

export function deriveInvoiceSecrets(seed: Uint8Array, paymentSecret: Uint8Array): InvoiceSecrets {
  assertLength("seed", seed, 32);
  assertLength("paymentSecret", paymentSecret, 32);
  const preimage = hmacSha256(seed, paymentSecret);
  return { preimage, paymentHash: sha256(preimage) };
}
