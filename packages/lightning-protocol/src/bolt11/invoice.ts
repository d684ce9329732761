import type { Bolt11Network } from "./network.ts";
import type { RouteHint } from "./route-hint.ts";

/** What every invoice states, whether to be signed or decoded. */
interface InvoiceBasics {
  readonly network: Bolt11Network;
  /** Omitted for an amount-less invoice. */
  readonly amountMsat?: bigint;
  /** Unix seconds. An input: this package never reads the clock. */
  readonly timestamp: number;
  readonly paymentHash: Uint8Array;
  readonly paymentSecret: Uint8Array;
  /** Exactly one of description and descriptionHash. */
  readonly description?: string;
  readonly descriptionHash?: Uint8Array;
}

/** What the invoice API asks the virtual node to sign. */
export interface InvoiceToSign extends InvoiceBasics {
  /** Omitted: readers assume 3600. */
  readonly expirySeconds?: number;
  readonly minFinalCltvExpiryDelta: number;
  /** Must include var_onion_optin (8/9) and payment_secret (14/15); see VIRTUAL_NODE_FEATURE_BITS. */
  readonly featureBits: readonly number[];
  /** Each hint becomes its own `r` field: one per cluster node for the virtual node. */
  readonly routeHints?: readonly RouteHint[];
  readonly paymentMetadata?: Uint8Array;
  /** Also write the `n` field, sparing payers public-key recovery (53 more characters). */
  readonly includePayeeNodeKey?: boolean;
}

export interface FallbackAddress {
  /** 0..16 witness version, 17 P2PKH, 18 P2SH. */
  readonly version: number;
  /** Witness program, or the 20-byte hash for 17/18. */
  readonly program: Uint8Array;
}

export interface DecodedInvoice extends InvoiceBasics {
  /** The `x` field, or the 3600 s default. */
  readonly expirySeconds: number;
  /** The `c` field, or the 18-block default. */
  readonly minFinalCltvExpiryDelta: number;
  readonly featureBits: readonly number[];
  /** Every `r` field, in order (the npm bolt11 package keeps only the last one). */
  readonly routeHints: readonly RouteHint[];
  readonly fallbackAddresses: readonly FallbackAddress[];
  readonly paymentMetadata?: Uint8Array;
  /** From the `n` field (signature verified against it) or recovered from the signature. */
  readonly payeeNodeKey: Uint8Array;
  readonly signature: Uint8Array;
  readonly recoveryId: number;
}
