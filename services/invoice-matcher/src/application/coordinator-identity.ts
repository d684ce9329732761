// The virtual node's secrets: its private key (peels onions, signs invoices, encrypts failure
// packets) and the preimage seed (preimage = HMAC-SHA256(seed, payment_secret)). Held only in
// this object; never logged, serialized or put in an error message.
import {
  bytesToHex,
  deriveInvoiceSecrets,
  describeLoadedBackend,
  hexToBytes,
  loadSecp256k1Backend,
  type Secp256k1Backend,
} from "@ic/lightning-protocol";

export interface CoordinatorIdentity {
  readonly backend: Secp256k1Backend;
  readonly nodePrivateKey: Uint8Array;
  readonly nodePubkeyHex: string;
  /** Preimage for an invoice's payment secret; checked against the payment hash by callers. */
  preimageFor(paymentSecret: Uint8Array): { preimage: Uint8Array; paymentHash: Uint8Array };
  /** BOLT 4 shared secret with an onion's ephemeral key; null if the key is not a valid point. */
  sharedSecret(ephemeralPubkey: Uint8Array): Uint8Array | null;
  readonly backendNote: string;
}

export function createCoordinatorIdentity(nodeKeyHex: string, preimageSeedHex: string): CoordinatorIdentity {
  const loaded = loadSecp256k1Backend();
  const { backend } = loaded;
  const nodePrivateKey = hexToBytes(nodeKeyHex);
  const seed = hexToBytes(preimageSeedHex);
  const nodePubkeyHex = bytesToHex(backend.publicKeyCreate(nodePrivateKey));
  return {
    backend,
    nodePrivateKey,
    nodePubkeyHex,
    preimageFor: (paymentSecret) => deriveInvoiceSecrets(seed, paymentSecret),
    sharedSecret: (ephemeralPubkey) => backend.ecdh(nodePrivateKey, ephemeralPubkey),
    backendNote: describeLoadedBackend(loaded),
  };
}
