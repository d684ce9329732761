// Test data in BOLT terms: a cluster of three nodes, one invoice, HTLCs built to pass every check
// unless a test overrides the one field it is about.
import type { HtlcFailure } from "../htlc-failure.ts";
import type { HtlcKey } from "../htlc-key.ts";
import type { HtlcAccepted, HtlcArrival, InvoiceCreated, InvoiceSettleRequested } from "../events.ts";
import type { CancelInvoice, HtlcArrived, HtlcFinal, HtlcPayload, MatcherInput, SettleInvoice, Tick } from "../inputs.ts";
import type { InvoiceTerms } from "../invoice-terms.ts";
import { validateMatcherConfig } from "../matcher-config.ts";
import { virtualHopFeeMsat } from "../virtual-hop-policy.ts";

export const NODE_A = `02${"a1".repeat(32)}`;
export const NODE_B = `03${"b2".repeat(32)}`;
export const NODE_C = `02${"c3".repeat(32)}`;

export const PAYMENT_HASH = "11".repeat(32);
export const PAYMENT_SECRET = "5e".repeat(32);
export const WRONG_SECRET = "5f".repeat(32);

export const T0 = 1_790_000_000_000;
export const HOUR = 3_600_000;
export const HEIGHT = 850_000;
export const INVOICE_MSAT = 100_000n;
export const MIN_FINAL_CLTV_DELTA = 18;

export const testConfig = validateMatcherConfig({
  mppTimeoutMs: 120_000,
  acceptTimeoutMs: 300_000,
  virtualHopPolicy: { feeBaseMsat: 1_000n, feeProportionalMillionths: 100n, cltvExpiryDelta: 40 },
});

export const terms = (overrides: Partial<InvoiceTerms> = {}): InvoiceTerms => ({
  paymentHash: PAYMENT_HASH,
  paymentSecret: PAYMENT_SECRET,
  amountMsat: INVOICE_MSAT,
  createdAt: T0,
  expiresAt: T0 + HOUR,
  minFinalCltvExpiryDelta: MIN_FINAL_CLTV_DELTA,
  mode: "auto",
  externalRef: "order-42",
  bolt11: "lnbcrt1u1p-test-invoice",
  ...overrides,
});

export const invoiceCreated = (overrides: Partial<InvoiceTerms> = {}): InvoiceCreated => ({ type: "InvoiceCreated", data: terms(overrides) });

// scids exceed 2^53 on mainnet (block height << 40): the keys use such values on purpose.
export const htlcKey = (nodeId: string, htlcId: bigint, chanId = (HEIGHT_SCID_BASE << 40n) | 0x2a0001n): HtlcKey => ({ nodeId, chanId, htlcId });
const HEIGHT_SCID_BASE = 840_000n;

export type ArrivalOptions = {
  readonly key?: HtlcKey;
  readonly amtMsat?: bigint;
  readonly totalMsat?: bigint | undefined;
  readonly paymentSecret?: string | undefined;
  readonly now?: number;
  readonly blockHeight?: number;
  readonly paymentHash?: string;
  readonly incomingAmountMsat?: bigint;
  readonly outgoingAmountMsat?: bigint;
  readonly incomingExpiry?: number;
  readonly outgoingExpiry?: number;
  readonly outgoingCltv?: number;
  readonly peel?: HtlcArrived["data"]["peel"];
  readonly autoFailHeight?: number;
  readonly onionEphemeralKey?: string;
};

// The payer's ephemeral key of the fixture onion (any valid-looking compressed point).
export const ONION_KEY = `02${"e7".repeat(32)}`;
// lnd 0.21: auto_fail_height = incoming expiry - 19.
export const LND_AUTO_FAIL_BLOCKS = 19;

// An HTLC that satisfies the virtual hop policy exactly and pays `amtMsat` of a set of `totalMsat`.
export const arrival = (options: ArrivalOptions = {}): HtlcArrived => {
  const amtMsat = options.amtMsat ?? INVOICE_MSAT;
  const blockHeight = options.blockHeight ?? HEIGHT;
  const outgoingAmountMsat = options.outgoingAmountMsat ?? amtMsat;
  const outgoingExpiry = options.outgoingExpiry ?? blockHeight + MIN_FINAL_CLTV_DELTA + 6;
  const payload: HtlcPayload = {
    amtToForwardMsat: amtMsat,
    outgoingCltv: options.outgoingCltv ?? outgoingExpiry,
    ...("paymentSecret" in options ? (options.paymentSecret === undefined ? {} : { paymentSecret: options.paymentSecret }) : { paymentSecret: PAYMENT_SECRET }),
    ...("totalMsat" in options ? (options.totalMsat === undefined ? {} : { totalMsat: options.totalMsat }) : { totalMsat: INVOICE_MSAT }),
  };
  const incomingExpiry = options.incomingExpiry ?? outgoingExpiry + testConfig.virtualHopPolicy.cltvExpiryDelta;
  return {
    type: "HtlcArrived",
    data: {
      key: options.key ?? htlcKey(NODE_A, 0n),
      paymentHash: options.paymentHash ?? PAYMENT_HASH,
      incomingAmountMsat: options.incomingAmountMsat ?? outgoingAmountMsat + virtualHopFeeMsat(testConfig.virtualHopPolicy, outgoingAmountMsat),
      outgoingAmountMsat,
      incomingExpiry,
      outgoingExpiry,
      autoFailHeight: options.autoFailHeight ?? incomingExpiry - LND_AUTO_FAIL_BLOCKS,
      onionEphemeralKey: options.onionEphemeralKey ?? ONION_KEY,
      peel: options.peel ?? { ok: true, payload },
      now: options.now ?? T0 + 1_000,
      blockHeight,
    },
  };
};

export const arrivalOf = (input: HtlcArrived): HtlcArrival => ({
  key: input.data.key,
  incomingAmountMsat: input.data.incomingAmountMsat,
  outgoingAmountMsat: input.data.outgoingAmountMsat,
  incomingExpiry: input.data.incomingExpiry,
  outgoingExpiry: input.data.outgoingExpiry,
  arrivedAt: input.data.now,
  autoFailHeight: input.data.autoFailHeight,
  onionEphemeralKey: input.data.onionEphemeralKey,
});

// The event the decider records for a valid arrival (to build histories).
export const htlcAccepted = (input: HtlcArrived): HtlcAccepted => {
  if (!input.data.peel.ok) throw new Error("fixture: an accepted HTLC needs a peeled payload");
  const payload = input.data.peel.payload;
  return {
    type: "HtlcAccepted",
    data: {
      paymentHash: input.data.paymentHash,
      htlc: arrivalOf(input),
      payload: { amtToForwardMsat: payload.amtToForwardMsat, outgoingCltv: payload.outgoingCltv, totalMsat: payload.totalMsat ?? 0n },
    },
  };
};

/**
 * The event the decider records when the set of `parts` is complete: its total and the amount paid
 * are the invoice's unless a test says otherwise, at the last part's arrival unless `at` is given.
 */
export const settleRequested = (
  parts: readonly HtlcArrived[],
  amounts: { setTotalMsat?: bigint; amountPaidMsat?: bigint; at?: number } = {},
): InvoiceSettleRequested => ({
  type: "InvoiceSettleRequested",
  data: {
    paymentHash: PAYMENT_HASH,
    htlcKeys: parts.map((part) => part.data.key),
    setTotalMsat: amounts.setTotalMsat ?? INVOICE_MSAT,
    amountPaidMsat: amounts.amountPaidMsat ?? INVOICE_MSAT,
    at: amounts.at ?? parts[parts.length - 1]!.data.now,
  },
});

export const unknownPaymentDetails = (input: HtlcArrived): HtlcFailure => ({
  kind: "incorrect_or_unknown_payment_details",
  htlcMsat: input.data.outgoingAmountMsat,
  height: input.data.blockHeight,
});

export const tick = (now: number, blockHeight = HEIGHT): Tick => ({ type: "Tick", data: { paymentHash: PAYMENT_HASH, now, blockHeight } });
export const settleInvoice = (now = T0 + 10_000, blockHeight = HEIGHT): SettleInvoice => ({
  type: "SettleInvoice",
  data: { paymentHash: PAYMENT_HASH, now, blockHeight },
});
export const cancelInvoice = (now = T0 + 10_000, blockHeight = HEIGHT): CancelInvoice => ({
  type: "CancelInvoice",
  data: { paymentHash: PAYMENT_HASH, now, blockHeight },
});
export const htlcFinal = (key: HtlcKey, settled: boolean, now = T0 + 20_000): HtlcFinal => ({
  type: "HtlcFinal",
  data: { key, paymentHash: PAYMENT_HASH, settled, now },
});

/** The usual multi-part set: half the invoice's amount through node A, then the other half through node B a second later. */
export const halfThroughA = arrival({ key: htlcKey(NODE_A, 1n), amtMsat: INVOICE_MSAT / 2n, now: T0 + 1_000 });
export const halfThroughB = arrival({ key: htlcKey(NODE_B, 1n), amtMsat: INVOICE_MSAT / 2n, now: T0 + 2_000 });

/**
 * Inputs whose history touches every shape a serialization must keep: amount-less hold terms,
 * accepted and rejected HTLCs, an onion failure holding a bigint (2^63), an MPP timeout, lnd's
 * final report, a cancellation, scids above 2^53.
 */
export const everyShapeInputs = (): MatcherInput[] => [
  { type: "CreateInvoice", data: terms({ amountMsat: null, mode: "hold" }) },
  arrival({ key: htlcKey(NODE_A, 1n), amtMsat: 500n, totalMsat: 2_000n, now: T0 + 1_000 }),
  arrival({ key: htlcKey(NODE_B, 2n), peel: { ok: false, failure: { kind: "failure_message", failure: { type: "invalid_onion_payload", tlvType: 2n ** 63n, offset: 3 } } } }),
  arrival({ key: htlcKey(NODE_C, 3n), paymentSecret: WRONG_SECRET }),
  tick(T0 + 1_000 + testConfig.mppTimeoutMs + 1),
  htlcFinal(htlcKey(NODE_A, 1n), false),
  arrival({ key: htlcKey(NODE_C, 4n), amtMsat: 700n, totalMsat: 700n, now: T0 + 200_000 }),
  cancelInvoice(T0 + 201_000),
];
